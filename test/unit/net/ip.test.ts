import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isIP } from 'node:net';
import fc from 'fast-check';
import { Address6 } from 'ip-address';
import {
  canonicalIp,
  familyLabel,
  familyOfLabel,
  formatIp,
  formatIpv6,
  formatIpv6Bytes,
  ipToBytes,
  ipBytes,
  ipv4Bytes,
  ipv6Bytes,
  formatIpBytes,
  formatIpv4Bytes,
  parseIp,
  strictIpFamily,
  type Family,
  type ParsedIp,
} from '../../../src/net/ip.ts';

/** The address, or the error sentence. */
function readIp(text: unknown): ParsedIp | string {
  const r = parseIp(text);
  return r.ok ? r.value : r.error;
}

function tryParseIp(text: unknown): ParsedIp | undefined {
  const r = parseIp(text);
  return r.ok ? r.value : undefined;
}

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
  assert.equal(tryParseIp(5), undefined);
});

test('parseIp says what is wrong', () => {
  assert.match(readIp('10.0.0.256') as string, /octet 256 is over 255/);
  assert.match(readIp('1.2.3') as string, /3 octets, 4 expected/);
  assert.match(readIp('1:2:3:4:5:6:7:8:9') as string, /9 groups, 8 expected/);
  assert.match(readIp('12345::') as string, /group "12345" is not 1-4 hex digits/);
  assert.match(readIp('1.2.3.4::') as string, /dotted quad is allowed only as the last 32 bits/);
  assert.match(readIp('::1.2.3.04') as string, /embedded IPv4 1\.2\.3\.04: octet 04 has leading zeroes/);
  assert.match(readIp(':1::') as string, /single ":"/);
});

test('derived helpers: family, bytes, text of bytes; undefined when not an address', () => {
  assert.equal(strictIpFamily('10.0.0.1'), 4);
  assert.equal(strictIpFamily('fe80::1'), 6);
  assert.equal(strictIpFamily('fe80::1%eth0'), undefined);
  assert.equal(strictIpFamily(undefined), undefined);
  assert.deepEqual(ipBytes('10.0.0.1'), { family: 4, bytes: Uint8Array.of(10, 0, 0, 1) });
  assert.equal(ipBytes('nope'), undefined);
  assert.deepEqual(ipv4Bytes('10.0.0.1'), Uint8Array.of(10, 0, 0, 1));
  assert.equal(ipv4Bytes('::1'), undefined);
  assert.equal(ipv6Bytes('10.0.0.1'), undefined);
  assert.equal(formatIpBytes(ipv6Bytes('2001:DB8::1') as Uint8Array), '2001:db8::1');
  assert.equal(formatIpBytes(Uint8Array.of(192, 0, 2, 1)), '192.0.2.1');
  assert.equal(formatIpv4Bytes(Uint8Array.of(9, 192, 0, 2, 1), 1), '192.0.2.1');
});

test('family labels: the outside spelling ("ipv4"/"ipv6") and back; nothing else reads as a family', () => {
  assert.equal(familyLabel(4), 'ipv4');
  assert.equal(familyLabel(6), 'ipv6');
  for (const f of [4, 6] as const) assert.equal(familyOfLabel(familyLabel(f)), f);
  for (const other of ['IPv4', 'ipv5', 'ipv4-unicast', '', 4, 6, undefined, null])
    assert.equal(familyOfLabel(other), undefined, String(other));
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
  fc.bigInt({ min: 0n, max: 2n ** 128n - 1n }).map((v) => Address6.fromBigInt(v).to4in6()),
  fc
    .array(fc.constantFrom('', '0', 'ffff', 'ABCD', '1.2.3.4', '01.2.3.4', '12345', 'g'), { maxLength: 10 })
    .map((a) => a.join(':')),
);

test('accepts exactly what node:net calls an IP (no zones), with the same value (property)', () => {
  fc.assert(
    fc.property(texts, (s) => {
      const ip = tryParseIp(s);
      const want = s.includes('%') ? 0 : isIP(s);
      assert.equal(ip === undefined ? 0 : ip.family, want, s);
      if (ip?.family === 6) assert.equal(ip.value, new Address6(s).bigInt(), s);
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
