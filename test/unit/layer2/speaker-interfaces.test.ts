import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Node } from '../../../src/kube/index.ts';
import {
  chooseInterface,
  inSubnet,
  NODE_LAYER2_ANNOTATION,
  type LocalInterfaces,
} from '../../../src/layer2/speaker/interfaces.ts';
import {
  DURATION_ANNOTATION,
  peerLeaseOf,
  REFUSED_ANNOTATION,
  REPLICA_LABEL,
} from '../../../src/layer2/speaker/lease-io.ts';
import { CLAIMS_ANNOTATION } from '../../../src/layer2/ownership/lease-format.ts';

const local: LocalInterfaces = new Map([
  [
    'eth0',
    [
      { address: '192.168.1.10', prefix: 24 },
      { address: 'fd00::10', prefix: 64 },
    ],
  ],
  ['eth1', [{ address: '10.0.0.5', prefix: 16 }]],
]);

function node(annotations: Record<string, string> = {}, internal: string[] = ['192.168.1.10']): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'n1', annotations },
    status: { addresses: internal.map((address) => ({ type: 'InternalIP' as const, address })) },
  };
}

describe('Layer 2 interface choice', () => {
  it('Eip.spec.interface wins, by name or can_reach', () => {
    assert.deepEqual(chooseInterface('eth9', 4, node(), local), {
      ok: true,
      value: { ifname: 'eth9', via: 'eip' },
    });
    assert.deepEqual(chooseInterface('can_reach:10.0.200.1', 4, node(), local), {
      ok: true,
      value: { ifname: 'eth1', via: 'can-reach' },
    });
    assert.equal(chooseInterface('can_reach:172.16.0.1', 4, node(), local).ok, false);
  });
  it('then the interface holding the node annotation address', () => {
    assert.deepEqual(chooseInterface(undefined, 4, node({ [NODE_LAYER2_ANNOTATION]: '10.0.0.5' }), local), {
      ok: true,
      value: { ifname: 'eth1', via: 'node-annotation' },
    });
    const bad = chooseInterface('', 4, node({ [NODE_LAYER2_ANNOTATION]: '10.9.9.9' }), local);
    assert.equal(bad.ok, false);
  });
  it('then the interface holding an InternalIP, same family first', () => {
    assert.deepEqual(chooseInterface(undefined, 6, node({}, ['10.0.0.5', 'fd00::10']), local), {
      ok: true,
      value: { ifname: 'eth0', via: 'internal-ip' },
    });
    assert.deepEqual(chooseInterface(undefined, 4, node({}, ['10.0.0.5', 'fd00::10']), local), {
      ok: true,
      value: { ifname: 'eth1', via: 'internal-ip' },
    });
    assert.equal(chooseInterface(undefined, 4, undefined, local).ok, false);
    assert.equal(chooseInterface(undefined, 4, node({}, ['172.16.0.1']), local).ok, false);
  });
  it('subnet membership for both families', () => {
    assert.equal(inSubnet('10.0.255.1', '10.0.0.5', 16), true);
    assert.equal(inSubnet('10.1.0.1', '10.0.0.5', 16), false);
    assert.equal(inSubnet('fd00::ffff', 'fd00::10', 64), true);
    assert.equal(inSubnet('fd01::1', 'fd00::10', 64), false);
    assert.equal(inSubnet('10.0.0.1', 'fd00::10', 0), false);
  });
});

describe('replica Lease format', () => {
  it('reads the exact duration from the annotation, the claims, and the holder', () => {
    const p = peerLeaseOf({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: {
        name: 'openelb-layer2-n2',
        resourceVersion: '42',
        labels: { [REPLICA_LABEL]: 'n2' },
        annotations: {
          [DURATION_ANNOTATION]: '800',
          [CLAIMS_ANNOTATION]: '10.0.0.2,fd00::0:1',
          [REFUSED_ANNOTATION]: 'fd00::0:1',
        },
      },
      spec: { holderIdentity: 'n2', leaseDurationSeconds: 1 },
    });
    assert.deepEqual(p, {
      node: 'n2',
      version: '42',
      leaseDurationMs: 800,
      claims: ['10.0.0.2', 'fd00::1'],
      refused: ['fd00::1'],
    });
    const q = peerLeaseOf({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'x', resourceVersion: '1' },
      spec: { holderIdentity: 'n3', leaseDurationSeconds: 2 },
    });
    assert.equal(q?.leaseDurationMs, 2000);
  });
});
