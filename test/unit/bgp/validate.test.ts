import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  BgpValidationError,
  parseCommunity,
  parseLargeCommunity,
  parsePrefix,
  validateNextHop,
  validateWirePath,
} from '../../../src/bgp/validate.ts';
import { buildPath } from '../../../src/bgp/path-build.ts';

const refuses = (fn: () => unknown, re: RegExp) =>
  assert.throws(fn, (e: unknown) => e instanceof BgpValidationError && re.test(e.message));

test('prefixes: canonical forms accepted', () => {
  assert.equal(parsePrefix('192.0.2.10/32').cidr, '192.0.2.10/32');
  assert.equal(parsePrefix('192.0.2.10').cidr, '192.0.2.10/32');
  assert.equal(parsePrefix('2001:DB8:0::10').cidr, '2001:db8::10/128');
  assert.equal(parsePrefix('198.51.100.0/24').length, 24);
  assert.equal(parsePrefix('2001:db8::/64', { family: 6 }).family, 6);
});

test('prefixes: length beyond the family, garbage, host bits, wrong family', () => {
  refuses(() => parsePrefix('192.0.2.10/33'), /prefix length \/33 is out of range for IPv4 \(0-32\)/);
  refuses(() => parsePrefix('2001:db8::1/129'), /prefix length \/129 is out of range for IPv6 \(0-128\)/);
  refuses(() => parsePrefix('198.51.100.300/32'), /not an IP address/);
  refuses(() => parsePrefix('not-an-ip'), /not an IP address/);
  refuses(() => parsePrefix('192.0.2.1/-1'), /not a number/);
  refuses(() => parsePrefix('192.0.2.1/'), /not a number/);
  refuses(() => parsePrefix('198.51.100.8/24'), /host bits set: did you mean 198\.51\.100\.0\/24/);
  refuses(() => parsePrefix('192.0.2.10/32', { family: 6 }), /prefix is ipv4 but the path family is ipv6/);
  refuses(() => parsePrefix('fe80::1%eth0'), /not an IP address/);
});

test('prefixes: special-purpose ranges refused', () => {
  for (const p of [
    '0.0.0.0/0',
    '0.0.0.0/32',
    '127.0.0.1/32',
    '224.0.0.1/32',
    '255.255.255.255/32',
    '169.254.1.1/32',
    '::/0',
    '::/128',
    '::1/128',
    'ff02::1/128',
    'fe80::1/128',
    '::ffff:192.0.2.1/128',
    '192.0.0.0/2',
  ])
    refuses(() => parsePrefix(p), /overlaps/);
});

test('errors carry their context', () => {
  try {
    parsePrefix('192.0.2.10/33', { context: { service: 'default/web' } });
    assert.fail('no error');
  } catch (e) {
    assert.ok(e instanceof BgpValidationError);
    assert.equal(e.context.service, 'default/web');
    assert.match(e.message, /prefix=192\.0\.2\.10\/33/);
    assert.match(e.message, /service=default\/web/);
  }
});

test('next hops: self, family, forbidden', () => {
  assert.equal(validateNextHop('0.0.0.0', 4).address, '0.0.0.0');
  assert.equal(validateNextHop('::', 6).address, '::');
  assert.equal(validateNextHop('10.99.1.2', 4).address, '10.99.1.2');
  refuses(() => validateNextHop('fd99:1::2', 4), /ipv6 next hop for an ipv4 prefix/);
  refuses(() => validateNextHop('10.0.0.1', 6), /ipv4 next hop for an ipv6 prefix/);
  refuses(() => validateNextHop('127.0.0.1', 4), /loopback/);
  refuses(() => validateNextHop('224.0.0.5', 4), /multicast/);
  refuses(() => validateNextHop('fe80::1', 6), /link-local/);
  refuses(() => validateNextHop('', 4), /empty/);
});

test('communities', () => {
  assert.equal(parseCommunity('65000:100'), (65000 * 65536 + 100) >>> 0);
  assert.equal(parseCommunity('no-export'), 0xffffff01);
  refuses(() => parseCommunity('65536:1'), /community/);
  refuses(() => parseCommunity('1:2:3'), /community/);
  assert.deepEqual(parseLargeCommunity('4200000000:1:2'), {
    global_admin: 4200000000,
    local_data1: 1,
    local_data2: 2,
  });
  refuses(() => parseLargeCommunity('4294967296:1:2'), /large community/);
});

test('wire paths are re-validated (a hand-made /33 never passes)', () => {
  const good = buildPath({ prefix: '192.0.2.10/32', family: 4 }).wire;
  assert.equal(validateWirePath(good).cidr, '192.0.2.10/32');
  refuses(() => validateWirePath({ ...good, nlri: { ...good.nlri, prefix_len: 33 } }), /out of range/);
  refuses(() => validateWirePath({ ...good, pattrs: good.pattrs.slice(0, 1) }), /no next hop/);
  refuses(
    () => validateWirePath({ ...good, family: { afi: 'AFI_IP6', safi: 'SAFI_UNICAST' } }),
    /ipv4 but the path family is ipv6/,
  );
  refuses(
    () => validateWirePath({ ...good, nlri: { ...good.nlri, '@type': 'apipb.IPAddressPrefix' } }),
    /NLRI must be/,
  );
});

test('property: every accepted IPv4 prefix has no host bits and length ≤ 32', () => {
  fc.assert(
    fc.property(fc.ipV4(), fc.integer({ min: -2, max: 40 }), (ip, len) => {
      try {
        const p = parsePrefix(`${ip}/${len}`);
        assert.ok(p.length <= 32 && p.length >= 0);
        assert.equal(p.value & ((1n << BigInt(32 - p.length)) - 1n), 0n);
      } catch (e) {
        assert.ok(e instanceof BgpValidationError);
      }
    }),
  );
});
