// The probes sent before the first answer, byte by byte: an RFC 5227 ARP probe and an RFC 4862 DAD
// neighbour solicitation. Neither may carry an address of ours (no neighbour cache may learn from it).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseMac } from '../../../src/layer2/addr.ts';
import { icmpv6Checksum } from '../../../src/layer2/checksum.ts';
import { parseArp } from '../../../src/layer2/arp.ts';
import { parseNdp } from '../../../src/layer2/ndp.ts';
import { probeFrame } from '../../../src/layer2/speaker/conflicts.ts';

const OURS = parseMac('02:00:00:00:00:0a') ?? assert.fail();

test('ARP probe (RFC 5227 §2.1.1): broadcast request, sender IP 0.0.0.0, target MAC zero, target the candidate', () => {
  const f = probeFrame(OURS, '10.99.0.1') ?? assert.fail();
  assert.equal(
    f.toString('hex'),
    [
      'ffffffffffff',
      '02000000000a',
      '0806', // Ethernet: broadcast, from us, ARP
      '0001',
      '0800',
      '06',
      '04',
      '0001', // Ethernet/IPv4, lengths 6/4, request
      '02000000000a',
      '00000000', // sender: our MAC, 0.0.0.0
      '000000000000',
      '0a630001', // target: zero MAC, 10.99.0.1
    ].join(''),
  );
  const p = parseArp(f);
  assert.ok(p.ok);
});

test('DAD solicitation (RFC 4862 §5.4.2): from ::, to the solicited-node group, hop limit 255, no source link-layer option', () => {
  const f = probeFrame(OURS, 'fd99::1:2') ?? assert.fail();
  const hex = f.toString('hex');
  assert.equal(hex.slice(0, 28), '3333ff010002' + '02000000000a' + '86dd'); // 33:33 + low 32 bits of ff02::1:ff01:2
  const ip = f.subarray(14, 54);
  assert.equal(ip.readUInt16BE(4), 24, 'payload: the NS alone, no option');
  assert.deepEqual([ip[6], ip[7]], [58, 255]);
  assert.equal(ip.subarray(8, 24).toString('hex'), '0'.repeat(32), 'source ::');
  assert.equal(ip.subarray(24, 40).toString('hex'), 'ff0200000000000000000001ff010002');
  const icmp = f.subarray(54);
  assert.equal(icmp.length, 24);
  assert.deepEqual([icmp[0], icmp[1]], [135, 0]);
  assert.equal(icmp.readUInt32BE(4), 0, 'reserved');
  assert.equal(icmp.subarray(8, 24).toString('hex'), 'fd990000000000000000000000010002');
  assert.equal(icmpv6Checksum(ip.subarray(8, 24), ip.subarray(24, 40), icmp), 0);
  const p = parseNdp(f);
  assert.ok(p.ok, 'passes the receive-side validity checks (DAD rules)');
  assert.equal(p.value.ndp.sourceLinkAddr, undefined);
});

test('not an address: no frame', () => {
  assert.equal(probeFrame(OURS, 'nope'), undefined);
});
