import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  IPV6_ALL_NODES,
  IPV6_UNSPECIFIED,
  formatMac,
  parseMac,
  solicitedNodeAddress,
} from '../../../src/layer2/addr.ts';
import { formatIpv6Bytes, ipv6Bytes } from '../../../src/net/ip.ts';
import { icmpv6Checksum } from '../../../src/layer2/checksum.ts';
import {
  ND_NEIGHBOR_ADVERT,
  ND_NEIGHBOR_SOLICIT,
  buildNaReply,
  buildNdp,
  buildNeighborSolicit,
  buildUnsolicitedNa,
  parseNdp,
} from '../../../src/layer2/ndp.ts';

const mac = (s: string): Uint8Array => parseMac(s) ?? assert.fail(s);
const ip6 = (s: string): Uint8Array => ipv6Bytes(s) ?? assert.fail(s);
const CLIENT = mac('02:00:00:00:00:0a');
const NODE = mac('02:00:00:00:00:02');
const VIP = ip6('fd00:99::200');

// Captured with tcpdump -xx on a veth: `ndisc6 fd00:99::200 <if>` from fd00:99::10 (02:00:00:00:00:0a).
// ndisc6 sets a flow label (0x75920); the checksum 0x7851 does not cover it.
const KERNEL_NS_HEX =
  '3333ff00020002000000000a86dd60075920' +
  '00203aff' +
  'fd000099000000000000000000000010' +
  'ff0200000000000000000001ff000200' +
  '8700785100000000' +
  'fd000099000000000000000000000200' +
  '010102000000000a';
// The kernel's own DAD probe for fe80::ff:fe00:2, with a nonce option (type 14, RFC 7527).
const KERNEL_DAD_HEX =
  '3333ff00000202000000000286dd6000000000203aff' +
  '00000000000000000000000000000000' +
  'ff0200000000000000000001ff000002' +
  '8700e6fe00000000' +
  'fe80000000000000000000fffe000002' +
  '0e016c39b71d64c4';

test('parses a real NS and verifies its checksum', () => {
  const r = parseNdp(Buffer.from(KERNEL_NS_HEX, 'hex'));
  assert.ok(r.ok, r.ok ? '' : r.error.reason);
  assert.equal(r.value.ndp.type, ND_NEIGHBOR_SOLICIT);
  assert.equal(formatIpv6Bytes(r.value.ndp.target), 'fd00:99::200');
  assert.equal(formatIpv6Bytes(r.value.ndp.src), 'fd00:99::10');
  assert.equal(formatMac(r.value.ndp.sourceLinkAddr ?? new Uint8Array()), '02:00:00:00:00:0a');
});

test('our NS builder reproduces the captured bytes (flow label aside)', () => {
  const ns = buildNeighborSolicit(CLIENT, ip6('fd00:99::10'), VIP);
  const captured = Buffer.from(KERNEL_NS_HEX, 'hex');
  captured[15] = 0;
  captured[16] = 0;
  captured[17] = 0;
  assert.equal(ns.toString('hex'), captured.toString('hex'));
});

test('parses the kernel DAD probe (unknown nonce option skipped) and answers it to all-nodes', () => {
  const r = parseNdp(Buffer.from(KERNEL_DAD_HEX, 'hex'));
  assert.ok(r.ok, r.ok ? '' : r.error.reason);
  assert.equal(formatIpv6Bytes(r.value.ndp.src), '::');
  assert.equal(formatIpv6Bytes(r.value.ndp.target), 'fe80::ff:fe00:2');
  const na = parseNdp(buildNaReply(r.value, NODE));
  assert.ok(na.ok);
  assert.equal(formatIpv6Bytes(na.value.ndp.dst), 'ff02::1');
  assert.equal(na.value.ndp.solicited, false);
});

test('reply to an NS: unicast to the solicitor, S and O set, R clear, source = target, hop limit 255, our MAC', () => {
  const ns = parseNdp(buildNeighborSolicit(CLIENT, ip6('fd00:99::10'), VIP));
  assert.ok(ns.ok);
  const na = parseNdp(buildNaReply(ns.value, NODE));
  assert.ok(na.ok, na.ok ? '' : na.error.reason);
  const m = na.value.ndp;
  assert.equal(m.type, ND_NEIGHBOR_ADVERT);
  assert.equal(formatMac(na.value.eth.dst), formatMac(CLIENT));
  assert.equal(formatMac(na.value.eth.src), formatMac(NODE));
  assert.equal(formatIpv6Bytes(m.src), 'fd00:99::200');
  assert.equal(formatIpv6Bytes(m.dst), 'fd00:99::10');
  assert.equal(m.hopLimit, 255);
  assert.deepEqual([m.router, m.solicited, m.override], [false, true, true]);
  assert.equal(formatMac(m.targetLinkAddr ?? new Uint8Array()), formatMac(NODE));
});

test('reply to a DAD probe (source ::) goes to all-nodes with S clear', () => {
  const dad = parseNdp(buildNeighborSolicit(CLIENT, IPV6_UNSPECIFIED, VIP));
  assert.ok(dad.ok, dad.ok ? '' : dad.error.reason);
  assert.equal(dad.value.ndp.sourceLinkAddr, undefined);
  const na = parseNdp(buildNaReply(dad.value, NODE));
  assert.ok(na.ok, na.ok ? '' : na.error.reason);
  assert.equal(formatIpv6Bytes(na.value.ndp.dst), 'ff02::1');
  assert.equal(formatMac(na.value.eth.dst), '33:33:00:00:00:01');
  assert.deepEqual([na.value.ndp.solicited, na.value.ndp.override], [false, true]);
});

test('without a source link-layer option the reply goes to the frame source MAC', () => {
  const ns = parseNdp(
    buildNdp({
      ethDst: NODE,
      ethSrc: CLIENT,
      src: ip6('fd00:99::10'),
      dst: VIP,
      type: ND_NEIGHBOR_SOLICIT,
      target: VIP,
    }),
  );
  assert.ok(ns.ok);
  const na = parseNdp(buildNaReply(ns.value, NODE));
  assert.ok(na.ok);
  assert.equal(formatMac(na.value.eth.dst), formatMac(CLIENT));
});

test('unsolicited NA: all-nodes, override only, target option', () => {
  const na = parseNdp(buildUnsolicitedNa(NODE, VIP));
  assert.ok(na.ok);
  assert.equal(formatIpv6Bytes(na.value.ndp.dst), 'ff02::1');
  assert.deepEqual(
    [na.value.ndp.router, na.value.ndp.solicited, na.value.ndp.override],
    [false, false, true],
  );
  assert.equal(formatMac(na.value.ndp.targetLinkAddr ?? new Uint8Array()), formatMac(NODE));
});

function expectBad(frame: Uint8Array, why: string): void {
  const r = parseNdp(frame);
  assert.ok(!r.ok && r.error.bad, `${why}: ${r.ok ? 'parsed' : r.error.reason}`);
}

test('RFC 4861 validity checks reject bad messages', () => {
  const good = Buffer.from(KERNEL_NS_HEX, 'hex');
  const set = (off: number, v: number): Buffer => {
    const b = Buffer.from(good);
    b[off] = v;
    return b;
  };
  expectBad(set(21, 64), 'hop limit 64');
  expectBad(set(55, 1), 'code 1 (checksum fixed below)');
  expectBad(set(60, 0xfe), 'corrupted target (checksum)');
  expectBad(set(79, 0), 'option length 0');
  expectBad(set(14, 0x40), 'IP version 4');
  const mcastTarget = buildNdp({
    ethDst: NODE,
    ethSrc: CLIENT,
    src: ip6('fd00:99::10'),
    dst: VIP,
    type: ND_NEIGHBOR_SOLICIT,
    target: IPV6_ALL_NODES,
  });
  expectBad(mcastTarget, 'multicast target');
  const dadWithOption = buildNdp({
    ethDst: NODE,
    ethSrc: CLIENT,
    src: IPV6_UNSPECIFIED,
    dst: solicitedNodeAddress(VIP),
    type: ND_NEIGHBOR_SOLICIT,
    target: VIP,
    linkAddr: CLIENT,
  });
  expectBad(dadWithOption, 'DAD NS with a source link-layer option');
  const dadUnicast = buildNdp({
    ethDst: NODE,
    ethSrc: CLIENT,
    src: IPV6_UNSPECIFIED,
    dst: VIP,
    type: ND_NEIGHBOR_SOLICIT,
    target: VIP,
  });
  expectBad(dadUnicast, 'DAD NS not to a solicited-node group');
  const solicitedToAll = buildNdp({
    ethDst: NODE,
    ethSrc: CLIENT,
    src: VIP,
    dst: IPV6_ALL_NODES,
    type: ND_NEIGHBOR_ADVERT,
    target: VIP,
    solicited: true,
  });
  expectBad(solicitedToAll, 'solicited NA to all-nodes');
});

test('every truncation of a valid NS is bad (payload length beyond the frame)', () => {
  const good = Buffer.from(KERNEL_NS_HEX, 'hex');
  for (let len = 0; len < good.length; len++) {
    const r = parseNdp(good.subarray(0, len));
    assert.ok(!r.ok && r.error.bad, `length ${len}`);
  }
});

test('other ICMPv6 types and other next headers are ignored, not bad', () => {
  const b = Buffer.from(KERNEL_NS_HEX, 'hex');
  b[54] = 128; // echo request
  const r = parseNdp(b);
  assert.ok(!r.ok && !r.error.bad);
  const udp = Buffer.from(KERNEL_NS_HEX, 'hex');
  udp[20] = 17;
  const u = parseNdp(udp);
  assert.ok(!u.ok && !u.error.bad);
});

test('checksum: a message with its checksum in place sums to zero', () => {
  const f = buildUnsolicitedNa(NODE, VIP);
  assert.equal(icmpv6Checksum(f.subarray(22, 38), f.subarray(38, 54), f.subarray(54)), 0);
});

test('property: build → parse round trip (NS and NA, with and without link-layer option)', () => {
  const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
  const unicast6 = bytes(16).filter((b) => b[0] !== 0xff && b.some((x) => x !== 0));
  fc.assert(
    fc.property(
      bytes(6),
      bytes(6),
      unicast6,
      unicast6,
      unicast6,
      fc.constantFrom(ND_NEIGHBOR_SOLICIT, ND_NEIGHBOR_ADVERT),
      fc.boolean(),
      fc.boolean(),
      fc.boolean(),
      fc.option(bytes(6), { nil: undefined }),
      (ed, es, src, dst, target, type, router, solicited, override, linkAddr) => {
        const isNa = type === ND_NEIGHBOR_ADVERT;
        const frame = buildNdp({
          ethDst: ed,
          ethSrc: es,
          src,
          dst,
          type,
          target,
          router,
          solicited,
          override,
          ...(linkAddr ? { linkAddr } : {}),
        });
        const r = parseNdp(frame);
        assert.ok(r.ok, r.ok ? '' : r.error.reason);
        const m = r.value.ndp;
        assert.equal(m.type, type);
        assert.deepEqual([...m.src], [...src]);
        assert.deepEqual([...m.dst], [...dst]);
        assert.deepEqual([...m.target], [...target]);
        assert.equal(m.hopLimit, 255);
        assert.deepEqual(
          [m.router, m.solicited, m.override],
          isNa ? [router, solicited, override] : [false, false, false],
        );
        const opt = isNa ? m.targetLinkAddr : m.sourceLinkAddr;
        assert.deepEqual(
          opt === undefined ? undefined : [...opt],
          linkAddr === undefined ? undefined : [...linkAddr],
        );
      },
    ),
  );
});

test('property: arbitrary bytes after a valid IPv6 NDP header never throw', () => {
  const head = Buffer.from(KERNEL_NS_HEX, 'hex').subarray(0, 54);
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 120 }), fc.integer({ min: 0, max: 200 }), (tail, plen) => {
      const f = Buffer.concat([head, tail]);
      f.writeUInt16BE(plen, 18);
      const r = parseNdp(f);
      assert.equal(typeof r.ok, 'boolean');
    }),
  );
});
