import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Address6 } from 'ip-address';
import {
  parsePoolAddress,
  poolContains,
  poolsOverlap,
  type Family,
  type PoolRange,
} from '../../../src/ipam/index.ts';
import { formatIp, formatIpv6, parseIp, type ParsedIp } from '../../../src/net/ip.ts';

/** The pool a valid address text reads as. */
function pool(text: string): PoolRange {
  const r = parsePoolAddress(text);
  if (!r.ok) assert.fail(`${text}: ${r.error}`);
  return r.value;
}

function ip(text: string): ParsedIp {
  const r = parseIp(text);
  if (!r.ok) assert.fail(r.error);
  return r.value;
}

/** Why an invalid address text is refused. */
function refusal(text: string): string {
  const r = parsePoolAddress(text);
  if (r.ok) assert.fail(`${text} was accepted`);
  return r.error;
}

test('the seed range: 9 addresses, v4', () => {
  const r = pool('192.168.0.100-192.168.0.108');
  assert.equal(r.family, 4);
  assert.equal(r.form, 'range');
  assert.equal(r.size, 9n);
  assert.equal(formatIp(4, r.first), '192.168.0.100');
  assert.equal(formatIp(4, r.last), '192.168.0.108');
});

test('single IP, CIDR edges, IPv6', () => {
  assert.equal(pool('10.0.0.7').size, 1n);
  const c24 = pool('10.0.0.0/24');
  assert.equal(c24.size, 254n);
  assert.equal(formatIp(4, c24.first), '10.0.0.1');
  assert.equal(formatIp(4, c24.last), '10.0.0.254');
  assert.deepEqual(
    [c24.span.first, c24.span.last].map((v) => formatIp(4, v)),
    ['10.0.0.0', '10.0.0.255'],
  );
  assert.equal(pool('10.0.0.0/31').size, 2n);
  assert.equal(pool('10.0.0.9/32').size, 1n);
  assert.equal(pool('0.0.0.0/0').size, 2n ** 32n - 2n);
  const h = pool('10.0.0.5/24');
  assert.equal(h.hostBitsSet, true);
  assert.equal(formatIp(4, h.first), '10.0.0.1');
  const v6 = pool('2001:db8::/64');
  assert.equal(v6.family, 6);
  assert.equal(v6.size, 2n ** 64n - 1n); // all-zeros anycast skipped
  assert.equal(formatIp(6, v6.first), '2001:db8::1');
  assert.equal(formatIp(6, v6.last), '2001:db8::ffff:ffff:ffff:ffff');
  assert.equal(pool('2001:db8::/127').size, 2n);
  assert.equal(pool('::/0').size, 2n ** 128n - 1n);
  const r6 = pool('2001:db8::10-2001:db8::1:0');
  assert.equal(r6.size, 0x1_0000n - 0x10n + 1n);
});

test('errors quote the value and say what is wrong', () => {
  const cases: Array<[string, RegExp]> = [
    ['10.0.0.9-10.0.0.1', /"10\.0\.0\.9-10\.0\.0\.1": range start 10\.0\.0\.9 is after its end 10\.0\.0\.1/],
    ['10.0.0.0/33', /"10\.0\.0\.0\/33": prefix length \/33 is out of range for IPv4 \(0-32\)/],
    ['2001:db8::/129', /prefix length \/129 is out of range for IPv6 \(0-128\)/],
    ['10.0.0.1-2001:db8::1', /range mixes IPv4 \(10\.0\.0\.1\) and IPv6 \(2001:db8::1\)/],
    ['garbage', /"garbage": "garbage" is not an IP address/],
    ['10.0.0.256', /not an IPv4 address/],
    ['010.0.0.1', /leading zeroes/],
    ['1::2::3', /not an IPv6 address/],
    ['fe80::1%eth0', /zone index/],
    ['10.0.0.1 - 10.0.0.5', /whitespace/],
    ['10.0.0.1-10.0.0.2-10.0.0.3', /exactly one "-"/],
    ['10.0.0.0/24-10.0.1.0/24', /without prefix lengths/],
    ['10.0.0.0/x', /prefix length "x" is not a number/],
    ['10.0.0.0/24/1', /more than one "\/"/],
    ['', /empty/],
  ];
  for (const [value, re] of cases) {
    const why = refusal(value);
    assert.match(why, re, value);
    assert.ok(why.startsWith(`address ${JSON.stringify(value)}: `), why);
  }
});

test('membership and overlap', () => {
  const a = pool('192.168.0.100-192.168.0.108');
  assert.ok(poolContains(a, ip('192.168.0.104')));
  assert.ok(!poolContains(a, ip('192.168.0.109')));
  assert.ok(!poolContains(a, ip('::ffff:192.168.0.104')));
  assert.ok(poolsOverlap(a, pool('192.168.0.108')));
  assert.ok(poolsOverlap(a, pool('192.168.0.0/24')));
  assert.ok(!poolsOverlap(a, pool('192.168.0.109-192.168.0.200')));
  // edge addresses count for overlap even though they are not handed out
  assert.ok(poolsOverlap(pool('10.0.0.0/24'), pool('10.0.0.255')));
  assert.ok(!poolsOverlap(pool('10.0.0.0/24'), pool('::a00:0/120')));
});

// ---- properties ----

const v4 = fc.integer({ min: 0, max: 2 ** 32 - 1 }).map((n) => BigInt(n));
const v6 = fc.bigInt({ min: 0n, max: 2n ** 128n - 1n });
const ipOf = (f: Family): fc.Arbitrary<bigint> => (f === 4 ? v4 : v6);
const family = fc.constantFrom<Family>(4, 6);

test('formatIpv6 matches ip-address correctForm and parses back (property)', () => {
  const sparse = fc
    .array(fc.constantFrom(0, 0, 0, 1, 0xffff, 0xdb8), { minLength: 8, maxLength: 8 })
    .map((g) => g.reduce((acc, x) => (acc << 16n) | BigInt(x), 0n));
  fc.assert(
    fc.property(fc.oneof(v6, sparse), (v) => {
      const s = formatIpv6(v);
      assert.equal(s, Address6.fromBigInt(v).correctForm());
      assert.deepEqual(parseIp(s), { ok: true, value: { family: 6, value: v } });
    }),
    { numRuns: 3000 },
  );
});

test('range text round trip: size, bounds, canonical form (property)', () => {
  fc.assert(
    fc.property(
      family.chain((f) => fc.tuple(fc.constant(f), ipOf(f), ipOf(f))),
      ([f, x, y]) => {
        const [lo, hi] = x <= y ? [x, y] : [y, x];
        const text = `${formatIp(f, lo)}-${formatIp(f, hi)}`;
        const r = pool(text);
        assert.equal(r.family, f);
        assert.equal(r.first, lo);
        assert.equal(r.last, hi);
        assert.equal(r.size, hi - lo + 1n);
        if (lo !== hi) assert.match(refusal(`${formatIp(f, hi)}-${formatIp(f, lo)}`), /is after its end/);
      },
    ),
  );
});

test('CIDR size and edges (property)', () => {
  fc.assert(
    fc.property(
      family.chain((f) => fc.tuple(fc.constant(f), ipOf(f), fc.integer({ min: 0, max: f === 4 ? 32 : 128 }))),
      ([f, ip, len]) => {
        const bits = f === 4 ? 32 : 128;
        const r = pool(`${formatIp(f, ip)}/${len}`);
        const block = 2n ** BigInt(bits - len);
        assert.equal(r.span.last - r.span.first + 1n, block);
        assert.equal(r.span.first % block, 0n);
        const skipped = f === 4 ? (len < 31 ? 2n : 0n) : len < 127 ? 1n : 0n;
        assert.equal(r.size, block - skipped);
        assert.ok(r.first >= r.span.first && r.last <= r.span.last);
        assert.ok(
          r.first >= r.span.first && r.first <= ip + block && ip >= r.span.first && ip <= r.span.last,
        );
      },
    ),
  );
});

test('overlap is symmetric and agrees with a shared member (property)', () => {
  const pools = family.chain((f) =>
    fc.tuple(ipOf(f), fc.bigInt({ min: 0n, max: 1000n })).map(([a, n]) => {
      const max = f === 4 ? 2n ** 32n - 1n : 2n ** 128n - 1n;
      const b = a + n > max ? max : a + n;
      return `${formatIp(f, a)}-${formatIp(f, b)}`;
    }),
  );
  fc.assert(
    fc.property(pools, pools, (x, y) => {
      const a = pool(x);
      const b = pool(y);
      const o = poolsOverlap(a, b);
      assert.equal(o, poolsOverlap(b, a));
      assert.ok(poolsOverlap(a, a));
      if (o) {
        const m = a.first > b.first ? a.first : b.first;
        assert.ok(
          poolContains(a, { family: a.family, value: m }) && poolContains(b, { family: b.family, value: m }),
        );
      }
    }),
  );
  // near-misses are common enough to matter: adjacent ranges never overlap
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 2 ** 32 - 2 }), (n) => {
      const a = pool(`0.0.0.0-${formatIp(4, BigInt(n - 1))}`);
      const b = pool(`${formatIp(4, BigInt(n))}-255.255.255.255`);
      assert.ok(!poolsOverlap(a, b));
    }),
  );
});
