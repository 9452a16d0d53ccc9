// `node src/main.ts` against the API double: /readyz turns 200 once the caches synced, SIGTERM → exit 0.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startKubeDouble, type KubeDouble } from './double.ts';
import { freePort } from '../lab/free-port.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CRD_DIR = join(ROOT, 'deploy/crds');
const children = new Set<ChildProcess>();
const doubles: KubeDouble[] = [];
const tmp = mkdtempSync(join(tmpdir(), 'openelb-main-'));
after(async () => {
  for (const c of children) if (c.exitCode === null && c.pid !== undefined) c.kill('SIGKILL');
  for (const d of doubles) await d.close().catch(() => undefined);
  rmSync(tmp, { recursive: true, force: true });
});

function startManager(
  kubeconfig: string,
  port: number,
): { child: ChildProcess; exit: Promise<number | null>; stderr: () => string } {
  const child = spawn(
    process.execPath,
    [
      join(ROOT, 'src/main.ts'),
      '--kubeconfig',
      kubeconfig,
      '--node-name',
      'node-1',
      // no gobgpd here: with BGP on, readiness would (rightly) fail on the missing sidecar socket
      // (test/bgp/sidecar-health.test.ts covers that)
      '--health-addr',
      `127.0.0.1:${port}`,
      '--webhook-addr',
      '127.0.0.1:0',
      '--enable-bgp',
      'false',
      '--backoff-max',
      '1s',
      '--log-level',
      'info',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, KUBECONFIG: '' } },
  );
  children.add(child);
  let err = '';
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  child.stdout?.resume();
  const exit = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, exit, stderr: () => err };
}

async function get(port: number, path: string): Promise<{ status: number; body: string }> {
  try {
    const r = await fetch(`http://127.0.0.1:${port}${path}`);
    return { status: r.status, body: await r.text() };
  } catch {
    return { status: 0, body: '' };
  }
}

async function waitFor<T>(f: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    const v = await f();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail('condition not met in time');
}

async function waitStatus(port: number, path: string, want: number, ms = 20_000): Promise<string> {
  const end = performance.now() + ms;
  let last = { status: 0, body: '' };
  while (performance.now() < end) {
    last = await get(port, path);
    if (last.status === want) return last.body;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`${path}: wanted ${want}, last ${last.status} ${last.body}`);
}

describe('openelb-manager process', () => {
  test('ready after caches sync; SIGTERM → readiness off, clean exit 0', async () => {
    const dbl = await startKubeDouble({ crdDirs: [CRD_DIR] });
    doubles.push(dbl);
    await dbl.create([
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'openelb-system' } },
      {
        apiVersion: 'network.kubesphere.io/v1alpha2',
        kind: 'Eip',
        metadata: { name: 'metrics-pool' },
        spec: { address: '10.1.2.0/30', protocol: 'layer2' },
      },
    ]);
    const port = await freePort();
    const m = startManager(dbl.kubeconfigPath, port);
    await waitStatus(port, '/readyz', 200);
    assert.equal((await get(port, '/healthz')).status, 200);
    const verbose = await get(port, '/readyz?verbose');
    assert.match(verbose.body, /\[\+\]informers ok/);
    assert.match(verbose.body, /\[\+\]webhook ok/);
    const metrics = await get(port, '/metrics');
    assert.equal(metrics.status, 200);
    assert.match(metrics.body, /openelb_informer_synced\{resource="eips"\} 1/);
    assert.match(metrics.body, /openelb_process_cpu_seconds_total/);
    // per-pool gauges, labelled by pool (never by IP); poolSize arrives once the allocator wrote status
    const pools = await waitFor(async () => {
      const b = (await get(port, '/metrics')).body;
      return /openelb_eip_pool_size\{eip="metrics-pool",protocol="layer2"\} 2/.test(b) ? b : undefined;
    });
    assert.match(pools, /openelb_eip_pool_usage\{eip="metrics-pool",protocol="layer2"\} 0/);
    m.child.kill('SIGTERM');
    const code = await m.exit;
    assert.equal(code, 0, m.stderr());
    assert.match(m.stderr(), /"message":"stopped"/);
  });

  test('not ready while the API server is unreachable; still live; SIGINT → exit 0', async () => {
    const port = await freePort();
    const deadPort = await freePort();
    const kc = join(tmp, 'dead.kubeconfig');
    writeFileSync(
      kc,
      [
        'apiVersion: v1',
        'kind: Config',
        'current-context: dead',
        'clusters:',
        `- name: dead`,
        `  cluster: {server: "http://127.0.0.1:${deadPort}", insecure-skip-tls-verify: true}`,
        'users:',
        '- name: u',
        '  user: {token: x}',
        'contexts:',
        '- name: dead',
        '  context: {cluster: dead, user: u}',
        '',
      ].join('\n'),
    );
    const m = startManager(kc, port);
    const body = await waitStatus(port, '/readyz', 503);
    assert.match(body, /informers failed: not synced: eips/);
    assert.equal((await get(port, '/healthz')).status, 200);
    m.child.kill('SIGINT');
    assert.equal(await m.exit, 0, m.stderr());
  });

  test('--help and --version exit 0; a missing --node-name exits 2 naming the flag', async () => {
    const run = (args: string[]) =>
      new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
        const c = spawn(process.execPath, [join(ROOT, 'src/main.ts'), ...args], {
          env: { ...process.env, NODE_NAME: '' },
        });
        let out = '';
        let err = '';
        c.stdout.on('data', (d: Buffer) => {
          out += d.toString();
        });
        c.stderr.on('data', (d: Buffer) => {
          err += d.toString();
        });
        c.on('exit', (code) => resolve({ code, out, err }));
      });
    const h = await run(['--help']);
    assert.equal(h.code, 0);
    assert.match(h.out, /--node-name .*NODE_NAME/);
    const v = await run(['--version']);
    assert.equal(v.code, 0);
    assert.match(v.out, /^openelb-manager \d+\.\d+\.\d+/);
    const bad = await run([]);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /--node-name \/ NODE_NAME is required/);
  });
});
