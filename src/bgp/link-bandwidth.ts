// The BGP link bandwidth extended community (RFC 10005, formerly draft-ietf-idr-link-bandwidth):
// type 0x40 (two-octet-AS specific, non-transitive), sub-type 0x04, the 2-octet AS of the
// originator and the bandwidth in bytes per second as an IEEE-754 float32. Routers that honour it
// (FRR) weight their ECMP next hops by it. Pure: validation and the gobgp API shape, no I/O.
//
// gobgp 3.10 takes it as `apipb.LinkBandwidthExtended {asn, bandwidth}` inside an
// ExtendedCommunitiesAttribute and lists it back in the same form (test/bgp/proto-compat.test.ts
// and test/bgp/paths.test.ts hold gobgpd to that).
import { ANY_PREFIX, type WireAny } from './client/wire.ts';
import { BgpValidationError } from './validation-error.ts';

export interface LinkBandwidth {
  /** 2-octet AS of the originator (AS_TRANS for a 4-octet local AS) */
  readonly asn: number;
  /** bytes per second, a float32 value (what travels on the wire) */
  readonly bytesPerSecond: number;
}

/** RFC 6793 AS_TRANS: what RFC 10005 puts in the AS field when the local AS needs 4 octets. */
export const AS_TRANS = 23456;

const FLOAT32_MAX = 3.4028234663852886e38;

export const EXTENDED_COMMUNITIES_TYPE = `${ANY_PREFIX}ExtendedCommunitiesAttribute`;
export const LINK_BANDWIDTH_TYPE = `${ANY_PREFIX}LinkBandwidthExtended`;

/** The AS a link bandwidth community carries for a speaker whose AS is `localAsn`. */
export function linkBandwidthAsn(localAsn: number): number {
  return localAsn > 0xffff ? AS_TRANS : localAsn;
}

/**
 * Checks a link bandwidth before it goes near gobgpd and rounds the bandwidth to float32, so the
 * value listed back from gobgpd compares equal to the one desired.
 */
export function validateLinkBandwidth(
  lb: LinkBandwidth,
  context: Record<string, unknown> = {},
): LinkBandwidth {
  const ctx = { linkBandwidth: lb, ...context };
  if (typeof lb !== 'object' || lb === null)
    throw new BgpValidationError('link bandwidth must be an object', ctx);
  if (!Number.isInteger(lb.asn) || lb.asn < 0 || lb.asn > 0xffff)
    throw new BgpValidationError(
      `link bandwidth AS must be a 2-octet AS number (0-65535; AS_TRANS ${AS_TRANS} for a 4-octet AS)`,
      ctx,
    );
  const bw = lb.bytesPerSecond;
  if (typeof bw !== 'number' || !Number.isFinite(bw) || bw < 0 || bw > FLOAT32_MAX)
    throw new BgpValidationError('link bandwidth must be a finite number of bytes per second, >= 0', ctx);
  return { asn: lb.asn, bytesPerSecond: Math.fround(bw) };
}

/** The ExtendedCommunitiesAttribute carrying `lb`, for a Path's pattrs. */
export function linkBandwidthAttribute(lb: LinkBandwidth): WireAny {
  return {
    '@type': EXTENDED_COMMUNITIES_TYPE,
    communities: [{ '@type': LINK_BANDWIDTH_TYPE, asn: lb.asn, bandwidth: lb.bytesPerSecond }],
  };
}

function typeName(a: unknown): string {
  if (typeof a !== 'object' || a === null) return '';
  const r = a as Record<string, unknown>;
  const t = r['@type'] ?? r['type_url'];
  return typeof t === 'string' ? t.slice(t.lastIndexOf('/') + 1) : '';
}

/** The link bandwidth in a listed ExtendedCommunitiesAttribute, if it carries one. */
export function readLinkBandwidth(attr: WireAny): LinkBandwidth | undefined {
  const list = attr['communities'];
  if (!Array.isArray(list)) return undefined;
  for (const c of list) {
    if (typeName(c) !== 'apipb.LinkBandwidthExtended') continue;
    const { asn, bandwidth } = c as { asn?: unknown; bandwidth?: unknown };
    if (typeof asn === 'number' && typeof bandwidth === 'number')
      return { asn, bytesPerSecond: Math.fround(bandwidth) };
  }
  return undefined;
}

/**
 * The client's last check on a wire ExtendedCommunitiesAttribute: every LinkBandwidthExtended in it
 * holds a 2-octet AS and a finite, non-negative float32 bandwidth.
 */
export function checkWireExtendedCommunities(attr: WireAny, context: Record<string, unknown>): void {
  const list = attr['communities'];
  if (!Array.isArray(list))
    throw new BgpValidationError('ExtendedCommunitiesAttribute needs a communities list', context);
  for (const c of list) {
    if (typeName(c) !== 'apipb.LinkBandwidthExtended') continue;
    const { asn, bandwidth } = c as { asn?: unknown; bandwidth?: unknown };
    validateLinkBandwidth({ asn: asn as number, bytesPerSecond: bandwidth as number }, context);
  }
}

/** `65001:1.25e+5B/s`: for logs and Events. */
export function formatLinkBandwidth(lb: LinkBandwidth): string {
  return `${lb.asn}:${lb.bytesPerSecond}B/s`;
}
