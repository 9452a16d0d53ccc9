// Addresses, prefixes, next hops and whole wire paths on their way to gobgpd (addresses are read by
// src/net/ip.ts, the special-purpose ranges are src/net/special.ts).
// gobgpd accepts anything: '198.51.100.300' becomes <nil>/32, a /33 is advertised and makes the
// router reset the whole session, an IPv4 prefix with an IPv6 next hop is silently withdrawn.
// Everything we send is checked here first; errors say which value and where it came from.
// The single-value checks (communities, ASNs, timers …) are validate-fields.ts, re-exported here.
import { FAMILY_BITS, familyLabel, formatIp, formatIpv6, parseIp, type Family } from '../net/ip.ts';
import { familyName, parsePrefixLength, prefixSpan } from '../net/prefix.ts';
import { specialRangeHolding, specialRangeOverlapping } from '../net/special.ts';
import { ANY_PREFIX, type WireAny, type WirePath } from './client/wire.ts';
import { BgpValidationError } from './validation-error.ts';
import { checkWireExtendedCommunities } from './link-bandwidth.ts';
import { familyOfAfi } from './wire-family.ts';

export { BgpValidationError } from './validation-error.ts';
export * from './validate-fields.ts';

export interface ParsedAddress {
  family: Family;
  /** canonical text (lower case, IPv6 compressed) */
  address: string;
  value: bigint;
}

export interface ParsedPrefix extends ParsedAddress {
  length: number;
  /** canonical `address/length` */
  cidr: string;
}

export function parseAddress(text: string, context: Record<string, unknown> = {}): ParsedAddress {
  if (typeof text !== 'string' || text === '') throw new BgpValidationError('empty IP address', context);
  const ip = parseIp(text);
  if (!ip.ok) throw new BgpValidationError(`not an IP address: ${JSON.stringify(text)}`, context);
  const { family, value } = ip.value;
  // An accepted dotted quad is already canonical (no leading zeroes): no need to print it again.
  if (family === 4) return { family, address: text, value };
  return { family, address: formatIpv6(value), value };
}

/**
 * Parses and checks a route prefix: `a.b.c.d/len`, `x::y/len`, or a bare address (= host route).
 * Refuses a wrong family, a length beyond 32/128, host bits set, and special-purpose ranges.
 */
export function parsePrefix(
  text: string,
  opts: { family?: Family; context?: Record<string, unknown> } = {},
): ParsedPrefix {
  const context = { prefix: text, ...opts.context };
  if (typeof text !== 'string') throw new BgpValidationError('prefix is not a string', context);
  const slash = text.indexOf('/');
  const addrText = slash < 0 ? text : text.slice(0, slash);
  const addr = parseAddress(addrText, context);
  if (slash < 0) return checkPrefix(addr, FAMILY_BITS[addr.family], { family: opts.family, context });
  const length = parsePrefixLength(text.slice(slash + 1), addr.family);
  if (!length.ok) throw new BgpValidationError(length.error, context);
  return checkPrefix(addr, length.value, { family: opts.family, context });
}

function checkPrefix(
  addr: ParsedAddress,
  length: number,
  opts: { family?: Family; context: Record<string, unknown> },
): ParsedPrefix {
  const { context } = opts;
  const family = addr.family;
  const max = FAMILY_BITS[family];
  if (opts.family && opts.family !== addr.family)
    throw new BgpValidationError(
      `prefix is ${familyLabel(addr.family)} but the path family is ${familyLabel(opts.family)}`,
      context,
    );
  if (!Number.isInteger(length) || length < 0 || length > max)
    throw new BgpValidationError(
      `prefix length /${length} is out of range for ${familyName(family)} (0-${max})`,
      context,
    );
  const span = prefixSpan(family, addr.value, length);
  if (span.first !== addr.value)
    throw new BgpValidationError(
      `host bits set: did you mean ${formatIp(family, span.first)}/${length}?`,
      context,
    );
  const special = specialRangeOverlapping(span);
  if (special) throw new BgpValidationError(`prefix overlaps ${special.cidr} (${special.why})`, context);
  return { ...addr, length, cidr: `${addr.address}/${length}` };
}

export function isSelfNextHop(nextHop: string): boolean {
  return nextHop === '0.0.0.0' || nextHop === '::';
}

/**
 * Checks a next hop for a prefix of `family`. `0.0.0.0` / `::` mean "self" (gobgpd substitutes
 * the session's local address). An IPv4 prefix needs an IPv4 next hop and an IPv6 prefix an
 * IPv6 one; multicast, loopback, link-local, broadcast and IPv4-mapped next hops are refused.
 */
export function validateNextHop(
  nextHop: string,
  family: Family,
  context: Record<string, unknown> = {},
): ParsedAddress {
  const ctx = { nextHop, ...context };
  const a = parseAddress(nextHop, ctx);
  if (a.family !== family)
    throw new BgpValidationError(
      `${familyLabel(a.family)} next hop for an ${familyLabel(family)} prefix`,
      ctx,
    );
  if (isSelfNextHop(a.address)) return a;
  const special = specialRangeHolding({ family: a.family, value: a.value });
  if (special) throw new BgpValidationError(`next hop is in ${special.cidr} (${special.why})`, ctx);
  return a;
}

function anyType(a: WireAny | undefined): string | undefined {
  const t = a?.['@type'] ?? a?.type_url;
  return typeof t === 'string' ? t.slice(t.lastIndexOf('/') + 1) : undefined;
}

/** The next hop a wire path carries (NextHopAttribute or MpReachNLRIAttribute), if any. */
export function wirePathNextHop(path: Pick<WirePath, 'pattrs'>): string | undefined {
  for (const a of path.pattrs ?? []) {
    const t = anyType(a);
    if (t === 'apipb.NextHopAttribute' && typeof a.next_hop === 'string') return a.next_hop;
    if (
      t === 'apipb.MpReachNLRIAttribute' &&
      Array.isArray(a.next_hops) &&
      typeof a.next_hops[0] === 'string'
    )
      return a.next_hops[0];
  }
  return undefined;
}

/**
 * The last line of defence in the client: every path handed to AddPath, AddPathStream or
 * DeletePath is checked again (NLRI type and prefix, family, next hop).
 */
export function validateWirePath(path: WirePath, context: Record<string, unknown> = {}): ParsedPrefix {
  if (!path || typeof path !== 'object') throw new BgpValidationError('path missing', context);
  const nlri = path.nlri;
  if (anyType(nlri) !== 'apipb.IPAddressPrefix' || nlri['@type'] !== `${ANY_PREFIX}IPAddressPrefix`)
    throw new BgpValidationError(`path NLRI must be an ${ANY_PREFIX}IPAddressPrefix`, context);
  const family = familyOfAfi(path.family?.afi);
  if (!family || path.family.safi !== 'SAFI_UNICAST')
    throw new BgpValidationError('path family must be AFI_IP/AFI_IP6 unicast', {
      ...context,
      family: path.family,
    });
  const prefixText = nlri.prefix;
  const len = nlri.prefix_len;
  if (typeof prefixText !== 'string' || typeof len !== 'number')
    throw new BgpValidationError('NLRI needs a string prefix and a numeric prefix_len', context);
  const ctx = { prefix: `${prefixText}/${len}`, ...context };
  const parsed = checkPrefix(parseAddress(prefixText, ctx), len, { family, context: ctx });
  const nh = wirePathNextHop(path);
  if (nh === undefined) throw new BgpValidationError('path has no next hop attribute', ctx);
  validateNextHop(nh, family, ctx);
  for (const a of path.pattrs ?? [])
    if (anyType(a) === 'apipb.ExtendedCommunitiesAttribute') checkWireExtendedCommunities(a, ctx);
  return parsed;
}
