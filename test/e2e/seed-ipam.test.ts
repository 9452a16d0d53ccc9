// The seed's IPAM walkthrough with a real `node src/main.ts` process (allocator and webhook) and
// kubectl, deploy/openelb.yaml installed (admission on): apply examples/eip.yaml →
// `eip-pool 192.168.0.100-192.168.0.108 0 9`; a malformed pool is refused; apply
// examples/nginx-svc.yaml → EXTERNAL-IP 192.168.0.100, usage 1; delete → usage 0.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { KubeDouble } from '../kube/double.ts';
import { run as runWithInput } from '../lab/exec.ts';
import {
  endpointsSettled,
  listManager,
  loopbackAddrs,
  startDoubleWithOpenelb,
  waitWebhookServing,
  webhookEndpoints,
} from './local-webhooks.ts';

const ROOT = join(import.meta.dirname, '../..');
const run = promisify(execFile);
let dbl: KubeDouble | undefined;
let child: ChildProcess | undefined;
after(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  await dbl?.close();
});

async function until<T>(fn: () => Promise<T | undefined>, what: string, ms = 30_000): Promise<T> {
  const end = performance.now() + ms;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (performance.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('seed IPAM walkthrough with kubectl and a manager process', { timeout: 90_000 }, async () => {
  dbl = await startDoubleWithOpenelb();
  const kc = dbl.kubeconfigPath;
  const kubectl = async (...args: string[]): Promise<string> =>
    (await run('/usr/bin/kubectl', ['--kubeconfig', kc, ...args])).stdout;
  const addrs = await loopbackAddrs();
  child = spawn(
    process.execPath,
    [
      join(ROOT, 'src/main.ts'),
      '--kubeconfig',
      kc,
      '--node-name',
      'node-1',
      ...addrs.args,
      '--enable-bgp',
      'false',
      '--enable-layer2',
      'false',
    ],
    { stdio: ['ignore', 'ignore', 'ignore'], env: { ...process.env, KUBECONFIG: '' } },
  );
  const eps = webhookEndpoints(dbl);
  listManager(eps, 'node-1', child, addrs.webhook);
  await waitWebhookServing(addrs.health);
  await endpointsSettled(eps);

  await kubectl('apply', '-f', join(ROOT, 'examples/eip.yaml'));
  const bad = {
    apiVersion: 'network.kubesphere.io/v1alpha2',
    kind: 'Eip',
    metadata: { name: 'eip-bad' },
    spec: { address: '192.168.1.0/33' },
  };
  const refused = await runWithInput(['/usr/bin/kubectl', '--kubeconfig', kc, 'apply', '-f', '-'], {
    input: JSON.stringify(bad),
  });
  assert.notEqual(refused.code, 0, 'a /33 pool must be refused');
  assert.match(refused.stderr, /spec\.address: .*\/33/);
  const row = (out: string, name: string): string =>
    (out.split('\n').find((l) => l.startsWith(`${name} `)) ?? '').trim().split(/\s+/).join(' ');
  await until(
    async () =>
      row(await kubectl('get', 'eip'), 'eip-pool') === 'eip-pool 192.168.0.100-192.168.0.108 0 9'
        ? true
        : undefined,
    'eip-pool 0 9',
  );

  await kubectl('apply', '-f', join(ROOT, 'examples/nginx-svc.yaml'));
  const ext = await until(async () => {
    const cols = row(await kubectl('get', 'svc', 'nginx'), 'nginx').split(' ');
    return cols[3] === '192.168.0.100' ? cols[3] : undefined;
  }, 'nginx EXTERNAL-IP');
  assert.equal(ext, '192.168.0.100');
  await until(
    async () =>
      row(await kubectl('get', 'eip'), 'eip-pool') === 'eip-pool 192.168.0.100-192.168.0.108 1 9'
        ? true
        : undefined,
    'usage 1',
  );

  await kubectl('delete', '-f', join(ROOT, 'examples/nginx-svc.yaml'));
  await until(
    async () =>
      row(await kubectl('get', 'eip'), 'eip-pool') === 'eip-pool 192.168.0.100-192.168.0.108 0 9'
        ? true
        : undefined,
    'usage 0',
  );
});
