import type { DesiredPath } from './types.ts';
import { canonicalIp, familyLabel, type Family } from '../net/ip.ts';
import { ANY_PREFIX, type WireAny, type WirePath } from './client/wire.ts';
import { FAMILY, familyOfAfi } from './wire-family.ts';
import {
  BgpValidationError,
  formatCommunity,
  parseCommunity,
  parseLargeCommunity,
  parsePrefix,
  validateNextHop,
  validateUint32,
  wirePathNextHop,
  type LargeCommunity,
} from './validate.ts';
import {
  formatLinkBandwidth,
  linkBandwidthAttribute,
  readLinkBandwidth,
  validateLinkBandwidth,
  type LinkBandwidth,
} from './link-bandwidth.ts';

// Pure: desired path ↔ gobgp Path message. No I/O.
//
// Memory: the gobgpd sink keeps one BuiltPath per announced prefix (10,000+ at scale), so a BuiltPath
// holds only what tells paths apart — key, family, cidr — plus a reference to attributes shared by
// every path that announces the same ones (interned by fingerprint, frozen). The gobgp message is
// built from those when it is sent (`wire`), not kept: it was ~1 KB per path.

export { FAMILY } from './wire-family.ts';

export const SELF_NEXT_HOP: Readonly<Record<Family, string>> = { 4: '0.0.0.0', 6: '::' };

const ORIGIN_IGP = 0;

/** One string per Any type (a template literal per message would be a new string each time). */
const TYPE_URL = {
  IPAddressPrefix: `${ANY_PREFIX}IPAddressPrefix`,
  OriginAttribute: `${ANY_PREFIX}OriginAttribute`,
  NextHopAttribute: `${ANY_PREFIX}NextHopAttribute`,
  MpReachNLRIAttribute: `${ANY_PREFIX}MpReachNLRIAttribute`,
  MultiExitDiscAttribute: `${ANY_PREFIX}MultiExitDiscAttribute`,
  LocalPrefAttribute: `${ANY_PREFIX}LocalPrefAttribute`,
  CommunitiesAttribute: `${ANY_PREFIX}CommunitiesAttribute`,
  LargeCommunitiesAttribute: `${ANY_PREFIX}LargeCommunitiesAttribute`,
} as const;

/** What a path announces, normalised so that built and listed paths compare equal. */
export interface PathAttributes {
  readonly nextHop: string;
  /** sorted, deduplicated 32-bit values */
  readonly communities: readonly number[];
  /** sorted, deduplicated `a:b:c` */
  readonly largeCommunities: readonly string[];
  readonly localPref?: number;
  readonly med?: number;
  /** RFC 10005 link bandwidth extended community (weighted ECMP), bandwidth rounded to float32 */
  readonly linkBandwidth?: LinkBandwidth;
}

export interface BuiltPath {
  /** `ipv4 ${cidr}` / `ipv6 ${cidr}`: gobgpd keeps one local path per prefix, so this identifies it */
  readonly key: string;
  readonly family: Family;
  readonly cidr: string;
  /** shared between paths with the same attributes: never modify */
  readonly attrs: PathAttributes;
  /** compare two paths' attributes with this */
  readonly fingerprint: string;
  /** the Path message for AddPath / DeletePath, built on each read */
  readonly wire: WirePath;
}

export function pathKey(family: Family, cidr: string): string {
  return `${familyLabel(family)} ${cidr}`;
}

function any<T extends object>(type: keyof typeof TYPE_URL, fields: T): WireAny {
  return { '@type': TYPE_URL[type], ...fields };
}

function largeText(c: LargeCommunity): string {
  return `${c.global_admin}:${c.local_data1}:${c.local_data2}`;
}

function parseLargeText(t: string): LargeCommunity {
  const [g, d1, d2] = t.split(':').map(Number) as [number, number, number];
  return { global_admin: g, local_data1: d1, local_data2: d2 };
}

export function attributesFingerprint(a: PathAttributes): string {
  const lb = a.linkBandwidth ? [a.linkBandwidth.asn, a.linkBandwidth.bytesPerSecond] : null;
  return JSON.stringify([
    a.nextHop,
    a.communities,
    a.largeCommunities,
    a.localPref ?? null,
    a.med ?? null,
    lb,
  ]);
}

interface SharedAttributes {
  readonly attrs: PathAttributes;
  readonly fingerprint: string;
}

// Few distinct attribute sets exist (one per pool and next hop); the bound only guards against a
// pathological number of them, and clearing merely stops sharing for paths built afterwards.
const SHARED_MAX = 4096;
const shared = new Map<string, SharedAttributes>();

/** The interned, frozen copy of `a` and its fingerprint. */
function share(a: PathAttributes): SharedAttributes {
  const fingerprint = attributesFingerprint(a);
  let s = shared.get(fingerprint);
  if (s === undefined) {
    if (shared.size >= SHARED_MAX) shared.clear();
    const attrs: PathAttributes = Object.freeze({
      ...a,
      communities: Object.freeze([...a.communities]),
      largeCommunities: Object.freeze([...a.largeCommunities]),
      ...(a.linkBandwidth ? { linkBandwidth: Object.freeze({ ...a.linkBandwidth }) } : {}),
    });
    s = Object.freeze({ attrs, fingerprint });
    shared.set(fingerprint, s);
  }
  return s;
}

class Built implements BuiltPath {
  readonly key: string;
  readonly family: Family;
  readonly cidr: string;
  readonly #shared: SharedAttributes;

  constructor(family: Family, cidr: string, s: SharedAttributes) {
    this.key = pathKey(family, cidr);
    this.family = family;
    this.cidr = cidr;
    this.#shared = s;
  }

  get attrs(): PathAttributes {
    return this.#shared.attrs;
  }
  get fingerprint(): string {
    return this.#shared.fingerprint;
  }
  get wire(): WirePath {
    return wireFor(this.family, this.cidr, this.#shared.attrs);
  }
}

function wireFor(f: Family, cidr: string, attrs: PathAttributes): WirePath {
  const slash = cidr.lastIndexOf('/');
  const nlri = any('IPAddressPrefix', {
    prefix_len: Number(cidr.slice(slash + 1)),
    prefix: cidr.slice(0, slash),
  });
  const family = FAMILY[f];
  const pattrs: WireAny[] = [any('OriginAttribute', { origin: ORIGIN_IGP })];
  if (f === 4) pattrs.push(any('NextHopAttribute', { next_hop: attrs.nextHop }));
  else pattrs.push(any('MpReachNLRIAttribute', { family, next_hops: [attrs.nextHop], nlris: [nlri] }));
  if (attrs.med !== undefined) pattrs.push(any('MultiExitDiscAttribute', { med: attrs.med }));
  if (attrs.localPref !== undefined) pattrs.push(any('LocalPrefAttribute', { local_pref: attrs.localPref }));
  if (attrs.communities.length)
    pattrs.push(any('CommunitiesAttribute', { communities: [...attrs.communities] }));
  if (attrs.largeCommunities.length)
    pattrs.push(
      any('LargeCommunitiesAttribute', { communities: attrs.largeCommunities.map(parseLargeText) }),
    );
  if (attrs.linkBandwidth) pattrs.push(linkBandwidthAttribute(attrs.linkBandwidth));
  return { family, nlri, pattrs };
}

/** Validates a desired path and builds the Path message for AddPath / DeletePath. */
export function buildPath(d: DesiredPath): BuiltPath {
  if (d.family !== 4 && d.family !== 6)
    throw new BgpValidationError('family must be ipv4 or ipv6', { prefix: d.prefix, family: d.family });
  const context = { prefix: d.prefix, family: familyLabel(d.family) };
  const p = parsePrefix(d.prefix, { family: d.family, context });
  const nextHop = validateNextHop(d.nextHop ?? SELF_NEXT_HOP[d.family], d.family, context).address;
  const communities = [...new Set((d.communities ?? []).map((c) => parseCommunity(c, context)))].sort(
    (a, b) => a - b,
  );
  const large = [
    ...new Set((d.largeCommunities ?? []).map((c) => largeText(parseLargeCommunity(c, context)))),
  ].sort();
  const attrs: { -readonly [K in keyof PathAttributes]: PathAttributes[K] } = {
    nextHop,
    communities,
    largeCommunities: large,
  };
  if (d.localPref !== undefined) attrs.localPref = validateUint32(d.localPref, 'localPref', context);
  if (d.med !== undefined) attrs.med = validateUint32(d.med, 'med', context);
  if (d.linkBandwidth !== undefined) attrs.linkBandwidth = validateLinkBandwidth(d.linkBandwidth, context);
  return new Built(d.family, p.cidr, share(attrs));
}

function typeOf(a: WireAny): string {
  const t = a['@type'] ?? a.type_url ?? '';
  return t.slice(t.lastIndexOf('.') + 1);
}

export interface ListedPath {
  key: string;
  family: Family;
  cidr: string;
  attrs: PathAttributes;
  fingerprint: string;
}

/**
 * Reads a Path from ListPath back into our terms. Returns undefined for anything that is not a
 * unicast IPAddressPrefix path (we never originate those).
 */
export function readWirePath(path: Pick<WirePath, 'nlri' | 'pattrs' | 'family'>): ListedPath | undefined {
  const family = familyOfAfi(path.family?.afi);
  if (!family || typeOf(path.nlri) !== 'IPAddressPrefix') return undefined;
  const { prefix, prefix_len } = path.nlri as { prefix?: unknown; prefix_len?: unknown };
  if (typeof prefix !== 'string' || typeof prefix_len !== 'number') return undefined;
  const address = canonicalIp(prefix);
  if (address === undefined) return undefined;
  const cidr = `${address}/${prefix_len}`;
  const nh = wirePathNextHop(path);
  const attrs: { -readonly [K in keyof PathAttributes]: PathAttributes[K] } = {
    nextHop: nh === undefined ? '' : nh,
    communities: [],
    largeCommunities: [],
  };
  // not an address: the raw text is kept; it matches no desired next hop and so gets replaced
  if (nh !== undefined) attrs.nextHop = canonicalIp(nh) ?? nh;
  for (const a of path.pattrs ?? []) {
    const t = typeOf(a);
    if (t === 'CommunitiesAttribute' && Array.isArray(a.communities))
      attrs.communities = [...new Set(a.communities as number[])].sort((x, y) => x - y);
    else if (t === 'LargeCommunitiesAttribute' && Array.isArray(a.communities))
      attrs.largeCommunities = [...new Set((a.communities as LargeCommunity[]).map(largeText))].sort();
    else if (t === 'LocalPrefAttribute' && typeof a.local_pref === 'number') attrs.localPref = a.local_pref;
    else if (t === 'MultiExitDiscAttribute' && typeof a.med === 'number') attrs.med = a.med;
    else if (t === 'ExtendedCommunitiesAttribute') {
      const lb = readLinkBandwidth(a);
      if (lb) attrs.linkBandwidth = lb;
    }
  }
  const s = share(attrs);
  return { key: pathKey(family, cidr), family, cidr, attrs: s.attrs, fingerprint: s.fingerprint };
}

/** Human text of a path's attributes, for logs and Events. */
export function describeAttributes(a: PathAttributes): string {
  const parts = [`next-hop ${a.nextHop}`];
  if (a.communities.length) parts.push(`communities ${a.communities.map(formatCommunity).join(',')}`);
  if (a.largeCommunities.length) parts.push(`large ${a.largeCommunities.join(',')}`);
  if (a.localPref !== undefined) parts.push(`local-pref ${a.localPref}`);
  if (a.med !== undefined) parts.push(`med ${a.med}`);
  if (a.linkBandwidth) parts.push(`link-bandwidth ${formatLinkBandwidth(a.linkBandwidth)}`);
  return parts.join(' ');
}

/**
 * Minimal Path that DeletePath accepts for `cidr`: gobgpd matches on the NLRI only but insists
 * on a next hop attribute, so the family's self address is used.
 */
export function withdrawalPath(family: Family, cidr: string): WirePath {
  const [addr, len] = cidr.split('/') as [string, string];
  return buildPath({ prefix: `${addr}/${len}`, family }).wire;
}
