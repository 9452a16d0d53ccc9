// The seed flow through kubectl against the API double, with the allocator running in-process:
// apply the Eip → `kubectl get eip` shows `eip-pool 192.168.0.100-192.168.0.108 0 9`; apply the
// Service → EXTERNAL-IP 192.168.0.100 and usage 1; delete → usage 0. Plus the Eip's status fields,
// conditions and finalizer.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startHarness, until, type Harness } from './allocator-harness.ts';
import { Resources } from '../../src/kube/resources.ts';
import type { Eip } from '../../src/api/v1alpha2.ts';

const ROOT = join(import.meta.dirname, '../..');
const EIP_YAML = readFileSync(join(ROOT, 'examples/eip.yaml'), 'utf8');
const SVC_YAML = readFileSync(join(ROOT, 'examples/nginx-svc.yaml'), 'utf8');

let h: Harness;
before(async () => {
  h = await startHarness();
  await h.startInstance('node-a');
});
after(async () => {
  await h?.close();
});

function columns(out: string, name: string): string[] {
  const line = out.split('\n').find((l) => l.startsWith(`${name} `));
  assert.ok(line, `no row for ${name} in:\n${out}`);
  return line.trim().split(/\s+/);
}

describe('seed flow (kubectl, API double, allocator in-process)', () => {
  test('Eip applied → kubectl get eip shows the pool with usage 0 of 9', async () => {
    await h.apply(EIP_YAML);
    const row = await until(async () => {
      const out = await h.kubectl('get', 'eip');
      const c = columns(out, 'eip-pool');
      return c[2] === '0' && c[3] === '9' ? c : undefined;
    }, 'eip-pool status');
    assert.deepEqual(row, ['eip-pool', '192.168.0.100-192.168.0.108', '0', '9']);
    const header = (await h.kubectl('get', 'eip')).split('\n')[0]?.trim().split(/\s+/);
    assert.deepEqual(header, ['NAME', 'CIDR', 'USAGE', 'TOTAL']);
    const eip = await h.client.get<Eip>(Resources.Eip, 'eip-pool');
    assert.equal(eip.status?.firstIP, '192.168.0.100');
    assert.equal(eip.status?.lastIP, '192.168.0.108');
    assert.equal(eip.status?.v4, true);
    assert.equal(eip.status?.ready, true);
    assert.deepEqual(eip.status?.used, {});
    assert.ok(eip.metadata.finalizers?.includes('finalizer.ipam.kubesphere.io/v1alpha1'));
    const types = Object.fromEntries((eip.status?.conditions ?? []).map((c) => [c.type, c.status]));
    assert.deepEqual(types, { Valid: 'True', Ready: 'True', Exhausted: 'False' });
  });

  test('Service applied → EXTERNAL-IP 192.168.0.100, Eip usage 1', async () => {
    await h.apply(SVC_YAML);
    const ext = await until(async () => {
      const c = columns(await h.kubectl('get', 'svc', 'nginx'), 'nginx');
      return c[3] === '192.168.0.100' ? c[3] : undefined;
    }, 'nginx EXTERNAL-IP');
    assert.equal(ext, '192.168.0.100');
    const eipRow = await until(async () => {
      const c = columns(await h.kubectl('get', 'eip'), 'eip-pool');
      return c[2] === '1' ? c : undefined;
    }, 'usage 1');
    assert.deepEqual(eipRow, ['eip-pool', '192.168.0.100-192.168.0.108', '1', '9']);
    const eip = await h.client.get<Eip>(Resources.Eip, 'eip-pool');
    assert.deepEqual(eip.status?.used, { '192.168.0.100': 'default/nginx' });
    assert.ok(eip.status?.serviceUIDs?.['default/nginx']);
    const events = await h.kubectl(
      'get',
      'events',
      '--field-selector',
      'involvedObject.name=nginx',
      '-o',
      'jsonpath={.items[*].reason}',
    );
    assert.match(events, /AssignIP/);
  });

  test('Service deleted → usage 0, the address is free again', async () => {
    await h.kubectl('delete', 'svc', 'nginx');
    await until(async () => columns(await h.kubectl('get', 'eip'), 'eip-pool')[2] === '0', 'usage 0');
    const eip = await h.client.get<Eip>(Resources.Eip, 'eip-pool');
    assert.deepEqual(eip.status?.used, {});
    assert.deepEqual(eip.status?.serviceUIDs ?? {}, {});
  });

  test('Eip without allocations is deleted (its finalizer comes off)', async () => {
    await h.kubectl('delete', 'eip', 'eip-pool', '--wait=false');
    await until(
      async () => (await h.client.getOrUndefined(Resources.Eip, 'eip-pool')) === undefined,
      'eip gone',
    );
  });
});
