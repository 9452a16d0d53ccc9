// minimumAdvertisementInterval, mtuDiscovery and tcpMss: validated, carried into the Peer message,
// classified, and compared in a way that copes with gobgpd 3.10 never reporting them back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { desiredPeerFields } from '../../../src/bgp/peer-desired.ts';
import {
  diffPeerFields,
  PEER_FIELD_CLASSES,
  UNREPORTED_PEER_FIELDS,
  unreportedOf,
  withUnreported,
} from '../../../src/bgp/peer-fields.ts';
import { actualPeerFields, toWirePeer } from '../../../src/bgp/peer-wire.ts';
import {
  BgpValidationError,
  TCP_MSS_MAX,
  TCP_MSS_MIN,
  validateTcpMss,
  validateTimerSeconds,
} from '../../../src/bgp/validate.ts';
import type { WirePeerOut } from '../../../src/bgp/client/wire.ts';
import { listedPeer } from '../fixtures/listed-peer.ts';
import type { DesiredGlobal, DesiredPeer } from '../../../src/bgp/types.ts';

const G: DesiredGlobal = {
  asn: 65001,
  routerId: '10.0.0.1',
  listenPort: -1,
  listenAddresses: [],
  families: [],
};
const P: DesiredPeer = { address: '10.99.0.1', peerAsn: 65000 };

test('defaults: MRAI 0, no MTU discovery flag, MSS 0 (kernel default)', () => {
  const f = desiredPeerFields(P, G);
  assert.equal(f.minimumAdvertisementInterval, 0);
  assert.equal(f.mtuDiscovery, false);
  assert.equal(f.tcpMss, 0);
});

test('the Peer message carries them in timers.config and transport', () => {
  const f = desiredPeerFields(
    {
      ...P,
      minimumAdvertisementInterval: 30,
      mtuDiscovery: true,
      tcpMss: 1400,
      holdTime: 9,
      keepaliveInterval: 3,
    },
    G,
  );
  const w = toWirePeer(f);
  assert.deepEqual(w.timers?.config, {
    hold_time: 9,
    keepalive_interval: 3,
    connect_retry: 120,
    minimum_advertisement_interval: 30,
  });
  assert.equal(w.transport?.mtu_discovery, true);
  assert.equal(w.transport?.tcp_mss, 1400);
  assert.equal(w.transport?.passive_mode, false, 'the other transport fields stay');
});

test('ranges: MRAI 0..65535 s, tcpMss 0 or 88..32767, mtuDiscovery a boolean', () => {
  for (const v of [0, 1, 30, 600, 65535])
    assert.equal(
      desiredPeerFields({ ...P, minimumAdvertisementInterval: v }, G).minimumAdvertisementInterval,
      v,
    );
  for (const v of [-1, 65536, 1.5, Number.NaN]) {
    assert.throws(
      () => desiredPeerFields({ ...P, minimumAdvertisementInterval: v }, G),
      (e: unknown) =>
        e instanceof BgpValidationError &&
        /minimumAdvertisementInterval must be 0\.\.65535 seconds/.test(e.message) &&
        /peer=10\.99\.0\.1/.test(e.message),
    );
  }
  for (const v of [0, TCP_MSS_MIN, 536, 1400, 1460, 8960, TCP_MSS_MAX])
    assert.equal(desiredPeerFields({ ...P, tcpMss: v }, G).tcpMss, v);
  for (const v of [1, 87, TCP_MSS_MAX + 1, 65535, -1, 1400.5]) {
    assert.throws(
      () => desiredPeerFields({ ...P, tcpMss: v }, G),
      /tcpMss must be 0 \(kernel default\) or 88\.\.32767/,
      String(v),
    );
  }
  assert.throws(
    () => desiredPeerFields({ ...P, mtuDiscovery: 'yes' as unknown as boolean }, G),
    /mtuDiscovery must be true or false/,
  );
  assert.equal(validateTcpMss(0), 0);
  assert.equal(validateTimerSeconds(65535, 'x'), 65535);
});

test('classes: MRAI is a timer (next session), the transport pair never resets a session in gobgpd 3.10', () => {
  assert.equal(PEER_FIELD_CLASSES.minimumAdvertisementInterval, PEER_FIELD_CLASSES.holdTime);
  assert.equal(PEER_FIELD_CLASSES.minimumAdvertisementInterval, 'next-session');
  assert.equal(PEER_FIELD_CLASSES.mtuDiscovery, 'live');
  assert.equal(PEER_FIELD_CLASSES.tcpMss, 'live');
  const base = desiredPeerFields(P, G);
  const cls = (d: DesiredPeer) =>
    diffPeerFields(base, desiredPeerFields(d, G)).map((c) => `${c.field}:${c.class}`);
  assert.deepEqual(cls({ ...P, minimumAdvertisementInterval: 5 }), [
    'minimumAdvertisementInterval:next-session',
  ]);
  assert.deepEqual(cls({ ...P, mtuDiscovery: true, tcpMss: 1200 }), ['mtuDiscovery:live', 'tcpMss:live']);
});

test('gobgpd 3.10 answers defaults: actual fields read them as such, withUnreported fills them from what was sent', () => {
  const want = desiredPeerFields(
    { ...P, minimumAdvertisementInterval: 30, mtuDiscovery: true, tcpMss: 1400 },
    G,
  );
  const listed = actualPeerFields(listedPeer(want, { asVersion310: true }), G.asn);
  assert.ok(listed);
  assert.deepEqual(unreportedOf(listed), { minimumAdvertisementInterval: 0, mtuDiscovery: false, tcpMss: 0 });
  assert.deepEqual(
    diffPeerFields(listed, want).map((c) => c.field),
    [...UNREPORTED_PEER_FIELDS],
    'raw ListPeer output would diff forever',
  );
  // what the sink sent last → no change
  assert.deepEqual(diffPeerFields(withUnreported(listed, unreportedOf(want)), want), []);
  // an edit of only these fields is seen against what was sent
  const edited = desiredPeerFields(
    { ...P, minimumAdvertisementInterval: 10, mtuDiscovery: true, tcpMss: 1300 },
    G,
  );
  assert.deepEqual(
    diffPeerFields(withUnreported(listed, unreportedOf(want)), edited).map((c) => `${c.field}:${c.class}`),
    ['minimumAdvertisementInterval:next-session', 'tcpMss:live'],
  );
  // and back to the defaults
  assert.deepEqual(
    diffPeerFields(withUnreported(listed, unreportedOf(want)), desiredPeerFields(P, G)).map((c) => c.field),
    [...UNREPORTED_PEER_FIELDS],
  );
});

test('a gobgpd that does report them is taken at its word', () => {
  const want = desiredPeerFields(P, G);
  const out = listedPeer(want, { asVersion310: true });
  const reported: WirePeerOut = {
    ...out,
    timers:
      out.timers && out.timers.config
        ? { ...out.timers, config: { ...out.timers.config, minimum_advertisement_interval: 30 } }
        : null,
    transport: out.transport ? { ...out.transport, tcp_mss: 1400, mtu_discovery: true } : null,
  };
  const actual = actualPeerFields(reported, G.asn);
  assert.ok(actual);
  assert.deepEqual(unreportedOf(actual), {
    minimumAdvertisementInterval: 30,
    mtuDiscovery: true,
    tcpMss: 1400,
  });
  assert.deepEqual(
    diffPeerFields(withUnreported(actual, unreportedOf(want)), want).map((c) => c.field),
    [...UNREPORTED_PEER_FIELDS],
  );
});
