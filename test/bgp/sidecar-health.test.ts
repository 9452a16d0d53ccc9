// A pod that tells the truth: the manager process against the API double and a real gobgpd, run
// with the privileges a broken pod spec would give it (setpriv drops capabilities from root):
//  - without the socket's group (no DAC override, socket srw-rw---- 65532:65532): /readyz fails,
//    naming the socket path, its owner and mode, and EACCES;
//  - without NET_RAW: /readyz fails, naming AF_PACKET, EPERM and NET_RAW (Layer 2 would be dead);
//  - with both: ready; then gobgpd killed: not ready, naming the socket and ECONNREFUSED.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startKubeDouble, type KubeDouble } from '../kube/double.ts';
import { startGobgpd, type GobgpdProcess } from './helpers/gobgpd.ts';
import { freePort } from '../lab/free-port.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const children = new Set<ChildProcess>();

async function readyz(port: number): Promise<{ status: number; body: string }> {
  try {
    const r = await fetch(`http://127.0.0.1:${port}/readyz?verbose`);
    return { status: r.status, body: await r.text() };
  } catch {
    return { status: 0, body: '' };
  }
}

async function waitReadyz(
  port: number,
  want: (r: { status: number; body: string }) => boolean,
  what: string,
  ms = 20_000,
): Promise<string> {
  const end = performance.now() + ms;
  let last = { status: 0, body: '' };
  while (performance.now() < end) {
    last = await readyz(port);
    if (want(last)) return last.body;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`${what}: last /readyz ${last.status} ${last.body}`);
}

describe('manager readiness names what breaks the pod', () => {
  let dbl: KubeDouble;
  let gobgpd: GobgpdProcess;

  /** The manager, with these capabilities removed from its bounding set (as root, that removes them). */
  const manager = async (dropCaps: string[]): Promise<{ port: number; child: ChildProcess }> => {
    const port = await freePort();
    const argv = [
      process.execPath,
      join(ROOT, 'src/main.ts'),
      '--kubeconfig',
      dbl.kubeconfigPath,
      '--node-name',
      'node-1',
      '--health-addr',
      `127.0.0.1:${port}`,
      '--enable-webhook',
      'false',
      '--gobgp-socket',
      gobgpd.socket,
      '--heartbeat-file',
      join(gobgpd.dir, 'heartbeat'),
      '--log-level',
      'warn',
    ];
    const cmd = dropCaps.length
      ? ['setpriv', `--bounding-set=${dropCaps.map((c) => `-${c}`).join(',')}`, '--', ...argv]
      : argv;
    const child = spawn(cmd[0] ?? '', cmd.slice(1), {
      stdio: ['ignore', 'ignore', 'ignore'],
      env: { ...process.env, KUBECONFIG: '' },
    });
    children.add(child);
    return { port, child };
  };
  const stop = async (c: ChildProcess): Promise<void> => {
    if (c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await exited;
  };

  before(async () => {
    dbl = await startKubeDouble({ crdDirs: [join(ROOT, 'deploy/crds')] });
    await dbl.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'openelb-system' } });
    gobgpd = await startGobgpd('sidecar-health');
    // the sidecar's socket as the pod spec makes it: its own user and group, no access for others
    chownSync(gobgpd.socket, 65532, 65532);
    chmodSync(gobgpd.socket, 0o660);
  });
  after(async () => {
    for (const c of children) await stop(c);
    await gobgpd?.stop();
    await dbl?.close();
  });

  test("without the socket's group: not ready, the reason names the socket, its mode and owner, and EACCES", async () => {
    const m = await manager(['dac_override', 'dac_read_search']);
    const body = await waitReadyz(
      m.port,
      (r) => r.status === 503 && r.body.includes('[-]gobgpd') && r.body.includes('EACCES'),
      'gobgpd EACCES',
    );
    const line = body.split('\n').find((l) => l.startsWith('[-]gobgpd')) ?? '';
    assert.ok(line.includes(gobgpd.socket), line);
    assert.ok(line.includes('srw-rw---- 65532:65532'), line);
    assert.match(line, /supplementalGroups/);
    await stop(m.child);
  });

  test('without NET_RAW: not ready, the reason names AF_PACKET, EPERM and NET_RAW', async () => {
    const m = await manager(['net_raw']);
    const body = await waitReadyz(
      m.port,
      (r) => r.status === 503 && r.body.includes('[-]layer2-socket'),
      'layer2-socket failing',
    );
    const line = body.split('\n').find((l) => l.startsWith('[-]layer2-socket')) ?? '';
    assert.match(line, /AF_PACKET/);
    assert.match(line, /EPERM/);
    assert.match(line, /NET_RAW/);
    await stop(m.child);
  });

  test('with both: ready; gobgpd gone: not ready, naming the socket and why', async () => {
    const m = await manager([]);
    await waitReadyz(m.port, (r) => r.status === 200, 'ready');
    await gobgpd.kill();
    const body = await waitReadyz(
      m.port,
      (r) => r.status === 503 && r.body.includes('[-]gobgpd'),
      'not ready after gobgpd died',
    );
    const line = body.split('\n').find((l) => l.startsWith('[-]gobgpd')) ?? '';
    assert.ok(line.includes(gobgpd.socket), line);
    assert.match(line, /ECONNREFUSED|ENOENT/);
    await stop(m.child);
  });
});
