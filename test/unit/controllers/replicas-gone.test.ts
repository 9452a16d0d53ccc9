// Rows of replicas that are gone: which nodes run a manager (the webhook Service's endpoints), how
// long a node may lack one before its rows go, and the merged value without them.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GoneReplicas, managerNodes } from '../../../src/controllers/replicas/gone.ts';
import { rowNodes, settled, withRow } from '../../../src/controllers/bgp/announced-rows.ts';
import type { EndpointSlice } from '../../../src/kube/types.ts';

const slice = (
  namespace: string,
  service: string,
  endpoints: { node: string; serving?: boolean; ready?: boolean }[],
): EndpointSlice => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name: `${service}-x`, namespace, labels: { 'kubernetes.io/service-name': service } },
  addressType: 'IPv4',
  endpoints: endpoints.map((e, i) => ({
    addresses: [`10.0.0.${i + 1}`],
    nodeName: e.node,
    conditions: {
      ...(e.ready === undefined ? {} : { ready: e.ready }),
      ...(e.serving === undefined ? {} : { serving: e.serving }),
    },
  })),
});

describe('announced rows of gone replicas', () => {
  it('managerNodes: serving endpoints of the webhook Service in its namespace; none at all is unknown', () => {
    const slices = [
      slice('openelb-system', 'openelb-webhook', [
        { node: 'n1', ready: true, serving: true },
        { node: 'n2', ready: true, serving: false },
        { node: 'n3' },
      ]),
      slice('other', 'openelb-webhook', [{ node: 'n9' }]),
      slice('openelb-system', 'web', [{ node: 'n8' }]),
    ];
    assert.deepEqual([...(managerNodes(slices, 'openelb-system', 'openelb-webhook') ?? [])].sort(), [
      'n1',
      'n3',
    ]);
    assert.equal(managerNodes(slices, 'kube-system', 'openelb-webhook'), undefined);
    assert.deepEqual(
      [...(managerNodes([slice('ns', 'openelb-webhook', [])], 'ns', 'openelb-webhook') ?? [])],
      [],
    );
  });

  it('a node without a serving manager is gone only after the grace; serving again forgets it; self never', () => {
    const g = new GoneReplicas('n1', 1000);
    const managers = new Set(['n1']);
    assert.deepEqual([...g.observe(0, ['n1', 'n2'], managers)], []);
    assert.deepEqual([...g.observe(999, ['n1', 'n2'], managers)], []);
    assert.deepEqual([...g.observe(1000, ['n1', 'n2'], managers)], ['n2']);
    // back (a restart on the same node): forgotten, the grace starts over next time
    assert.deepEqual([...g.observe(1100, ['n2'], new Set(['n1', 'n2']))], []);
    assert.deepEqual([...g.observe(1200, ['n2'], managers)], []);
    assert.deepEqual([...g.observe(2199, ['n2'], managers)], []);
    assert.deepEqual([...g.observe(2200, ['n2'], managers)], ['n2']);
    // unknown managers judge nobody, and forget what was seen
    assert.deepEqual([...g.observe(5000, ['n2'], undefined)], []);
    assert.deepEqual([...g.observe(5001, ['n2'], managers)], []);
    // our own rows are never another replica's to remove
    assert.deepEqual([...new GoneReplicas('n1', 0).observe(0, ['n1'], new Set())], []);
  });

  it("the merged value drops gone replicas' rows and keeps the others; settled sees them", () => {
    const value = '{"n1":{"tor":true},"n2":{"tor":true},"n3":{"tor":false}}';
    assert.deepEqual(rowNodes(value), ['n1', 'n2', 'n3']);
    assert.deepEqual(rowNodes('nonsense'), []);
    const gone = new Set(['n2']);
    assert.equal(withRow(value, 'n1', { tor: true }, gone), '{"n1":{"tor":true},"n3":{"tor":false}}');
    assert.equal(
      withRow('{"n2":{"tor":true}}', 'n1', undefined, gone),
      undefined,
      'no row left: no annotation',
    );
    assert.equal(settled(value, 'n1', { tor: true }, new Set()), true);
    assert.equal(settled(value, 'n1', { tor: true }, gone), false);
    assert.equal(settled(value, 'n1', { tor: true }, new Set(['n1'])), true, 'never our own');
    assert.equal(settled(value, 'n1', { tor: false }, new Set()), false);
  });
});
