import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { BROADCAST_MAC, IPV6_UNSPECIFIED, formatMac, parseMac } from '../../../src/layer2/addr.ts';
import { formatIpv4Bytes, ipv4Bytes, ipv6Bytes } from '../../../src/net/ip.ts';
import { ARP_REPLY, ARP_REQUEST, buildArp, buildGratuitousArp, parseArp } from '../../../src/layer2/arp.ts';
import { PACKET_OTHERHOST } from '../../../src/layer2/link.ts';
import { buildNeighborSolicit, buildUnsolicitedNa, parseNdp } from '../../../src/layer2/ndp.ts';
import { type ForeignClaim, Responder } from '../../../src/layer2/responder.ts';
import { MemoryLink } from './memory-link.ts';

const mac = (s: string): Uint8Array => parseMac(s) ?? assert.fail(s);
const ip4 = (s: string): Uint8Array => ipv4Bytes(s) ?? assert.fail(s);
const ip6 = (s: string): Uint8Array => ipv6Bytes(s) ?? assert.fail(s);
const CLIENT = mac('02:00:00:00:00:0a');
const NODE = mac('02:00:00:00:00:02');
const OTHER = mac('02:00:00:00:00:03');

function arpRequest(target: string, sender = '10.99.0.10'): Buffer {
  return buildArp({
    ethDst: BROADCAST_MAC,
    ethSrc: CLIENT,
    op: ARP_REQUEST,
    senderMac: CLIENT,
    senderIp: ip4(sender),
    targetMac: new Uint8Array(6),
    targetIp: ip4(target),
  });
}

function setup(allowed: (ip: string) => boolean = () => true) {
  const link = new MemoryLink(NODE);
  const claims: ForeignClaim[] = [];
  const asked: string[] = [];
  const r = new Responder({
    link,
    mayAnswer: (ip) => {
      asked.push(ip);
      return allowed(ip);
    },
    onForeignClaim: (c) => claims.push(c),
  });
  r.setAddresses(['10.99.0.200', 'FD00:99::200']);
  return { link, r, claims, asked };
}

test('answers an ARP request for an owned IP with the interface MAC', () => {
  const { link, r, asked } = setup();
  assert.equal(r.handleFrame(arpRequest('10.99.0.200')), 'replied');
  assert.deepEqual(asked, ['10.99.0.200']);
  const rep = parseArp(link.sent[0] ?? assert.fail());
  assert.ok(rep.ok);
  assert.equal(rep.value.arp.op, ARP_REPLY);
  assert.equal(formatMac(rep.value.arp.senderMac), formatMac(NODE));
  assert.equal(formatIpv4Bytes(rep.value.arp.senderIp), '10.99.0.200');
  assert.equal(formatMac(rep.value.eth.dst), formatMac(CLIENT));
  assert.equal(r.counters.arpRepliesSent, 1);
});

test('ignores requests for other IPs, gratuitous requests and frames for other hosts', () => {
  const { link, r } = setup();
  assert.equal(r.handleFrame(arpRequest('10.99.0.201')), 'ignored');
  assert.equal(r.handleFrame(arpRequest('10.99.0.200'), PACKET_OTHERHOST), 'ignored');
  const [garpReq] = buildGratuitousArp(CLIENT, ip4('10.99.0.55'));
  assert.equal(r.handleFrame(garpReq), 'ignored');
  assert.equal(link.sent.length, 0);
  assert.equal(r.counters.framesIgnored, 3);
});

test('the fence is checked before every send', () => {
  let open = true;
  const { link, r } = setup(() => open);
  assert.equal(r.handleFrame(arpRequest('10.99.0.200')), 'replied');
  open = false;
  assert.equal(r.handleFrame(arpRequest('10.99.0.200')), 'fenced');
  assert.equal(
    r.handleFrame(buildNeighborSolicit(CLIENT, ip6('fd00:99::10'), ip6('fd00:99::200'))),
    'fenced',
  );
  assert.equal(link.sent.length, 1);
  assert.equal(r.counters.repliesFenced, 2);
});

test('answers an NS with an NA from the target address, S|O, our MAC', () => {
  const { link, r } = setup();
  assert.equal(
    r.handleFrame(buildNeighborSolicit(CLIENT, ip6('fd00:99::10'), ip6('fd00:99::200'))),
    'replied',
  );
  const na = parseNdp(link.sent[0] ?? assert.fail());
  assert.ok(na.ok);
  assert.deepEqual([na.value.ndp.router, na.value.ndp.solicited, na.value.ndp.override], [false, true, true]);
  assert.equal(formatMac(na.value.ndp.targetLinkAddr ?? new Uint8Array()), formatMac(NODE));
  assert.equal(r.counters.ndpAdvertsSent, 1);
});

test('a DAD probe for our IP is defended (NA to all-nodes) and reported', () => {
  const { link, r, claims } = setup();
  assert.equal(r.handleFrame(buildNeighborSolicit(OTHER, IPV6_UNSPECIFIED, ip6('fd00:99::200'))), 'replied');
  const na = parseNdp(link.sent[0] ?? assert.fail());
  assert.ok(na.ok);
  assert.equal(na.value.ndp.solicited, false);
  assert.deepEqual(claims, [{ ip: 'fd00:99::200', mac: formatMac(OTHER), kind: 'dad' }]);
});

test('another MAC claiming our addresses is reported, our own frames are not', () => {
  const { r, claims } = setup();
  for (const f of buildGratuitousArp(OTHER, ip4('10.99.0.200'))) r.handleFrame(f);
  r.handleFrame(buildUnsolicitedNa(OTHER, ip6('fd00:99::200')));
  r.handleFrame(buildUnsolicitedNa(NODE, ip6('fd00:99::200')));
  for (const f of buildGratuitousArp(NODE, ip4('10.99.0.200'))) r.handleFrame(f);
  assert.deepEqual(
    claims.map((c) => `${c.kind} ${c.ip} ${c.mac}`),
    [
      'garp 10.99.0.200 02:00:00:00:00:03',
      'garp 10.99.0.200 02:00:00:00:00:03',
      'na fd00:99::200 02:00:00:00:00:03',
    ],
  );
  assert.equal(r.counters.foreignClaims, 3);
});

test('bad frames are dropped and counted; the responder keeps answering', () => {
  const bads: string[] = [];
  const link = new MemoryLink(NODE);
  const r = new Responder({ link, mayAnswer: () => true, onBadFrame: (why) => bads.push(why) });
  r.setAddresses(['10.99.0.200']);
  assert.equal(r.handleFrame(new Uint8Array(5)), 'bad');
  assert.equal(r.handleFrame(arpRequest('10.99.0.200').subarray(0, 30)), 'bad');
  const ns = buildNeighborSolicit(CLIENT, ip6('fd00:99::10'), ip6('fd00:99::200'));
  ns[60] = (ns[60] ?? 0) ^ 0xff; // checksum now wrong
  assert.equal(r.handleFrame(ns), 'bad');
  assert.equal(r.counters.framesDroppedBad, 3);
  assert.equal(bads.length, 3);
  assert.equal(r.handleFrame(arpRequest('10.99.0.200')), 'replied');
});

test('send failures and a missing MAC are counted, not thrown', () => {
  const { link, r } = setup();
  link.failSends = 1;
  assert.equal(r.handleFrame(arpRequest('10.99.0.200')), 'send-failed');
  link.mac = undefined;
  assert.equal(r.handleFrame(arpRequest('10.99.0.200')), 'send-failed');
  assert.equal(r.counters.sendErrors, 2);
});

test('solicited-node groups follow the IPv6 address set (shared groups counted once per address)', () => {
  const link = new MemoryLink(NODE);
  const r = new Responder({ link, mayAnswer: () => true });
  r.setAddresses(['fd00:99::200', 'fd00:98::200', '10.0.0.1']);
  assert.deepEqual([...link.groups], [['33:33:ff:00:02:00', 2]]);
  r.setAddresses(['fd00:98::200', 'fd00:99::1:5']);
  assert.deepEqual([...link.groups].sort(), [
    ['33:33:ff:00:02:00', 1],
    ['33:33:ff:01:00:05', 1],
  ]);
  r.clear();
  assert.equal(link.groups.size, 0);
  assert.throws(() => r.setAddresses(['not-an-ip']), /not-an-ip/);
});

test('property: random frames never throw and every frame is counted once', () => {
  const { r } = setup();
  const prefixes = [
    arpRequest('10.99.0.200'),
    buildNeighborSolicit(CLIENT, ip6('fd00:99::10'), ip6('fd00:99::200')),
  ];
  fc.assert(
    fc.property(
      fc.constantFrom(...prefixes),
      fc.nat(90),
      fc.uint8Array({ maxLength: 90 }),
      (base, cut, noise) => {
        const f = Buffer.concat([base.subarray(0, cut), noise]);
        const before = { ...r.counters };
        const out = r.handleFrame(f);
        const c = r.counters;
        assert.equal(c.framesReceived, before.framesReceived + 1);
        const counted =
          c.framesIgnored -
          before.framesIgnored +
          c.framesDroppedBad -
          before.framesDroppedBad +
          c.arpRepliesSent -
          before.arpRepliesSent +
          c.ndpAdvertsSent -
          before.ndpAdvertsSent;
        assert.equal(counted, 1, out);
      },
    ),
  );
});

test('watched addresses (probing or refused): claims by others are reported, requests are never answered', () => {
  const link = new MemoryLink(NODE);
  const claims: ForeignClaim[] = [];
  const r = new Responder({ link, mayAnswer: () => true, onForeignClaim: (c) => claims.push(c) });
  r.setAddresses([], ['10.99.0.1', 'fd00:99::1']);
  assert.deepEqual([r.addresses, r.watchedAddresses], [[], ['10.99.0.1', 'fd00:99::1']]);
  assert.deepEqual(
    [...link.groups.keys()],
    ['33:33:ff:00:00:01'],
    'solicited-node group joined: DAD probes for it arrive',
  );
  assert.equal(r.handleFrame(arpRequest('10.99.0.1')), 'ignored');
  assert.equal(r.handleFrame(buildNeighborSolicit(CLIENT, ip6('fd00:99::10'), ip6('fd00:99::1'))), 'ignored');
  assert.equal(link.sent.length, 0);
  // the router's kernel answering our ARP probe (reply to sender IP 0.0.0.0) and NA to all-nodes after our DAD
  r.handleFrame(
    buildArp({
      ethDst: NODE,
      ethSrc: OTHER,
      op: ARP_REPLY,
      senderMac: OTHER,
      senderIp: ip4('10.99.0.1'),
      targetMac: NODE,
      targetIp: new Uint8Array(4),
    }),
  );
  r.handleFrame(buildUnsolicitedNa(OTHER, ip6('fd00:99::1')));
  // another host probing for the addresses itself
  r.handleFrame(
    buildArp({
      ethDst: BROADCAST_MAC,
      ethSrc: OTHER,
      op: ARP_REQUEST,
      senderMac: OTHER,
      senderIp: new Uint8Array(4),
      targetMac: new Uint8Array(6),
      targetIp: ip4('10.99.0.1'),
    }),
  );
  r.handleFrame(buildNeighborSolicit(OTHER, IPV6_UNSPECIFIED, ip6('fd00:99::1')));
  assert.deepEqual(
    claims.map((c) => `${c.kind} ${c.ip} ${c.mac}`),
    [
      'arp-reply 10.99.0.1 02:00:00:00:00:03',
      'na fd00:99::1 02:00:00:00:00:03',
      'arp-probe 10.99.0.1 02:00:00:00:00:03',
      'dad fd00:99::1 02:00:00:00:00:03',
    ],
  );
  // answered once moved to the answer set; a probe for an answered address is answered and reported
  r.setAddresses(['10.99.0.1'], ['fd00:99::1']);
  assert.equal(r.handleFrame(arpRequest('10.99.0.1')), 'replied');
  assert.equal(
    r.handleFrame(
      buildArp({
        ethDst: BROADCAST_MAC,
        ethSrc: OTHER,
        op: ARP_REQUEST,
        senderMac: OTHER,
        senderIp: new Uint8Array(4),
        targetMac: new Uint8Array(6),
        targetIp: ip4('10.99.0.1'),
      }),
    ),
    'replied',
  );
  assert.equal(claims.at(-1)?.kind, 'arp-probe');
  r.clear();
  assert.deepEqual([...link.groups.keys()], []);
});
