// The seed's IPAM walkthrough with a real `node src/main.ts` process (allocator only) and kubectl:
// apply examples/eip.yaml → `eip-pool 192.168.0.100-192.168.0.108 0 9`; apply examples/nginx-svc.yaml
// → EXTERNAL-IP 192.168.0.100, usage 1; delete → usage 0.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startKubeDouble, type KubeDouble } from '../kube/double.ts';

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
  dbl = await startKubeDouble();
  await dbl.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'openelb-system' } });
  const kc = dbl.kubeconfigPath;
  const kubectl = async (...args: string[]): Promise<string> => (await run('/usr/bin/kubectl', ['--kubeconfig', kc, ...args])).stdout;
  child = spawn(process.execPath, [join(ROOT, 'src/main.ts'), '--kubeconfig', kc, '--node-name', 'node-1', '--health-addr', '127.0.0.1:0',
    '--enable-bgp', 'false', '--enable-layer2', 'false', '--enable-webhook', 'false'], { stdio: ['ignore', 'ignore', 'ignore'], env: { ...process.env, KUBECONFIG: '' } });

  await kubectl('apply', '-f', join(ROOT, 'examples/eip.yaml'));
  const row = (out: string, name: string): string => (out.split('\n').find((l) => l.startsWith(`${name} `)) ?? '').trim().split(/\s+/).join(' ');
  await until(async () => (row(await kubectl('get', 'eip'), 'eip-pool') === 'eip-pool 192.168.0.100-192.168.0.108 0 9' ? true : undefined), 'eip-pool 0 9');

  await kubectl('apply', '-f', join(ROOT, 'examples/nginx-svc.yaml'));
  const ext = await until(async () => {
    const cols = row(await kubectl('get', 'svc', 'nginx'), 'nginx').split(' ');
    return cols[3] === '192.168.0.100' ? cols[3] : undefined;
  }, 'nginx EXTERNAL-IP');
  assert.equal(ext, '192.168.0.100');
  await until(async () => (row(await kubectl('get', 'eip'), 'eip-pool') === 'eip-pool 192.168.0.100-192.168.0.108 1 9' ? true : undefined), 'usage 1');

  await kubectl('delete', '-f', join(ROOT, 'examples/nginx-svc.yaml'));
  await until(async () => (row(await kubectl('get', 'eip'), 'eip-pool') === 'eip-pool 192.168.0.100-192.168.0.108 0 9' ? true : undefined), 'usage 0');
});
