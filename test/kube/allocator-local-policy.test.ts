// The eTP=Local Service condition, written by the allocator (the Lease holder) against the API
// double: endpoints on a node without a replica are named in the condition and a Warning Event, a
// departed replica's stale BgpConf status entry changes nothing, and the condition goes away when the
// endpoints move to a replica node or the Service stops being eTP=Local.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { BgpConf } from '../../src/api/v1alpha2.ts';
import { Resources } from '../../src/kube/resources.ts';
import type { CoreEvent, Service } from '../../src/kube/types.ts';
import { createLocalService, seedBgpWorld } from './fixtures/bgp-world.ts';
import { startHarness, until, type Harness } from './allocator-harness.ts';

const CONDITION = 'EndpointsWithoutBgpSpeaker';
let h: Harness;

before(async () => {
  h = await startHarness();
  await seedBgpWorld(h);
  // 'a-departed' ran a replica once and is gone; its entry stays and sorts before every live node
  await h.client.patch<BgpConf>(
    Resources.BgpConf,
    'default',
    undefined,
    { status: { nodesConfStatus: { 'a-departed': { as: 64600 }, 'node-b': { as: 64600 } } } },
    'merge',
    { subresource: 'status' },
  );
  await h.startInstance('node-a');
});
after(async () => {
  await h?.close();
});

async function endpointsOn(svc: string, nodes: string[]): Promise<void> {
  const slice = {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: `${svc}-1`, namespace: 'demo', labels: { 'kubernetes.io/service-name': svc } },
    addressType: 'IPv4',
    endpoints: nodes.map((n, i) => ({
      addresses: [`10.244.${i}.10`],
      conditions: { ready: true },
      nodeName: n,
    })),
  };
  await h.apply(JSON.stringify(slice));
}

async function condition(name: string): Promise<{ status: string; message?: string } | undefined> {
  const s = await h.client.get<Service>(Resources.Service, name, 'demo');
  return s.status?.conditions?.find((c) => c.type === CONDITION);
}

describe('eTP=Local condition (allocator)', () => {
  test('endpoints on a node without a replica: condition and Event, despite a stale entry that sorts first', async () => {
    await endpointsOn('local', ['node-c', 'node-b']);
    await createLocalService(h, 'local');
    const c = await until(() => condition('local'), 'the condition on demo/local');
    assert.equal(c.status, 'True');
    assert.match(c.message ?? '', /node-c/);
    assert.doesNotMatch(c.message ?? '', /node-b/, 'node-b runs a replica');
    await until(async () => {
      const evs = await h.client.list<CoreEvent>(Resources.Event, { namespace: 'demo' });
      return evs.items.find((e) => e.involvedObject.name === 'local' && e.reason === CONDITION);
    }, 'the Warning Event');
  });

  test('endpoints moved to replica nodes: the condition goes away', async () => {
    await endpointsOn('local', ['node-a', 'node-b']);
    await until(async () => (await condition('local')) === undefined, 'the condition removed');
  });

  test('a Service that stops being eTP=Local loses the condition', async () => {
    await endpointsOn('local', ['node-c']);
    await until(() => condition('local'), 'the condition back');
    await h.client.patch(
      Resources.Service,
      'local',
      'demo',
      { spec: { externalTrafficPolicy: 'Cluster' } },
      'merge',
    );
    await until(async () => (await condition('local')) === undefined, 'the condition removed');
  });
});
