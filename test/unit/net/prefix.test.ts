import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseIp, type Family, type ParsedIp } from '../../../src/net/ip.ts';
import {
  coveringPrefixLength,
  parsePrefixLength,
  prefixSpan,
  spanHolds,
  spansOverlap,
} from '../../../src/net/prefix.ts';
import { SPECIAL_RANGES, specialRangeHolding, specialRangeOverlapping } from '../../../src/net/special.ts';

function ip(text: string): ParsedIp {
  const r = parseIp(text);
  if (!r.ok) assert.fail(r.error);
  return r.value;
}

test('prefix length: a number within the family, the error quotes the text', () => {
  assert.deepEqual(parsePrefixLength('24', 4), { ok: true, value: 24 });
  assert.deepEqual(parsePrefixLength('128', 6), { ok: true, value: 128 });
  assert.deepEqual(parsePrefixLength('33', 4), {
    ok: false,
    error: 'prefix length /33 is out of range for IPv4 (0-32)',
  });
  assert.deepEqual(parsePrefixLength('x', 6), { ok: false, error: 'prefix length "x" is not a number' });
  assert.equal(parsePrefixLength('', 4).ok, false);
  assert.equal(parsePrefixLength('-1', 4).ok, false);
  assert.equal(parsePrefixLength('0024', 4).ok, false);
});

test('prefix span: network to last address, host bits ignored', () => {
  assert.deepEqual(prefixSpan(4, ip('10.0.0.5').value, 24), {
    family: 4,
    first: ip('10.0.0.0').value,
    last: ip('10.0.0.255').value,
  });
  assert.deepEqual(prefixSpan(6, 0n, 0), { family: 6, first: 0n, last: 2n ** 128n - 1n });
  assert.ok(spanHolds(prefixSpan(4, ip('10.0.0.0').value, 8), ip('10.255.0.1')));
  assert.ok(!spanHolds(prefixSpan(4, ip('10.0.0.0').value, 8), ip('::a00:1')));
});

test('span overlap is symmetric and means a shared address (property)', () => {
  const span = fc
    .tuple(fc.constantFrom<Family>(4, 6), fc.bigInt({ min: 0n, max: 2n ** 32n - 1n }), fc.nat(32))
    .map(([family, v, len]) => prefixSpan(family, v, len));
  fc.assert(
    fc.property(span, span, (a, b) => {
      const o = spansOverlap(a, b);
      assert.equal(o, spansOverlap(b, a));
      const m = a.first > b.first ? a.first : b.first;
      const shared =
        spanHolds(a, { family: a.family, value: m }) && spanHolds(b, { family: a.family, value: m });
      assert.equal(o, shared);
    }),
  );
});

test('special-purpose ranges: listed once, found by overlap and by membership', () => {
  assert.equal(SPECIAL_RANGES.length, 10);
  assert.equal(specialRangeHolding(ip('127.0.0.1'))?.why, 'loopback');
  assert.equal(specialRangeHolding(ip('ff02::1'))?.why, 'multicast');
  assert.equal(specialRangeHolding(ip('::ffff:192.0.2.1'))?.cidr, '::ffff:0:0/96');
  assert.equal(specialRangeHolding(ip('192.0.2.1')), undefined);
  assert.equal(specialRangeHolding(ip('::2')), undefined);
  assert.equal(specialRangeOverlapping(prefixSpan(4, ip('192.0.0.0').value, 2))?.cidr, '224.0.0.0/4');
  assert.equal(specialRangeOverlapping(prefixSpan(4, ip('198.51.100.0').value, 24)), undefined);
  assert.equal(specialRangeOverlapping(prefixSpan(6, 0n, 0))?.cidr, '::/128');
});

test('coveringPrefixLength: the longest prefix holding the whole span', () => {
  const span = (a: string, b: string) => ({ family: ip(a).family, first: ip(a).value, last: ip(b).value });
  assert.equal(coveringPrefixLength(span('10.0.0.10', '10.0.0.20')), 27);
  assert.equal(coveringPrefixLength(span('10.0.0.0', '10.0.0.255')), 24);
  assert.equal(coveringPrefixLength(span('10.0.0.7', '10.0.0.7')), 32);
  assert.equal(coveringPrefixLength(span('10.0.0.255', '10.0.1.0')), 23);
  assert.equal(coveringPrefixLength(span('2001:db8::1', '2001:db8::ff')), 120);
  assert.equal(coveringPrefixLength(span('0.0.0.0', '255.255.255.255')), 0);
});
