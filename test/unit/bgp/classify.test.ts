import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  classifyGlobalChange,
  GLOBAL_FIELD_CLASSES,
  restartDrift,
  worstClass,
} from '../../../src/bgp/global.ts';
import { desiredPeerFields } from '../../../src/bgp/peer-desired.ts';
import { diffPeerFields, PEER_FIELD_CLASSES } from '../../../src/bgp/peer-fields.ts';
import { actualPeerFields } from '../../../src/bgp/peer-wire.ts';
import type { DesiredGlobal } from '../../../src/bgp/types.ts';
import { listedPeer } from '../fixtures/listed-peer.ts';

const G: DesiredGlobal = {
  asn: 65001,
  routerId: '10.0.0.1',
  listenPort: -1,
  listenAddresses: [],
  families: [],
};

test('every global field has a class and a note', () => {
  for (const [field, c] of Object.entries(GLOBAL_FIELD_CLASSES)) {
    assert.ok(['live', 'peer-reset', 'restart'].includes(c.class), field);
    assert.ok(c.note.length > 10, field);
  }
});

test('graceful restart compares by value: key order and unset (undefined) fields are no change', () => {
  const a: DesiredGlobal = { ...G, gracefulRestart: { enabled: true, restartTime: 30 } };
  const b: DesiredGlobal = {
    ...G,
    gracefulRestart: { restartTime: 30, enabled: true, helperOnly: undefined },
  };
  assert.deepEqual(classifyGlobalChange(a, b), []);
  assert.deepEqual(
    classifyGlobalChange(a, { ...G, gracefulRestart: { enabled: true, restartTime: 31 } }).map(
      (c) => c.field,
    ),
    ['gracefulRestart'],
  );
});

test('global changes are classified', () => {
  assert.deepEqual(classifyGlobalChange(G, { ...G }), []);
  assert.deepEqual(
    classifyGlobalChange(G, { ...G, listenAddresses: ['::', '0.0.0.0'] }),
    [],
    'empty = 0.0.0.0 and ::',
  );
  assert.deepEqual(
    classifyGlobalChange(G, { ...G, families: [6] }).map((c) => [c.field, c.class]),
    [['families', 'peer-reset']],
  );
  const gr = classifyGlobalChange(G, { ...G, gracefulRestart: { enabled: true, restartTime: 30 } });
  assert.deepEqual(
    gr.map((c) => c.class),
    ['peer-reset'],
  );
  const asn = classifyGlobalChange(G, { ...G, asn: 65002, families: [4] });
  assert.equal(worstClass(asn), 'restart');
  assert.equal(worstClass([]), 'live');
});

test('restartDrift compares GetBgp output with desired, ignoring gobgpd-filled defaults', () => {
  const running = {
    asn: 65001,
    router_id: '10.0.0.1',
    listen_port: -1,
    listen_addresses: ['0.0.0.0', '::'],
    families: [],
    use_multiple_paths: false,
    bind_to_device: '',
  };
  assert.deepEqual(restartDrift(running, G), []);
  assert.deepEqual(
    restartDrift(running, { ...G, routerId: '10.0.0.2' }).map((c) => c.field),
    ['routerId'],
  );
  assert.deepEqual(restartDrift(running, { ...G, families: [6] }), [], 'families never restart');
});

test('peer fields round-trip through the wire form unchanged', () => {
  const d = desiredPeerFields(
    {
      address: '10.99.0.1',
      peerAsn: 65000,
      holdTime: 9,
      keepaliveInterval: 3,
      passive: true,
      families: [6, 4],
      maxReceivedPrefixes: 10,
    },
    G,
  );
  const a = actualPeerFields(listedPeer(d), G.asn);
  assert.ok(a);
  assert.deepEqual(diffPeerFields(a, d), []);
});

test('peer defaults match what gobgp reports for an unset field', () => {
  const d = desiredPeerFields({ address: '10.99.0.1', peerAsn: 65000 }, G);
  assert.equal(d.holdTime, 90);
  assert.equal(d.keepaliveInterval, 30);
  assert.equal(d.connectRetry, 120);
  assert.equal(d.localAsn, 65001);
  assert.equal(d.localAddress, '0.0.0.0');
  assert.deepEqual(d.families, [4]);
  assert.deepEqual(desiredPeerFields({ address: 'fd00::1', peerAsn: 65000 }, G).families, [6]);
  assert.deepEqual(
    desiredPeerFields({ address: 'fd00::1', peerAsn: 65000 }, { ...G, families: [4, 6] }).families,
    [4, 6],
  );
});

test('peer changes are classified per field', () => {
  const base = desiredPeerFields({ address: '10.99.0.1', peerAsn: 65000 }, G);
  const cls = (p: Parameters<typeof desiredPeerFields>[0]) =>
    diffPeerFields(base, desiredPeerFields(p, G)).map((c) => `${c.field}:${c.class}`);
  assert.deepEqual(cls({ address: '10.99.0.1', peerAsn: 65000, holdTime: 9 }), [
    'holdTime:next-session',
    'keepaliveInterval:next-session',
  ]);
  assert.deepEqual(cls({ address: '10.99.0.1', peerAsn: 65002 }), ['peerAsn:peer-reset']);
  assert.deepEqual(cls({ address: '10.99.0.1', peerAsn: 65000, ebgpMultihopTtl: 4 }), [
    'ebgpMultihopTtl:recreate',
  ]);
  assert.deepEqual(cls({ address: '10.99.0.1', peerAsn: 65000, password: 's' }), ['password:peer-reset']);
  assert.deepEqual(cls({ address: '10.99.0.1', peerAsn: 65000, maxReceivedPrefixes: 100 }), [
    'maxReceivedPrefixes:live',
  ]);
  assert.equal(Object.keys(PEER_FIELD_CLASSES).length, 21);
});

test('peer validation', () => {
  assert.throws(() => desiredPeerFields({ address: '10.99.0.300', peerAsn: 65000 }, G), /not an IP address/);
  assert.throws(() => desiredPeerFields({ address: '10.99.0.1', peerAsn: 0 }, G), /peerAsn/);
  assert.throws(
    () => desiredPeerFields({ address: '10.99.0.1', peerAsn: 1, holdTime: 9, keepaliveInterval: 10 }, G),
    /keepalive/,
  );
  assert.throws(
    () => desiredPeerFields({ address: '10.99.0.1', peerAsn: 1, localAddress: 'fd00::1' }, G),
    /family/,
  );
});
