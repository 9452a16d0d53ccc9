import type { DesiredPath, IpFamily } from './types.ts';
import { ANY_PREFIX, type WireAny, type WireFamily, type WirePath } from './client/wire.ts';
import {
  BgpValidationError,
  formatCommunity,
  parseAddress,
  parseCommunity,
  parseLargeCommunity,
  parsePrefix,
  validateNextHop,
  validateUint32,
  wirePathNextHop,
  type LargeCommunity,
} from './validate.ts';

// Pure: desired path ↔ gobgp Path message. No I/O.

export const FAMILY: Readonly<Record<IpFamily, WireFamily>> = {
  ipv4: { afi: 'AFI_IP', safi: 'SAFI_UNICAST' },
  ipv6: { afi: 'AFI_IP6', safi: 'SAFI_UNICAST' },
};

export const SELF_NEXT_HOP: Readonly<Record<IpFamily, string>> = { ipv4: '0.0.0.0', ipv6: '::' };

const ORIGIN_IGP = 0;

/** What a path announces, normalised so that built and listed paths compare equal. */
export interface PathAttributes {
  nextHop: string;
  /** sorted, deduplicated 32-bit values */
  communities: number[];
  /** sorted, deduplicated `a:b:c` */
  largeCommunities: string[];
  localPref?: number;
  med?: number;
}

export interface BuiltPath {
  /** `${family} ${cidr}`: gobgpd keeps one local path per prefix, so this identifies it */
  key: string;
  family: IpFamily;
  cidr: string;
  attrs: PathAttributes;
  /** compare two paths' attributes with this */
  fingerprint: string;
  wire: WirePath;
}

export function pathKey(family: IpFamily, cidr: string): string {
  return `${family} ${cidr}`;
}

function any<T extends object>(type: string, fields: T): WireAny {
  return { '@type': `${ANY_PREFIX}${type}`, ...fields };
}

function largeText(c: LargeCommunity): string {
  return `${c.global_admin}:${c.local_data1}:${c.local_data2}`;
}

export function attributesFingerprint(a: PathAttributes): string {
  return JSON.stringify([a.nextHop, a.communities, a.largeCommunities, a.localPref ?? null, a.med ?? null]);
}

/** Validates a desired path and builds the Path message for AddPath / DeletePath. */
export function buildPath(d: DesiredPath): BuiltPath {
  const context = { prefix: d.prefix, family: d.family };
  if (d.family !== 'ipv4' && d.family !== 'ipv6') throw new BgpValidationError('family must be ipv4 or ipv6', context);
  const p = parsePrefix(d.prefix, { family: d.family, context });
  const nextHop = validateNextHop(d.nextHop ?? SELF_NEXT_HOP[d.family], d.family, context).address;
  const communities = [...new Set((d.communities ?? []).map((c) => parseCommunity(c, context)))].sort((a, b) => a - b);
  const large = [...new Map((d.largeCommunities ?? []).map((c) => parseLargeCommunity(c, context)).map((c) => [largeText(c), c])).entries()].sort(
    ([a], [b]) => (a < b ? -1 : a > b ? 1 : 0),
  );
  const attrs: PathAttributes = { nextHop, communities, largeCommunities: large.map(([t]) => t) };
  if (d.localPref !== undefined) attrs.localPref = validateUint32(d.localPref, 'localPref', context);
  if (d.med !== undefined) attrs.med = validateUint32(d.med, 'med', context);

  const nlri = any('IPAddressPrefix', { prefix_len: p.length, prefix: p.address });
  const family = FAMILY[d.family];
  const pattrs: WireAny[] = [any('OriginAttribute', { origin: ORIGIN_IGP })];
  if (d.family === 'ipv4') pattrs.push(any('NextHopAttribute', { next_hop: nextHop }));
  else pattrs.push(any('MpReachNLRIAttribute', { family, next_hops: [nextHop], nlris: [nlri] }));
  if (attrs.med !== undefined) pattrs.push(any('MultiExitDiscAttribute', { med: attrs.med }));
  if (attrs.localPref !== undefined) pattrs.push(any('LocalPrefAttribute', { local_pref: attrs.localPref }));
  if (communities.length) pattrs.push(any('CommunitiesAttribute', { communities }));
  if (large.length) pattrs.push(any('LargeCommunitiesAttribute', { communities: large.map(([, c]) => c) }));

  return {
    key: pathKey(d.family, p.cidr),
    family: d.family,
    cidr: p.cidr,
    attrs,
    fingerprint: attributesFingerprint(attrs),
    wire: { family, nlri, pattrs },
  };
}

function typeOf(a: WireAny): string {
  const t = a['@type'] ?? a.type_url ?? '';
  return t.slice(t.lastIndexOf('.') + 1);
}

export interface ListedPath {
  key: string;
  family: IpFamily;
  cidr: string;
  attrs: PathAttributes;
  fingerprint: string;
}

/**
 * Reads a Path from ListPath back into our terms. Returns undefined for anything that is not a
 * unicast IPAddressPrefix path (we never originate those).
 */
export function readWirePath(path: Pick<WirePath, 'nlri' | 'pattrs' | 'family'>): ListedPath | undefined {
  const family: IpFamily | undefined = path.family?.afi === 'AFI_IP' ? 'ipv4' : path.family?.afi === 'AFI_IP6' ? 'ipv6' : undefined;
  if (!family || typeOf(path.nlri) !== 'IPAddressPrefix') return undefined;
  const { prefix, prefix_len } = path.nlri as { prefix?: unknown; prefix_len?: unknown };
  if (typeof prefix !== 'string' || typeof prefix_len !== 'number') return undefined;
  let cidr: string;
  try {
    cidr = `${parseAddress(prefix).address}/${prefix_len}`;
  } catch {
    return undefined;
  }
  const nh = wirePathNextHop(path);
  const attrs: PathAttributes = { nextHop: nh === undefined ? '' : nh, communities: [], largeCommunities: [] };
  try {
    if (nh !== undefined) attrs.nextHop = parseAddress(nh).address;
  } catch {
    // keep the raw text: it will not match any desired next hop and so gets replaced
  }
  for (const a of path.pattrs ?? []) {
    const t = typeOf(a);
    if (t === 'CommunitiesAttribute' && Array.isArray(a.communities)) attrs.communities = [...new Set(a.communities as number[])].sort((x, y) => x - y);
    else if (t === 'LargeCommunitiesAttribute' && Array.isArray(a.communities))
      attrs.largeCommunities = [...new Set((a.communities as LargeCommunity[]).map(largeText))].sort();
    else if (t === 'LocalPrefAttribute' && typeof a.local_pref === 'number') attrs.localPref = a.local_pref;
    else if (t === 'MultiExitDiscAttribute' && typeof a.med === 'number') attrs.med = a.med;
  }
  return { key: pathKey(family, cidr), family, cidr, attrs, fingerprint: attributesFingerprint(attrs) };
}

/** Human text of a path's attributes, for logs and Events. */
export function describeAttributes(a: PathAttributes): string {
  const parts = [`next-hop ${a.nextHop}`];
  if (a.communities.length) parts.push(`communities ${a.communities.map(formatCommunity).join(',')}`);
  if (a.largeCommunities.length) parts.push(`large ${a.largeCommunities.join(',')}`);
  if (a.localPref !== undefined) parts.push(`local-pref ${a.localPref}`);
  if (a.med !== undefined) parts.push(`med ${a.med}`);
  return parts.join(' ');
}

/**
 * Minimal Path that DeletePath accepts for `cidr`: gobgpd matches on the NLRI only but insists
 * on a next hop attribute, so the family's self address is used.
 */
export function withdrawalPath(family: IpFamily, cidr: string): WirePath {
  const [addr, len] = cidr.split('/') as [string, string];
  return buildPath({ prefix: `${addr}/${len}`, family }).wire;
}
