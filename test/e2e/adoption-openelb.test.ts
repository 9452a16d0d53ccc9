// OpenELB 0.6 adoption (issue 4 item 7): the API double is seeded with objects exactly as OpenELB 0.6
// leaves them — v1alpha1 and v1alpha2 Eips with populated status.used (including a CIDR pool's
// network address, which OpenELB handed out first, and an implicitly shared address), Services with
// OpenELB's finalizer, its eip label and their status — and the allocator takes over with zero
// address changes. Then it keeps working: new Services get free addresses, a deleted adopted Service
// is released and its OpenELB finalizer removed. deploy/openelb.yaml is installed and the webhook
// serves behind its Service: the objects OpenELB left (v1alpha1 Eips included) pass admission.
import { after, before, describe, test } from 'node:test';
import { HttpMethod } from '@kubernetes/client-node';
import assert from 'node:assert/strict';
import { startHarness, until, sleep, type Harness } from '../kube/allocator-harness.ts';
import { Resources } from '../../src/kube/resources.ts';
import type { Service } from '../../src/kube/types.ts';
import type { Eip } from '../../src/api/v1alpha2.ts';

let h: Harness;

const FIN_LB = 'finalizer.lb.kubesphere.io/v1alpha1';
const FIN_IPAM = 'finalizer.ipam.kubesphere.io/v1alpha1';
const LABEL = 'eip.openelb.kubesphere.io/v1alpha2';

const USED_V1: Record<string, string> = {
  '172.16.0.0': 'ns1/a',
  '172.16.0.1': 'ns1/b;ns1/c',
  '172.16.0.5': 'ns1/d',
};
const USED_L2: Record<string, string> = { '172.17.0.10': 'ns2/e' };
// Service → address it shows (f's record was lost from the Eip: it must be re-recorded, not moved).
const SHOWN: Record<string, string> = {
  'ns1/a': '172.16.0.0',
  'ns1/b': '172.16.0.1',
  'ns1/c': '172.16.0.1',
  'ns1/d': '172.16.0.5',
  'ns2/e': '172.17.0.10',
  'ns2/f': '172.17.0.11',
};

async function seedEip(
  apiVersion: string,
  name: string,
  spec: Record<string, unknown>,
  status: Record<string, unknown>,
  annotations: Record<string, string> = {},
): Promise<void> {
  const path = `/apis/network.kubesphere.io/${apiVersion.split('/')[1]}/eips`;
  await h.client.request(HttpMethod.POST, path, {
    body: { apiVersion, kind: 'Eip', metadata: { name, annotations, finalizers: [FIN_IPAM] }, spec },
    contentType: 'application/json',
  });
  await h.client.request(HttpMethod.PATCH, `${path}/${name}/status`, {
    body: { status },
    contentType: 'application/merge-patch+json',
  });
}

async function seedService(key: string, eip: string, extraAnn: Record<string, string> = {}): Promise<void> {
  const [ns, name] = key.split('/') as [string, string];
  await h.client.create(Resources.Service, {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name,
      namespace: ns,
      finalizers: [FIN_LB],
      labels: { [LABEL]: eip },
      annotations: {
        'lb.kubesphere.io/v1alpha1': 'openelb',
        'protocol.openelb.kubesphere.io/v1alpha1': 'bgp',
        [LABEL]: eip,
        ...extraAnn,
      },
    },
    spec: { type: 'LoadBalancer', selector: { app: name }, ports: [{ port: 80, protocol: 'TCP' }] },
  });
  await h.client.patch(
    Resources.Service,
    name,
    ns,
    { status: { loadBalancer: { ingress: [{ ip: SHOWN[key] }] } } },
    'merge',
    { subresource: 'status' },
  );
}

async function shown(key: string): Promise<string[]> {
  const [ns, name] = key.split('/') as [string, string];
  const s = await h.client.get<Service>(Resources.Service, name, ns);
  return (s.status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? '');
}

before(async () => {
  h = await startHarness({ openelbWebhook: true });
  for (const ns of ['ns1', 'ns2'])
    await h.dbl.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  await seedEip(
    'network.kubesphere.io/v1alpha1',
    'legacy-v1',
    { address: '172.16.0.0/24', protocol: 'bgp' },
    {
      used: USED_V1,
      usage: 3,
      poolSize: 256,
      firstIP: '172.16.0.0',
      lastIP: '172.16.0.255',
      v4: true,
      occupied: false,
    },
  );
  await seedEip(
    'network.kubesphere.io/v1alpha2',
    'legacy-l2',
    { address: '172.17.0.10-172.17.0.20', protocol: 'layer2', interface: 'eth0' },
    {
      used: USED_L2,
      usage: 1,
      poolSize: 11,
      firstIP: '172.17.0.10',
      lastIP: '172.17.0.20',
      v4: true,
      occupied: false,
    },
    { 'eip.openelb.kubesphere.io/is-default-eip': 'true' },
  );
  await seedService('ns1/a', 'legacy-v1');
  await seedService('ns1/b', 'legacy-v1', { 'eip.openelb.kubesphere.io/v1alpha1': '172.16.0.1' });
  await seedService('ns1/c', 'legacy-v1', { 'eip.openelb.kubesphere.io/v1alpha1': '172.16.0.1' });
  await seedService('ns1/d', 'legacy-v1');
  await seedService('ns2/e', 'legacy-l2');
  await seedService('ns2/f', 'legacy-l2');
  await h.startInstance('takeover');
});
after(async () => {
  await h?.close();
});

describe('OpenELB 0.6 adoption', () => {
  test('takeover changes no address; records gain UIDs; the lost record is re-recorded from the Service status', async () => {
    const v1 = await until(async () => {
      const e = await h.client.get<Eip>(Resources.Eip, 'legacy-v1');
      return Object.keys(e.status?.serviceUIDs ?? {}).length === 4 ? e : undefined;
    }, 'legacy-v1 serviceUIDs');
    assert.deepEqual(v1.status?.used, USED_V1);
    const l2 = await until(async () => {
      const e = await h.client.get<Eip>(Resources.Eip, 'legacy-l2');
      return e.status?.used?.['172.17.0.11'] ? e : undefined;
    }, 'legacy-l2 re-records ns2/f');
    assert.deepEqual(l2.status?.used, { ...USED_L2, '172.17.0.11': 'ns2/f' });
    await sleep(500);
    for (const [key, ip] of Object.entries(SHOWN))
      assert.deepEqual(await shown(key), [ip], `${key} kept ${ip}`);
    assert.equal(v1.status?.usage, 3);
    assert.ok(v1.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
  });

  test('new Services get free addresses; a CIDR pool never hands out its network address', async () => {
    await h.client.create(Resources.Service, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'g', namespace: 'ns2', annotations: { 'lb.kubesphere.io/v1alpha1': 'openelb' } },
      spec: { type: 'LoadBalancer', ports: [{ port: 80, protocol: 'TCP' }] },
    });
    await h.client.create(Resources.Service, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: 'h',
        namespace: 'ns1',
        annotations: { 'lb.kubesphere.io/v1alpha1': 'openelb', [LABEL]: 'legacy-v1' },
      },
      spec: { type: 'LoadBalancer', ports: [{ port: 80, protocol: 'TCP' }] },
    });
    assert.deepEqual(
      await until(async () => {
        const s = await shown('ns2/g');
        return s.length ? s : undefined;
      }, 'g'),
      ['172.17.0.12'],
    );
    assert.deepEqual(
      await until(async () => {
        const s = await shown('ns1/h');
        return s.length ? s : undefined;
      }, 'h'),
      ['172.16.0.2'],
    );
  });

  test("deleting an adopted Service releases its address and removes OpenELB's finalizer", async () => {
    await h.client.delete(Resources.Service, 'a', 'ns1');
    await until(
      async () => (await h.client.getOrUndefined(Resources.Service, 'a', 'ns1')) === undefined,
      'Service a gone',
    );
    const e = await until(async () => {
      const x = await h.client.get<Eip>(Resources.Eip, 'legacy-v1');
      return x.status?.used?.['172.16.0.0'] === undefined ? x : undefined;
    }, 'record of a released');
    assert.equal(e.status?.serviceUIDs?.['ns1/a'], undefined);
    for (const key of ['ns1/b', 'ns1/c', 'ns1/d', 'ns2/e', 'ns2/f'])
      assert.deepEqual(await shown(key), [SHOWN[key]]);
  });

  test('admission is on: a pool overlapping an adopted one, written as OpenELB would (v1alpha1), is refused', async () => {
    const overlap =
      'apiVersion: network.kubesphere.io/v1alpha1\nkind: Eip\nmetadata: {name: overlap}\nspec: {address: 172.16.0.128/25}\n';
    await assert.rejects(h.apply(overlap), /spec\.address: .*legacy-v1/);
    assert.equal(await h.client.getOrUndefined(Resources.Eip, 'overlap'), undefined);
  });
});
