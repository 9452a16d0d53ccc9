// Which nodes run a replica and which status entries departed ones left: the pure rules, and the
// liveness judgement driven by a manual clock over in-memory caches.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BgpConf, BgpPeer } from '../../../src/api/v1alpha2.ts';
import type { EndpointSlice } from '../../../src/kube/types.ts';
import { GoneReplicas } from '../../../src/controllers/replicas/gone.ts';
import { ReplicaLiveness, type LivenessDeps } from '../../../src/controllers/replicas/liveness.ts';
import {
  removalPatch,
  replicaNodes,
  staleEntries,
  statusNodes,
} from '../../../src/controllers/replicas/nodes.ts';
import { ManualClock } from '../fixtures/manual-clock.ts';

const conf = (nodes: string[]): BgpConf =>
  ({
    metadata: { name: 'default' },
    status: { nodesConfStatus: Object.fromEntries(nodes.map((n) => [n, {}])) },
  }) as unknown as BgpConf;
const peer = (name: string, nodes: string[]): BgpPeer =>
  ({
    metadata: { name },
    status: { nodesPeerStatus: Object.fromEntries(nodes.map((n) => [n, {}])) },
  }) as unknown as BgpPeer;
const webhookSlice = (nodes: string[]): EndpointSlice => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: {
    name: 'openelb-webhook-x',
    namespace: 'openelb-system',
    labels: { 'kubernetes.io/service-name': 'openelb-webhook' },
  },
  addressType: 'IPv4',
  endpoints: nodes.map((n, i) => ({
    addresses: [`10.0.0.${i + 1}`],
    nodeName: n,
    conditions: { serving: true },
  })),
});

describe('replica nodes and stale status entries', () => {
  it('replica nodes: BgpConf status entries minus the gone ones, plus this replica', () => {
    assert.deepEqual([...replicaNodes(conf(['b', 'a']), new Set(), 'c')].sort(), ['a', 'b', 'c']);
    assert.deepEqual([...replicaNodes(conf(['b', 'a']), new Set(['a']), 'c')].sort(), ['b', 'c']);
    assert.deepEqual([...replicaNodes(conf(['c']), new Set(['c']), 'c')], ['c'], 'never drops itself');
    assert.deepEqual([...replicaNodes(undefined, new Set())], []);
  });

  it('status nodes: every node with an entry in a BgpConf or a BgpPeer', () => {
    const s = statusNodes([conf(['a'])], [peer('tor', ['b', 'a']), peer('spine', ['c'])]);
    assert.deepEqual([...s].sort(), ['a', 'b', 'c']);
  });

  it("stale entries: the gone nodes' keys per object, never our own; the patch nulls only them", () => {
    const out = staleEntries(
      [conf(['a', 'b'])],
      [peer('tor', ['b', 'c', 'a']), peer('spine', ['c'])],
      new Set(['b', 'a', 'x']),
      'a',
    );
    assert.deepEqual(out, [
      { kind: 'BgpConf', name: 'default', field: 'nodesConfStatus', nodes: ['b'] },
      { kind: 'BgpPeer', name: 'tor', field: 'nodesPeerStatus', nodes: ['b'] },
    ]);
    assert.deepEqual(removalPatch({ ...out[1]!, nodes: ['b', 'd'] }), {
      status: { nodesPeerStatus: { b: null, d: null } },
    });
    assert.deepEqual(staleEntries([conf(['a'])], [], new Set(), 'z'), []);
  });

  it('GoneReplicas.nextInMs: the time left until the first absent node turns gone', () => {
    const g = new GoneReplicas('n1', 1000);
    assert.equal(g.nextInMs(0), undefined);
    g.observe(0, ['n2'], new Set(['n1']));
    g.observe(300, ['n2', 'n3'], new Set(['n1']));
    assert.equal(g.nextInMs(400), 600);
    g.observe(1000, ['n2', 'n3'], new Set(['n1']));
    assert.equal(g.nextInMs(1000), 300, 'n2 is gone; n3 waits');
  });
});

/** In-memory stand-ins of the three informers the liveness reads (list + onEvent). */
function caches(state: { confs: BgpConf[]; peers: BgpPeer[]; slices: EndpointSlice[] }) {
  const handlers: ((ev: { type: 'add'; obj: EndpointSlice }) => void)[] = [];
  const informer = <T>(list: () => T[]) => ({
    list,
    onEvent: (h: (ev: { type: 'add'; obj: EndpointSlice }) => void) => {
      handlers.push(h);
      return () => undefined;
    },
  });
  return {
    // an event as the webhook Service's slice informer would deliver it (the others ignore it)
    fire: () => handlers.forEach((h) => h({ type: 'add', obj: webhookSlice([]) })),
    caches: {
      bgpConfs: informer(() => state.confs),
      bgpPeers: informer(() => state.peers),
      endpointSlices: informer(() => state.slices),
      notSynced: () => [],
    } as unknown as LivenessDeps['caches'],
  };
}

describe('ReplicaLiveness', () => {
  it('a node with entries and no serving manager turns gone after the grace, on its own timer, and stays gone after its entries go until it serves again', () => {
    const clock = new ManualClock();
    const state = {
      confs: [conf(['n1', 'n2'])],
      peers: [peer('tor', ['n1', 'n2'])],
      slices: [webhookSlice(['n1', 'n2'])],
    };
    const c = caches(state);
    const l = new ReplicaLiveness({
      caches: c.caches,
      namespace: 'openelb-system',
      node: 'n1',
      goneAfterMs: 3000,
      clock,
    });
    let changes = 0;
    l.onChange(() => changes++);
    l.start();
    clock.advance(200);
    assert.deepEqual([...l.gone()], []);
    // n2's manager is killed: its slice endpoint goes
    state.slices = [webhookSlice(['n1'])];
    c.fire();
    clock.advance(200);
    assert.deepEqual([...l.gone()], []);
    clock.advance(2999);
    assert.deepEqual([...l.gone()], [], 'seen absent at the judgement after the event, 200 ms in');
    clock.advance(1);
    assert.deepEqual([...l.gone()], ['n2'], 'judged by the timer, no event needed');
    assert.equal(changes, 1);
    // the allocator removed n2's entries: n2 stays gone while it does not serve
    state.confs = [conf(['n1'])];
    state.peers = [peer('tor', ['n1'])];
    c.fire();
    clock.advance(200);
    assert.deepEqual([...l.gone()], ['n2']);
    // back and serving: forgotten
    state.slices = [webhookSlice(['n1', 'n2'])];
    c.fire();
    clock.advance(200);
    assert.deepEqual([...l.gone()], []);
    assert.equal(changes, 2);
    // no webhook endpoints at all: unknown, nobody is gone
    state.confs = [conf(['n1', 'n2'])];
    state.slices = [];
    c.fire();
    clock.advance(10_000);
    assert.deepEqual([...l.gone()], []);
    l.stop();
  });
});
