import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AS_TRANS,
  checkWireExtendedCommunities,
  linkBandwidthAsn,
  linkBandwidthAttribute,
  readLinkBandwidth,
  validateLinkBandwidth,
} from '../../../src/bgp/link-bandwidth.ts';
import { buildPath, describeAttributes, readWirePath } from '../../../src/bgp/path-build.ts';
import { gracefulShutdownDesired } from '../../../src/bgp/graceful-shutdown.ts';
import { BgpValidationError } from '../../../src/bgp/validate.ts';

const T = 'type.googleapis.com/apipb.';

test('a 4-octet local AS is carried as AS_TRANS 23456 (RFC 10005 / RFC 6793)', () => {
  assert.equal(AS_TRANS, 23456);
  assert.equal(linkBandwidthAsn(64600), 64600);
  assert.equal(linkBandwidthAsn(65535), 65535);
  assert.equal(linkBandwidthAsn(65536), AS_TRANS);
  assert.equal(linkBandwidthAsn(4_200_000_000), AS_TRANS);
});

test('validation: 2-octet AS, finite non-negative float32 bandwidth; rounded to float32', () => {
  assert.deepEqual(validateLinkBandwidth({ asn: 64600, bytesPerSecond: 375_000 }), {
    asn: 64600,
    bytesPerSecond: 375_000,
  });
  assert.deepEqual(validateLinkBandwidth({ asn: 0, bytesPerSecond: 0 }), { asn: 0, bytesPerSecond: 0 });
  assert.equal(
    validateLinkBandwidth({ asn: 1, bytesPerSecond: 123_456_789 }).bytesPerSecond,
    Math.fround(123_456_789),
  );
  for (const [lb, why] of [
    [{ asn: 65536, bytesPerSecond: 1 }, /2-octet AS/],
    [{ asn: -1, bytesPerSecond: 1 }, /2-octet AS/],
    [{ asn: 1.5, bytesPerSecond: 1 }, /2-octet AS/],
    [{ asn: 1, bytesPerSecond: Number.NaN }, /finite number/],
    [{ asn: 1, bytesPerSecond: Infinity }, /finite number/],
    [{ asn: 1, bytesPerSecond: -1 }, /finite number/],
    [{ asn: 1, bytesPerSecond: 1e39 }, /finite number/],
  ] as const)
    assert.throws(
      () => validateLinkBandwidth(lb, { prefix: '192.0.2.1/32' }),
      (e: unknown) =>
        e instanceof BgpValidationError && why.test(e.message) && /192\.0\.2\.1\/32/.test(e.message),
    );
});

test('wire: an ExtendedCommunitiesAttribute holding one LinkBandwidthExtended, read back equal', () => {
  const lb = { asn: 64600, bytesPerSecond: 250_000 };
  const a = linkBandwidthAttribute(lb);
  assert.deepEqual(a, {
    '@type': `${T}ExtendedCommunitiesAttribute`,
    communities: [{ '@type': `${T}LinkBandwidthExtended`, asn: 64600, bandwidth: 250_000 }],
  });
  assert.deepEqual(readLinkBandwidth(a), lb);
  // gobgpd lists other extended communities alongside; only ours is read
  assert.deepEqual(
    readLinkBandwidth({
      '@type': `${T}ExtendedCommunitiesAttribute`,
      communities: [
        { '@type': `${T}TwoOctetAsSpecificExtended`, asn: 1, local_admin: 2 },
        ...a['communities'],
      ],
    }),
    lb,
  );
  assert.equal(
    readLinkBandwidth({ '@type': `${T}ExtendedCommunitiesAttribute`, communities: [] }),
    undefined,
  );
  checkWireExtendedCommunities(a, {});
  assert.throws(
    () =>
      checkWireExtendedCommunities(
        { communities: [{ '@type': `${T}LinkBandwidthExtended`, asn: 70000, bandwidth: 1 }] },
        {},
      ),
    /2-octet AS/,
  );
});

test('buildPath: the attribute goes last, the fingerprint tells bandwidths apart, a listed path compares equal', () => {
  const d = { prefix: '198.51.100.9', family: 4 as const };
  const one = buildPath({ ...d, linkBandwidth: { asn: 64600, bytesPerSecond: 125_000 } });
  const three = buildPath({ ...d, linkBandwidth: { asn: 64600, bytesPerSecond: 375_000 } });
  const plain = buildPath(d);
  assert.deepEqual(one.wire.pattrs.at(-1), linkBandwidthAttribute({ asn: 64600, bytesPerSecond: 125_000 }));
  assert.equal(
    plain.wire.pattrs.some((a) => a['@type'] === `${T}ExtendedCommunitiesAttribute`),
    false,
  );
  assert.notEqual(one.fingerprint, three.fingerprint);
  assert.notEqual(one.fingerprint, plain.fingerprint);
  const listed = readWirePath(one.wire);
  assert.equal(listed?.fingerprint, one.fingerprint);
  assert.deepEqual(listed?.attrs.linkBandwidth, { asn: 64600, bytesPerSecond: 125_000 });
  assert.match(describeAttributes(one.attrs), /link-bandwidth 64600:125000B\/s/);
  // rounding happens before the fingerprint: the float32 gobgpd lists back is the same value
  const odd = buildPath({ ...d, linkBandwidth: { asn: 1, bytesPerSecond: 0.1 } });
  assert.equal(readWirePath(odd.wire)?.fingerprint, odd.fingerprint);
  assert.throws(
    () => buildPath({ ...d, linkBandwidth: { asn: 1, bytesPerSecond: -5 } }),
    /link bandwidth must be a finite number.*prefix=198\.51\.100\.9/,
  );
});

test('graceful shutdown keeps the link bandwidth while it adds 65535:0', () => {
  const held = readWirePath(
    buildPath({ prefix: '198.51.100.9', family: 4, linkBandwidth: { asn: 1, bytesPerSecond: 125_000 } }).wire,
  );
  assert.ok(held);
  assert.deepEqual(gracefulShutdownDesired(held).linkBandwidth, { asn: 1, bytesPerSecond: 125_000 });
});
