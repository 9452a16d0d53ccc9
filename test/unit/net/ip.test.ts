import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isIP } from 'node:net';
import fc from 'fast-check';
import { Address6 } from 'ip-address';
import {
  canonicalIp,
  formatIp,
  formatIpv6,
  formatIpv6Bytes,
  ipToBytes,
  readIp,
  tryParseIp,
  type Family,
} from '../../../src/net/ip.ts';

test('readIp: the address, or a sentence quoting the text', () => {
  assert.deepEqual(readIp('10.0.0.1'), { family: 4, value: 0x0a000001n });
  assert.deepEqual(readIp('::ffff:10.0.0.1'), { family: 6, value: 0xffff0a000001n });
  assert.equal(readIp(''), 'empty address');
  assert.equal(readIp(' 10.0.0.1'), 'contains whitespace');
  assert.match(readIp('fe80::1%eth0') as string, /zone index in "fe80::1%eth0"/);
  assert.match(readIp('010.0.0.1') as string, /"010\.0\.0\.1" is not an IPv4 address \(.*leading zeroes/);
  assert.match(readIp('1::2::3') as string, /"1::2::3" is not an IPv6 address/);
  assert.equal(readIp('garbage'), '"garbage" is not an IP address');
  assert.equal(tryParseIp('10.0.0.0/24'), undefined);
  assert.equal(tryParseIp(5 as unknown as string), undefined);
});

test('bytes are network order, 4 or 16 of them', () => {
  assert.deepEqual(ipToBytes({ family: 4, value: 0x0a630007n }), Uint8Array.of(10, 99, 0, 7));
  const six = ipToBytes({ family: 6, value: 0x20010db8000000000000000000000001n });
  assert.deepEqual([...six], [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
  assert.equal(formatIpv6Bytes(Uint8Array.of(9, ...six), 1), '2001:db8::1');
});

test('canonical text: dotted quad, RFC 5952', () => {
  assert.equal(canonicalIp('FD00:0099:0000:0000:0000:0000:0000:0200'), 'fd00:99::200');
  assert.equal(canonicalIp('2001:db8:0:0:1:0:0:1'), '2001:db8::1:0:0:1');
  assert.equal(canonicalIp('10.99.0.7'), '10.99.0.7');
  assert.equal(canonicalIp('10.99.0.256'), undefined);
});

// ---- properties ----

const texts = fc.oneof(
  fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF:.'), maxLength: 40 }),
  fc.tuple(fc.nat(300), fc.nat(300), fc.nat(300), fc.nat(300)).map((q) => q.join('.')),
  fc.bigInt({ min: 0n, max: 2n ** 128n - 1n }).map((v) => Address6.fromBigInt(v).correctForm()),
);

test('accepts exactly what node:net calls an IP (no zones) (property)', () => {
  fc.assert(
    fc.property(texts, (s) => {
      const ip = tryParseIp(s);
      const want = s.includes('%') ? 0 : isIP(s);
      assert.equal(ip === undefined ? 0 : ip.family, want, s);
    }),
    { numRuns: 20_000 },
  );
});

test('text → value → bytes → text round trips (property)', () => {
  const family = fc.constantFrom<Family>(4, 6);
  const value = (f: Family): fc.Arbitrary<bigint> =>
    fc.bigInt({ min: 0n, max: 2n ** BigInt(f === 4 ? 32 : 128) - 1n });
  fc.assert(
    fc.property(
      family.chain((f) => fc.tuple(fc.constant(f), value(f))),
      ([f, v]) => {
        const text = formatIp(f, v);
        assert.deepEqual(tryParseIp(text), { family: f, value: v });
        const b = ipToBytes({ family: f, value: v });
        assert.equal(b.length, f === 4 ? 4 : 16);
        if (f === 6) assert.equal(formatIpv6Bytes(b), formatIpv6(v));
      },
    ),
  );
});
