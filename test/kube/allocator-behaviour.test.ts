// Allocator behaviour against the API double (in-process allocator): stickiness, disable, sharing,
// dual-stack, exhaustion and requested-IP-taken Events, class filtering, release on type change.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  informerEvents,
  settled,
  startHarness,
  until,
  type Harness,
  type Instance,
} from './allocator-harness.ts';
import { Resources } from '../../src/kube/resources.ts';
import type { CoreEvent, Service } from '../../src/kube/types.ts';
import type { Eip } from '../../src/api/v1alpha2.ts';

let h: Harness;
let inst: Instance;
before(async () => {
  h = await startHarness();
  inst = await h.startInstance('node-a');
  for (const ns of ['team-a', 'team-b', 'dual'])
    await h.dbl.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { team: ns } } });
});
after(async () => {
  await h?.close();
});

type Obj = Record<string, unknown>;

async function eip(name: string, spec: Obj, annotations: Record<string, string> = {}): Promise<void> {
  await h.client.create(Resources.Eip, {
    apiVersion: 'network.kubesphere.io/v1alpha2',
    kind: 'Eip',
    metadata: { name, annotations },
    spec,
  });
}

async function svc(
  ns: string,
  name: string,
  annotations: Record<string, string> = {},
  spec: Obj = {},
): Promise<void> {
  await h.client.create(Resources.Service, {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name,
      namespace: ns,
      annotations: { 'lb.kubesphere.io/v1alpha1': 'openelb', ...annotations },
    },
    spec: { type: 'LoadBalancer', ports: [{ port: 80, protocol: 'TCP' }], selector: { app: name }, ...spec },
  });
}

async function ips(ns: string, name: string): Promise<string[]> {
  const s = await h.client.get<Service>(Resources.Service, name, ns);
  return (s.status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? '');
}

async function waitIps(ns: string, name: string, n = 1): Promise<string[]> {
  return until(async () => {
    const got = await ips(ns, name);
    return got.length === n ? got : undefined;
  }, `${ns}/${name} to get ${n} address(es)`);
}

async function waitEvent(ns: string, name: string, reason: string): Promise<CoreEvent> {
  return until(async () => {
    const evs = await h.client.list<CoreEvent>(Resources.Event, { namespace: ns });
    return evs.items.find((e) => e.involvedObject.name === name && e.reason === reason);
  }, `${reason} event on ${ns}/${name}`);
}

async function eipStatus(name: string): Promise<Eip['status']> {
  return (await h.client.get<Eip>(Resources.Eip, name)).status;
}

async function patchSvc(ns: string, name: string, patch: Obj): Promise<void> {
  await h.client.patch(Resources.Service, name, ns, patch, 'merge');
}

describe('allocator behaviour', () => {
  test('auto selection uses the default pool; the address is sticky across default-pool moves, new pools and label edits', async () => {
    await eip(
      'pool-a',
      { address: '10.1.0.10-10.1.0.19' },
      { 'eip.openelb.kubesphere.io/is-default-eip': 'true' },
    );
    await svc('team-a', 'web');
    const [ip] = await waitIps('team-a', 'web');
    assert.equal(ip, '10.1.0.10');
    // A better pool appears, bound to the namespace by label; the default annotation moves away.
    await eip('pool-b', { address: '10.2.0.0/24', namespaceSelector: { team: 'team-a' }, priority: -5 });
    await h.client.patch(
      Resources.Eip,
      'pool-a',
      undefined,
      { metadata: { annotations: { 'eip.openelb.kubesphere.io/is-default-eip': null } } },
      'merge',
    );
    await patchSvc('team-a', 'web', { metadata: { labels: { touched: 'yes' } } });
    await svc('team-a', 'api');
    const [apiIp] = await waitIps('team-a', 'api');
    assert.equal(
      apiIp,
      '10.2.0.1',
      'new Services use the namespace-bound pool (the .0 network address is skipped)',
    );
    assert.deepEqual(await ips('team-a', 'web'), ['10.1.0.10'], 'the existing Service kept its address');
    const nsUpdates = await informerEvents('allocator-namespaces', 'update');
    await h.client.patch(
      Resources.Namespace,
      'team-a',
      undefined,
      { metadata: { labels: { team: 'other' } } },
      'merge',
    );
    await until(
      async () => (await informerEvents('allocator-namespaces', 'update')) > nsUpdates,
      "the label edit in the allocator's Namespace cache",
    );
    // Only now the Service changes, so the allocator decides on it knowing the new labels.
    const touched = await h.client.patch<Service>(
      Resources.Service,
      'api',
      'team-a',
      { metadata: { labels: { touched: 'yes' } } },
      'merge',
    );
    await settled(
      inst,
      () =>
        inst.caches.services.get('api', 'team-a')?.metadata.resourceVersion ===
        touched.metadata.resourceVersion,
      "the Service edit in the allocator's cache",
    );
    assert.deepEqual(await ips('team-a', 'api'), ['10.2.0.1'], 'a namespace label edit moves nothing');
  });

  test('disable: existing allocations stay, new ones are refused with a reason', async () => {
    await h.client.patch(Resources.Eip, 'pool-a', undefined, { spec: { disable: true } }, 'merge');
    await until(
      async () =>
        (await eipStatus('pool-a'))?.conditions?.find((c) => c.type === 'Ready' && c.reason === 'Disabled'),
      'Ready=False Disabled',
    );
    await svc('team-b', 'late', { 'eip.openelb.kubesphere.io/v1alpha2': 'pool-a' });
    const ev = await waitEvent('team-b', 'late', 'PoolUnusable');
    assert.match(ev.message ?? '', /disable/);
    assert.deepEqual(await ips('team-a', 'web'), ['10.1.0.10']);
    assert.equal((await eipStatus('pool-a'))?.used?.['10.1.0.10'], 'team-a/web');
    await h.client.patch(Resources.Eip, 'pool-a', undefined, { spec: { disable: false } }, 'merge');
    const [ip] = await waitIps('team-b', 'late');
    assert.equal(ip, '10.1.0.11', 'the waiting Service is served once the pool is enabled again');
  });

  test('sharing: same sharing key and disjoint ports share one address; a colliding port is refused', async () => {
    await eip('pool-share', { address: '10.3.0.1-10.3.0.4', autoAssign: false });
    const share = {
      'openelb.kubesphere.io/sharing-key': 'k1',
      'eip.openelb.kubesphere.io/v1alpha1': '10.3.0.2',
    };
    await svc('team-b', 'dns-tcp', share, { ports: [{ port: 53, protocol: 'TCP' }] });
    await svc('team-b', 'dns-udp', share, { ports: [{ port: 53, protocol: 'UDP' }] });
    assert.deepEqual(await waitIps('team-b', 'dns-tcp'), ['10.3.0.2']);
    assert.deepEqual(await waitIps('team-b', 'dns-udp'), ['10.3.0.2']);
    await until(
      async () =>
        (await eipStatus('pool-share'))?.used?.['10.3.0.2']?.split(';').sort().join(';') ===
        'team-b/dns-tcp;team-b/dns-udp',
      'shared record',
    );
    await svc('team-b', 'dns-clash', share, { ports: [{ port: 53, protocol: 'UDP' }] });
    const ev = await waitEvent('team-b', 'dns-clash', 'RequestedIPUnavailable');
    assert.match(ev.message ?? '', /UDP\/53/);
    assert.deepEqual(await ips('team-b', 'dns-clash'), []);
  });

  test('requested IP taken (no sharing key) → Event naming the holder', async () => {
    await svc('team-b', 'thief', { 'eip.openelb.kubesphere.io/v1alpha1': '10.1.0.10' });
    const ev = await waitEvent('team-b', 'thief', 'RequestedIPUnavailable');
    assert.match(ev.message ?? '', /team-a\/web/);
  });

  test('dual-stack: one address per family, in ipFamilies order', async () => {
    await eip('v4-dual', { address: '10.4.0.1-10.4.0.9', namespaces: ['dual'] });
    await eip('v6-dual', { address: '2001:db8:4::/120', namespaces: ['dual'] });
    await svc('dual', 'both', {}, { ipFamilyPolicy: 'RequireDualStack', ipFamilies: ['IPv6', 'IPv4'] });
    const got = await waitIps('dual', 'both', 2);
    assert.deepEqual(got, ['2001:db8:4::1', '10.4.0.1']);
  });

  test('exhaustion: Event with the reason; served as soon as an address frees up', async () => {
    await eip('tiny', { address: '10.5.0.1-10.5.0.2', autoAssign: false });
    const pick = { 'eip.openelb.kubesphere.io/v1alpha2': 'tiny' };
    await svc('team-b', 't1', pick);
    await svc('team-b', 't2', pick);
    await waitIps('team-b', 't1');
    await waitIps('team-b', 't2');
    await svc('team-b', 't3', pick);
    const ev = await waitEvent('team-b', 't3', 'PoolExhausted');
    assert.match(ev.message ?? '', /no free address/);
    await until(
      async () =>
        (await eipStatus('tiny'))?.conditions?.find((c) => c.type === 'Exhausted' && c.status === 'True'),
      'Exhausted=True',
    );
    const freed = (await ips('team-b', 't1'))[0];
    await h.client.delete(Resources.Service, 't1', 'team-b');
    assert.deepEqual(await waitIps('team-b', 't3'), [freed]);
  });

  test('class filtering: our loadBalancerClass is served without annotations; other classes and class-less Services are never touched', async () => {
    const bare = (name: string, spec: Obj): Obj => ({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace: 'team-b' },
      spec: { type: 'LoadBalancer', ports: [{ port: 443, protocol: 'TCP' }], ...spec },
    });
    await h.client.create(
      Resources.Service,
      bare('ours', { loadBalancerClass: 'openelb.kubesphere.io/openelb' }),
    );
    await h.client.create(
      Resources.Service,
      bare('theirs', { loadBalancerClass: 'example.com/other', loadBalancerIP: '10.1.0.15' }),
    );
    await h.client.create(Resources.Service, {
      ...bare('theirs-annotated', { loadBalancerClass: 'example.com/other' }),
      metadata: {
        name: 'theirs-annotated',
        namespace: 'team-b',
        annotations: { 'lb.kubesphere.io/v1alpha1': 'openelb' },
      },
    });
    await h.client.create(Resources.Service, bare('classless', {}));
    const [ip] = await waitIps('team-b', 'ours');
    // No default pool any more and team-b is bound to nothing: the first pool open to every namespace,
    // by priority then name (pool-b, priority -5, selects team=team-a namespaces only: never team-b).
    assert.equal(ip, '10.1.0.12');
    await settled(
      inst,
      () => ['theirs', 'theirs-annotated', 'classless'].every((n) => inst.caches.services.get(n, 'team-b')),
      "the other Services in the allocator's cache",
    );
    for (const n of ['theirs', 'theirs-annotated', 'classless']) {
      const s = await h.client.get<Service>(Resources.Service, n, 'team-b');
      assert.deepEqual(s.status?.loadBalancer?.ingress ?? [], [], `${n} untouched`);
      const evs = await h.client.list<CoreEvent>(Resources.Event, { namespace: 'team-b' });
      assert.equal(evs.items.filter((e) => e.involvedObject.name === n).length, 0, `no Events on ${n}`);
    }
  });

  test('an Eip edit that leaves its ledger inputs alone (protocol, BGP attributes) does not decide its holders again', async () => {
    await eip('pool-edit', { address: '10.6.0.1-10.6.0.9', autoAssign: false });
    const pick = { 'eip.openelb.kubesphere.io/v1alpha2': 'pool-edit' };
    await svc('team-b', 'e1', pick);
    await svc('team-b', 'e2', pick);
    await waitIps('team-b', 'e1');
    await waitIps('team-b', 'e2');
    const engine = inst.allocator.engine;
    await until(() => engine.queue.size === 0, 'allocator idle');
    const ledger = engine.state?.pools.get('pool-edit')?.ledger;
    assert.ok(ledger);
    const rv = (await h.client.get<Eip>(Resources.Eip, 'pool-edit')).metadata.resourceVersion;
    await h.client.patch(Resources.Eip, 'pool-edit', undefined, { spec: { protocol: 'vip' } }, 'merge');
    await until(
      () => engine.state?.pools.get('pool-edit')?.eip.metadata.resourceVersion !== rv,
      'the edit seen by the allocator',
    );
    assert.equal(engine.state?.pools.get('pool-edit')?.ledger, ledger, 'ledger kept');
    await h.client.patch(
      Resources.Eip,
      'pool-edit',
      undefined,
      { spec: { address: '10.6.0.1-10.6.0.19' } },
      'merge',
    );
    await until(
      () => engine.state?.pools.get('pool-edit')?.ledger !== ledger,
      'an address edit rebuilds the ledger',
    );
    assert.deepEqual(await ips('team-b', 'e1'), ['10.6.0.1']);
    assert.deepEqual(await ips('team-b', 'e2'), ['10.6.0.2']);
  });

  test('type change away from LoadBalancer releases the address and clears the status', async () => {
    const [ip] = await ips('team-a', 'api');
    assert.ok(ip);
    await patchSvc('team-a', 'api', {
      spec: { type: 'ClusterIP', allocateLoadBalancerNodePorts: null, externalTrafficPolicy: null },
    });
    await until(async () => (await eipStatus('pool-b'))?.used?.[ip] === undefined, 'record released');
    await until(async () => (await ips('team-a', 'api')).length === 0, 'status cleared');
    await waitEvent('team-a', 'api', 'ReleaseIP');
  });

  test('an Eip holding allocations is not deleted until its Services let go', async () => {
    await h.kubectl('delete', 'eip', 'tiny', '--wait=false');
    await until(
      async () =>
        (await eipStatus('tiny'))?.conditions?.find((c) => c.type === 'Ready' && c.reason === 'Deleting'),
      'Deleting condition',
    );
    assert.equal((await ips('team-b', 't2')).length, 1, 'still served');
    await h.client.delete(Resources.Service, 't2', 'team-b');
    await h.client.delete(Resources.Service, 't3', 'team-b');
    await until(
      async () => (await h.client.getOrUndefined(Resources.Eip, 'tiny')) === undefined,
      'Eip gone after its Services',
    );
  });
});
