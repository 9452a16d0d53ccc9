import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  formatMac,
  isSolicitedNodeAddress,
  multicastMac,
  parseMac,
  solicitedNodeAddress,
} from '../../../src/layer2/addr.ts';
import { canonicalIp, formatIpv6Bytes, ipv4Bytes, ipv6Bytes } from '../../../src/net/ip.ts';

test('IPv6 text to bytes and back follows RFC 5952', () => {
  const cases: [string, string][] = [
    ['::', '::'],
    ['::1', '::1'],
    ['fd00:99::200', 'fd00:99::200'],
    ['FD00:0099:0000:0000:0000:0000:0000:0200', 'fd00:99::200'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['::ffff:10.0.0.1', '::ffff:a00:1'],
    ['1::', '1::'],
    ['fe80::1:2:3:4', 'fe80::1:2:3:4'],
  ];
  for (const [input, want] of cases) assert.equal(canonicalIp(input), want, input);
  assert.equal(ipv6Bytes('1:2:3'), undefined);
  assert.equal(ipv6Bytes('fe80::1%eth0'), undefined);
  assert.equal(ipv6Bytes('10.0.0.1'), undefined);
});

test('IPv4 and MAC helpers', () => {
  assert.deepEqual(ipv4Bytes('10.99.0.200'), Uint8Array.of(10, 99, 0, 200));
  assert.equal(ipv4Bytes('10.99.0.256'), undefined);
  assert.equal(canonicalIp('010.1.1.1'), undefined);
  assert.equal(formatMac(parseMac('AA:bb:0c:d:ee:ff') ?? new Uint8Array()), 'aa:bb:0c:0d:ee:ff');
  assert.equal(parseMac('aa:bb:cc:dd:ee'), undefined);
});

test('solicited-node group and its MAC', () => {
  const ip = ipv6Bytes('fd00:99::12:3456') ?? assert.fail();
  const sn = solicitedNodeAddress(ip);
  assert.equal(formatIpv6Bytes(sn), 'ff02::1:ff12:3456');
  assert.ok(isSolicitedNodeAddress(sn));
  assert.equal(formatMac(multicastMac(sn)), '33:33:ff:12:34:56');
});

test('property: any 16 bytes format to text that parses back to the same bytes', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (b) => {
      assert.deepEqual(ipv6Bytes(formatIpv6Bytes(b)), b);
    }),
  );
});
