// Replicas that died without draining, against the API double with the real allocator Component: once
// a node has had no serving manager endpoint (the webhook Service's EndpointSlice) for
// --replica-gone-after, the Lease holder removes its BgpConf/BgpPeer status entries (never its own),
// and the eTP=Local condition names the endpoints on that node. A replica that is alive but not
// serving writes its entry back and keeps it (removed once per absence); serving again, it counts.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { BgpConf, BgpPeer } from '../../src/api/v1alpha2.ts';
import { Resources } from '../../src/kube/resources.ts';
import type { Service } from '../../src/kube/types.ts';
import { createLocalService, seedBgpWorld } from './fixtures/bgp-world.ts';
import { startHarness, until, type Harness } from './allocator-harness.ts';

const CONDITION = 'EndpointsWithoutBgpSpeaker';
const NODES = ['node-a', 'node-b', 'node-gone'];
let h: Harness;

async function webhookEndpoints(serving: Record<string, boolean>): Promise<void> {
  await h.apply(
    JSON.stringify({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: {
        name: 'openelb-webhook-1',
        namespace: 'openelb-system',
        labels: { 'kubernetes.io/service-name': 'openelb-webhook' },
      },
      addressType: 'IPv4',
      endpoints: Object.entries(serving).map(([node, up], i) => ({
        addresses: [`10.0.9.${i + 1}`],
        conditions: { ready: up, serving: up },
        nodeName: node,
      })),
    }),
  );
}

async function entries(node: string, entry: object): Promise<void> {
  await h.client.patch<BgpConf>(
    Resources.BgpConf,
    'default',
    undefined,
    { status: { nodesConfStatus: { [node]: entry } } },
    'merge',
    { subresource: 'status' },
  );
  await h.client.patch<BgpPeer>(
    Resources.BgpPeer,
    'tor',
    undefined,
    { status: { nodesPeerStatus: { [node]: { lastError: '' } } } },
    'merge',
    { subresource: 'status' },
  );
}

async function statusNodes(): Promise<{ conf: string[]; peer: string[] }> {
  const conf = await h.client.get<BgpConf>(Resources.BgpConf, 'default');
  const peer = await h.client.get<BgpPeer>(Resources.BgpPeer, 'tor');
  return {
    conf: Object.keys(conf.status?.nodesConfStatus ?? {}).sort(),
    peer: Object.keys(peer.status?.nodesPeerStatus ?? {}).sort(),
  };
}

async function condition(): Promise<{ status: string; message?: string } | undefined> {
  const s = await h.client.get<Service>(Resources.Service, 'local', 'demo');
  return s.status?.conditions?.find((c) => c.type === CONDITION);
}

before(async () => {
  h = await startHarness();
  await seedBgpWorld(h);
  await h.client.create(Resources.BgpPeer, {
    apiVersion: 'network.kubesphere.io/v1alpha2',
    kind: 'BgpPeer',
    metadata: { name: 'tor' },
    spec: { conf: { neighborAddress: '192.0.2.1', peerAs: 65000 } },
  });
  for (const n of NODES) await entries(n, { as: 64600 });
  // node-a (the allocator below) is not among the serving endpoints: its own entry must stay anyway
  await webhookEndpoints({ 'node-b': true, 'node-gone': true });
  await h.dbl.create(
    JSON.stringify({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'local-1', namespace: 'demo', labels: { 'kubernetes.io/service-name': 'local' } },
      addressType: 'IPv4',
      endpoints: ['node-b', 'node-gone'].map((n, i) => ({
        addresses: [`10.244.${i}.10`],
        conditions: { ready: true },
        nodeName: n,
      })),
    }),
  );
  await h.startInstance('node-a', {}, ['--replica-gone-after', '2s']);
});
after(async () => {
  await h?.close();
});

describe('gone replicas (allocator Lease holder)', () => {
  test('while every entry node serves, all count as replicas: no condition', async () => {
    await createLocalService(h, 'local');
    const svc = await until(async () => {
      const s = await h.client.get<Service>(Resources.Service, 'local', 'demo');
      return s.status?.loadBalancer?.ingress?.length ? s : undefined;
    }, 'an IP for demo/local');
    assert.equal(
      svc.status?.conditions?.find((c) => c.type === CONDITION),
      undefined,
      'endpoints on node-b and node-gone, both running a replica',
    );
    assert.deepEqual(await statusNodes(), { conf: NODES, peer: NODES });
  });

  test('a node without a serving manager for the gone-after time: its entries go, its endpoints are named', async () => {
    await webhookEndpoints({ 'node-b': true, 'node-gone': false });
    const left = ['node-a', 'node-b'];
    await until(async () => {
      const s = await statusNodes();
      return s.conf.join() === left.join() && s.peer.join() === left.join();
    }, "node-gone's status entries removed");
    const c = await until(() => condition(), 'the condition on demo/local');
    assert.equal(c.status, 'True');
    assert.match(c.message ?? '', /node-gone/);
    assert.doesNotMatch(c.message ?? '', /node-b/);
    assert.deepEqual(await statusNodes(), { conf: left, peer: left }, 'own and serving entries stay');
  });

  test('a replica alive but not serving writes its entry back: removed once per absence, so it stays', async () => {
    await webhookEndpoints({ 'node-b': true, 'node-c': true, 'node-gone': false });
    await entries('node-c', { as: 64600 });
    await entries('node-gone', { as: 64600 });
    // node-c's manager goes too: once its entries are removed, the allocator has judged again since
    // node-gone wrote its entry back, and left that one alone
    await webhookEndpoints({ 'node-b': true, 'node-c': false, 'node-gone': false });
    await until(async () => {
      const s = await statusNodes();
      return !s.conf.includes('node-c') && !s.peer.includes('node-c');
    }, "node-c's status entries removed");
    assert.deepEqual(await statusNodes(), { conf: NODES, peer: NODES });
    const c = await condition();
    assert.match(c?.message ?? '', /node-gone/, 'not serving: still no replica for the condition');
  });

  test('the replica serves again: it counts again', async () => {
    await webhookEndpoints({ 'node-b': true, 'node-gone': true });
    await until(async () => (await condition()) === undefined, 'the condition removed');
    assert.deepEqual(await statusNodes(), { conf: NODES, peer: NODES });
  });
});
