import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { BROADCAST_MAC, formatMac, parseMac } from '../../../src/layer2/addr.ts';
import { formatIpv4Bytes, ipv4Bytes } from '../../../src/net/ip.ts';
import {
  ARP_FRAME_LEN,
  ARP_REPLY,
  ARP_REQUEST,
  buildArp,
  buildArpReply,
  buildGratuitousArp,
  isGratuitousArp,
  parseArp,
} from '../../../src/layer2/arp.ts';

const mac = (s: string): Uint8Array => parseMac(s) ?? assert.fail(s);
const ip4 = (s: string): Uint8Array => ipv4Bytes(s) ?? assert.fail(s);
const CLIENT = mac('02:00:00:00:00:0a');
const NODE = mac('02:00:00:00:00:02');

function request(): Buffer {
  return buildArp({
    ethDst: BROADCAST_MAC,
    ethSrc: CLIENT,
    op: ARP_REQUEST,
    senderMac: CLIENT,
    senderIp: ip4('10.99.0.10'),
    targetMac: new Uint8Array(6),
    targetIp: ip4('10.99.0.200'),
  });
}

test('parses a request captured from arping, also when padded to the Ethernet minimum', () => {
  // `arping -I <veth> 10.99.0.200` from 10.99.0.10 (02:00:00:00:00:0a), tcpdump -xx on the peer veth
  const hex =
    'ffffffffffff02000000000a08060001080006040001' + '02000000000a0a63000a' + 'ffffffffffff0a6300c8';
  assert.ok(parseArp(Buffer.from(hex + '00'.repeat(18), 'hex')).ok);
  const r = parseArp(Buffer.from(hex, 'hex'));
  assert.ok(r.ok);
  assert.equal(r.value.arp.op, ARP_REQUEST);
  assert.equal(formatMac(r.value.arp.senderMac), '02:00:00:00:00:0a');
  assert.equal(formatIpv4Bytes(r.value.arp.senderIp), '10.99.0.10');
  assert.equal(formatIpv4Bytes(r.value.arp.targetIp), '10.99.0.200');
});

test('reply goes unicast to the requester with our MAC as sender', () => {
  const req = parseArp(request());
  assert.ok(req.ok);
  const rep = parseArp(buildArpReply(req.value.arp, NODE));
  assert.ok(rep.ok);
  const { eth, arp } = rep.value;
  assert.equal(formatMac(eth.dst), formatMac(CLIENT));
  assert.equal(formatMac(eth.src), formatMac(NODE));
  assert.equal(arp.op, ARP_REPLY);
  assert.equal(formatMac(arp.senderMac), formatMac(NODE));
  assert.equal(formatIpv4Bytes(arp.senderIp), '10.99.0.200');
  assert.equal(formatMac(arp.targetMac), formatMac(CLIENT));
  assert.equal(formatIpv4Bytes(arp.targetIp), '10.99.0.10');
});

test('gratuitous ARP is a broadcast request and a broadcast reply with spa = tpa', () => {
  const frames = buildGratuitousArp(NODE, ip4('10.99.0.200'));
  assert.deepEqual(
    frames.map((f) => {
      const r = parseArp(f);
      assert.ok(r.ok);
      assert.ok(isGratuitousArp(r.value.arp));
      assert.equal(formatMac(r.value.eth.dst), 'ff:ff:ff:ff:ff:ff');
      return r.value.arp.op;
    }),
    [ARP_REQUEST, ARP_REPLY],
  );
});

test('malformed and truncated frames are bad results, never exceptions', () => {
  const good = request();
  for (let len = 0; len < ARP_FRAME_LEN; len++) {
    const r = parseArp(good.subarray(0, len));
    assert.equal(r.ok, false, `length ${len}`);
    if (!r.ok) assert.equal(r.error.bad, true, `length ${len}`);
  }
  const mutate = (off: number, v: number): Buffer => {
    const b = Buffer.from(good);
    b[off] = v;
    return b;
  };
  for (const [off, v, why] of [
    [15, 6, 'hardware type'],
    [16, 0x86, 'protocol type'],
    [18, 8, 'hardware length'],
    [19, 16, 'protocol length'],
    [21, 3, 'operation'],
  ] as const) {
    const r = parseArp(mutate(off, v));
    assert.ok(!r.ok && r.error.bad, why);
  }
  const other = parseArp(mutate(13, 0x00)); // ethertype 0x0800: not ARP, ignored (not bad)
  assert.ok(!other.ok && !other.error.bad);
});

test('property: build → parse round trip', () => {
  const macArb = fc.uint8Array({ minLength: 6, maxLength: 6 });
  const ipArb = fc.uint8Array({ minLength: 4, maxLength: 4 });
  fc.assert(
    fc.property(
      macArb,
      macArb,
      fc.constantFrom(ARP_REQUEST, ARP_REPLY),
      macArb,
      ipArb,
      macArb,
      ipArb,
      (d, s, op, sm, si, tm, ti) => {
        const r = parseArp(
          buildArp({ ethDst: d, ethSrc: s, op, senderMac: sm, senderIp: si, targetMac: tm, targetIp: ti }),
        );
        assert.ok(r.ok);
        assert.deepEqual([...r.value.eth.dst], [...d]);
        assert.deepEqual([...r.value.eth.src], [...s]);
        assert.equal(r.value.arp.op, op);
        assert.deepEqual([...r.value.arp.senderMac], [...sm]);
        assert.deepEqual([...r.value.arp.senderIp], [...si]);
        assert.deepEqual([...r.value.arp.targetMac], [...tm]);
        assert.deepEqual([...r.value.arp.targetIp], [...ti]);
      },
    ),
  );
});

test('property: arbitrary bytes never throw', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 80 }), (b) => {
      const r = parseArp(b);
      assert.equal(typeof r.ok, 'boolean');
    }),
  );
});
