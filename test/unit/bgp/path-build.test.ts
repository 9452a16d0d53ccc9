import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildPath, readWirePath, withdrawalPath } from '../../../src/bgp/path-build.ts';

const T = 'type.googleapis.com/apipb.';

test('IPv4 /32 with self next hop', () => {
  const b = buildPath({ prefix: '192.0.2.10/32', family: 4 });
  assert.equal(b.key, 'ipv4 192.0.2.10/32');
  assert.deepEqual(b.wire, {
    family: { afi: 'AFI_IP', safi: 'SAFI_UNICAST' },
    nlri: { '@type': `${T}IPAddressPrefix`, prefix_len: 32, prefix: '192.0.2.10' },
    pattrs: [
      { '@type': `${T}OriginAttribute`, origin: 0 },
      { '@type': `${T}NextHopAttribute`, next_hop: '0.0.0.0' },
    ],
  });
});

test('IPv6 /128 goes through MpReach with :: (self) or an explicit next hop', () => {
  const b = buildPath({ prefix: '2001:db8::10', family: 6 });
  assert.equal(b.cidr, '2001:db8::10/128');
  const mp = b.wire.pattrs.find((a) => a['@type'] === `${T}MpReachNLRIAttribute`);
  assert.deepEqual(mp, {
    '@type': `${T}MpReachNLRIAttribute`,
    family: { afi: 'AFI_IP6', safi: 'SAFI_UNICAST' },
    next_hops: ['::'],
    nlris: [{ '@type': `${T}IPAddressPrefix`, prefix_len: 128, prefix: '2001:db8::10' }],
  });
  assert.equal(
    b.wire.pattrs.some((a) => a['@type'] === `${T}NextHopAttribute`),
    false,
  );
  const e = buildPath({ prefix: '2001:db8::10/128', family: 6, nextHop: 'fd99:1::2' });
  assert.deepEqual((e.wire.pattrs[1] as { next_hops: string[] }).next_hops, ['fd99:1::2']);
});

test('communities, large communities, local-pref, med', () => {
  const b = buildPath({
    prefix: '192.0.2.10/32',
    family: 4,
    communities: ['65000:2', '65000:1', '65000:2'],
    largeCommunities: ['65000:1:2'],
    localPref: 200,
    med: 5,
  });
  const types = b.wire.pattrs.map((a) => a['@type']);
  assert.deepEqual(types, [
    `${T}OriginAttribute`,
    `${T}NextHopAttribute`,
    `${T}MultiExitDiscAttribute`,
    `${T}LocalPrefAttribute`,
    `${T}CommunitiesAttribute`,
    `${T}LargeCommunitiesAttribute`,
  ]);
  assert.deepEqual(
    b.attrs.communities,
    [(65000 << 16) + 1, (65000 << 16) + 2].map((n) => n >>> 0),
  );
  assert.deepEqual(b.wire.pattrs[5], {
    '@type': `${T}LargeCommunitiesAttribute`,
    communities: [{ global_admin: 65000, local_data1: 1, local_data2: 2 }],
  });
});

test('building refuses bad input before anything is sent', () => {
  assert.throws(() => buildPath({ prefix: '192.0.2.10/33', family: 4 }), /out of range/);
  assert.throws(
    () => buildPath({ prefix: '192.0.2.10/32', family: 4, nextHop: '::' }),
    // the message and its context spell the family as before ("ipv4"): logs and Events are grepped
    /: ipv6 next hop for an ipv4 prefix \(nextHop=:: prefix=192\.0\.2\.10\/32 family=ipv4\)$/,
  );
  assert.throws(() => buildPath({ prefix: '192.0.2.10/32', family: 4, localPref: -1 }), /localPref/);
  assert.throws(
    () => buildPath({ prefix: '192.0.2.10/32', family: 9 as 4 }),
    /: family must be ipv4 or ipv6 \(prefix=192\.0\.2\.10\/32 family=9\)$/,
  );
});

test('a listed path reads back to the same fingerprint (attribute order does not matter)', () => {
  const b = buildPath({
    prefix: '192.0.2.10/32',
    family: 4,
    communities: ['65000:1'],
    localPref: 200,
    largeCommunities: ['1:2:3'],
  });
  const listed = { family: b.wire.family, nlri: b.wire.nlri, pattrs: [...b.wire.pattrs].reverse() };
  const r = readWirePath(listed);
  assert.equal(r?.key, b.key);
  assert.equal(r?.fingerprint, b.fingerprint);
  const other = buildPath({
    prefix: '192.0.2.10/32',
    family: 4,
    communities: ['65000:2'],
    localPref: 200,
    largeCommunities: ['1:2:3'],
  });
  assert.notEqual(other.fingerprint, b.fingerprint);
  const six = buildPath({ prefix: '2001:db8::10/128', family: 6, nextHop: 'fd99:1::2' });
  assert.equal(readWirePath(six.wire)?.fingerprint, six.fingerprint);
});

test('withdrawal path carries the NLRI and a self next hop', () => {
  const w = withdrawalPath(6, '2001:db8::10/128');
  assert.equal(w.nlri.prefix, '2001:db8::10');
  assert.equal(w.nlri.prefix_len, 128);
});

test('listed paths: an unreadable prefix is skipped, an unreadable next hop kept as text, addresses canonical', () => {
  const listed = (prefix: string, nextHop: string) => ({
    family: { afi: 'AFI_IP6' as const, safi: 'SAFI_UNICAST' as const },
    nlri: { '@type': `${T}IPAddressPrefix`, prefix_len: 128, prefix },
    pattrs: [
      { '@type': `${T}MpReachNLRIAttribute`, next_hops: [nextHop], nlris: [] },
      { '@type': `${T}OriginAttribute`, origin: 0 },
    ],
  });
  assert.equal(readWirePath(listed('<nil>', '::')), undefined);
  assert.equal(readWirePath(listed('2001:DB8:0::10', 'FD00:0::1'))?.key, 'ipv6 2001:db8::10/128');
  assert.equal(readWirePath(listed('2001:db8::10', 'FD00:0::1'))?.attrs.nextHop, 'fd00::1');
  assert.equal(readWirePath(listed('2001:db8::10', 'fe80::1%eth0'))?.attrs.nextHop, 'fe80::1%eth0');
});
