import { isIPv4 } from 'node:net';
import { Address6 } from 'ip-address';
import { formatIpv4, strictIpFamily } from '../net/ip.ts';
import type { IpFamily } from './types.ts';
import { ANY_PREFIX, type WireAny, type WirePath } from './client/wire.ts';
import {
  TCP_MSS_MAX,
  TCP_MSS_MIN,
  decodeCommunity,
  decodeLargeCommunity,
  formatCommunity,
  type LargeCommunity,
} from '../api/bgp-values.ts';

export { TCP_MSS_MAX, TCP_MSS_MIN, formatCommunity, type LargeCommunity };

// gobgpd accepts anything: '198.51.100.300' becomes <nil>/32, a /33 is advertised and makes the
// router reset the whole session, an IPv4 prefix with an IPv6 next hop is silently withdrawn.
// Everything we send is checked here first; errors say which value and where it came from.

export class BgpValidationError extends Error {
  readonly context: Readonly<Record<string, unknown>>;
  constructor(message: string, context: Record<string, unknown>) {
    const where = Object.entries(context)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
      .join(' ');
    super(where ? `${message} (${where})` : message);
    this.name = 'BgpValidationError';
    this.context = context;
  }
}

export interface ParsedAddress {
  family: IpFamily;
  /** canonical text (lower case, IPv6 compressed) */
  address: string;
  value: bigint;
}

export interface ParsedPrefix extends ParsedAddress {
  length: number;
  /** canonical `address/length` */
  cidr: string;
}

const BITS: Record<IpFamily, number> = { ipv4: 32, ipv6: 128 };

export function parseAddress(text: string, context: Record<string, unknown> = {}): ParsedAddress {
  if (typeof text !== 'string' || text === '') throw new BgpValidationError('empty IP address', context);
  const family = strictIpFamily(text);
  if (family === 4) {
    // node:net accepts only the dotted-quad form without leading zeros, so the text is canonical;
    // every path is checked here on its way to gobgpd, so skip ip-address's slower parser
    let v = 0;
    for (const part of text.split('.')) v = v * 256 + Number(part);
    return { family: 'ipv4', address: text, value: BigInt(v) };
  }
  if (family === 6) {
    const a = new Address6(text);
    return { family: 'ipv6', address: a.correctForm(), value: a.bigInt() };
  }
  throw new BgpValidationError(`not an IP address: ${JSON.stringify(text)}`, context);
}

function formatAddress(family: IpFamily, value: bigint): string {
  return family === 'ipv4' ? formatIpv4(Number(value)) : Address6.fromBigInt(value).correctForm();
}

// Ranges a Service route must never cover (RFC 6890 special purpose blocks that are not unicast
// destinations). A prefix overlapping any of them is refused.
const FORBIDDEN: ReadonlyArray<{ cidr: string; why: string }> = [
  { cidr: '0.0.0.0/8', why: 'unspecified / "this network"' },
  { cidr: '127.0.0.0/8', why: 'loopback' },
  { cidr: '169.254.0.0/16', why: 'link-local' },
  { cidr: '224.0.0.0/4', why: 'multicast' },
  { cidr: '240.0.0.0/4', why: 'reserved / broadcast' },
  { cidr: '::/128', why: 'unspecified' },
  { cidr: '::1/128', why: 'loopback' },
  { cidr: '::ffff:0:0/96', why: 'IPv4-mapped' },
  { cidr: 'fe80::/10', why: 'link-local' },
  { cidr: 'ff00::/8', why: 'multicast' },
];

interface Range {
  family: IpFamily;
  first: bigint;
  last: bigint;
  why: string;
  cidr: string;
}

function rangeOf(family: IpFamily, value: bigint, length: number): { first: bigint; last: bigint } {
  const hostBits = BigInt(BITS[family] - length);
  const size = 1n << hostBits;
  const first = (value >> hostBits) << hostBits;
  return { first, last: first + size - 1n };
}

const FORBIDDEN_RANGES: Range[] = FORBIDDEN.map(({ cidr, why }) => {
  const [addr, len] = cidr.split('/') as [string, string];
  const a = parseAddress(addr);
  return { family: a.family, ...rangeOf(a.family, a.value, Number(len)), why, cidr };
});

/**
 * Parses and checks a route prefix: `a.b.c.d/len`, `x::y/len`, or a bare address (= host route).
 * Refuses a wrong family, a length beyond 32/128, host bits set, and special-purpose ranges.
 */
export function parsePrefix(
  text: string,
  opts: { family?: IpFamily; context?: Record<string, unknown> } = {},
): ParsedPrefix {
  const context = { prefix: text, ...opts.context };
  if (typeof text !== 'string') throw new BgpValidationError('prefix is not a string', context);
  const slash = text.indexOf('/');
  const addrText = slash < 0 ? text : text.slice(0, slash);
  const addr = parseAddress(addrText, context);
  const max = BITS[addr.family];
  let length = max;
  if (slash >= 0) {
    const lenText = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(lenText))
      throw new BgpValidationError(`prefix length ${JSON.stringify(lenText)} is not a number`, context);
    length = Number(lenText);
  }
  return checkPrefix(addr, length, { family: opts.family, context });
}

function checkPrefix(
  addr: ParsedAddress,
  length: number,
  opts: { family?: IpFamily; context: Record<string, unknown> },
): ParsedPrefix {
  const { context } = opts;
  const max = BITS[addr.family];
  if (opts.family && opts.family !== addr.family)
    throw new BgpValidationError(`prefix is ${addr.family} but the path family is ${opts.family}`, context);
  if (!Number.isInteger(length) || length < 0 || length > max)
    throw new BgpValidationError(
      `prefix length ${length} out of range 0..${max} for ${addr.family}`,
      context,
    );
  const { first, last } = rangeOf(addr.family, addr.value, length);
  if (first !== addr.value)
    throw new BgpValidationError(
      `host bits set: did you mean ${formatAddress(addr.family, first)}/${length}?`,
      context,
    );
  for (const r of FORBIDDEN_RANGES) {
    if (r.family === addr.family && first <= r.last && r.first <= last)
      throw new BgpValidationError(`prefix overlaps ${r.cidr} (${r.why})`, context);
  }
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
  family: IpFamily,
  context: Record<string, unknown> = {},
): ParsedAddress {
  const ctx = { nextHop, ...context };
  const a = parseAddress(nextHop, ctx);
  if (a.family !== family) throw new BgpValidationError(`${a.family} next hop for an ${family} prefix`, ctx);
  if (isSelfNextHop(a.address)) return a;
  for (const r of FORBIDDEN_RANGES) {
    if (r.family === a.family && r.first <= a.value && a.value <= r.last)
      throw new BgpValidationError(`next hop is in ${r.cidr} (${r.why})`, ctx);
  }
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
  const family: IpFamily | undefined =
    path.family?.afi === 'AFI_IP' ? 'ipv4' : path.family?.afi === 'AFI_IP6' ? 'ipv6' : undefined;
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
  return parsed;
}

// ---- communities -------------------------------------------------------------------------------

/** `"65000:100"` or a well-known name → the 32-bit value BGP carries. */
export function parseCommunity(text: string, context: Record<string, unknown> = {}): number {
  const r = decodeCommunity(text);
  if (!r.ok) throw new BgpValidationError(r.error, { community: text, ...context });
  return r.value;
}

/** `"65000:1:2"` (three unsigned 32-bit numbers). */
export function parseLargeCommunity(text: string, context: Record<string, unknown> = {}): LargeCommunity {
  const r = decodeLargeCommunity(text);
  if (!r.ok) throw new BgpValidationError(r.error, { largeCommunity: text, ...context });
  return r.value;
}

export function validateUint32(value: number, what: string, context: Record<string, unknown> = {}): number {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff)
    throw new BgpValidationError(`${what} must be an unsigned 32-bit integer`, { [what]: value, ...context });
  return value;
}

export function validateAsn(asn: number, what: string, context: Record<string, unknown> = {}): number {
  if (!Number.isInteger(asn) || asn < 1 || asn > 0xffffffff)
    throw new BgpValidationError(`${what} must be an AS number 1..4294967295`, { [what]: asn, ...context });
  return asn;
}

export function validateRouterId(id: string, context: Record<string, unknown> = {}): string {
  if (!isIPv4(id) || id === '0.0.0.0')
    throw new BgpValidationError('router id must be a non-zero dotted IPv4 address', {
      routerId: id,
      ...context,
    });
  return id;
}

// ---- session transport and timers -------------------------------------------------------------

/** Upper bound we accept for every session timer in seconds (the BGP hold time is 16 bits on the wire). */
export const TIMER_MAX_SECONDS = 65535;

export function validateTcpMss(value: number, context: Record<string, unknown> = {}): number {
  if (!Number.isInteger(value) || (value !== 0 && (value < TCP_MSS_MIN || value > TCP_MSS_MAX)))
    throw new BgpValidationError(`tcpMss must be 0 (kernel default) or ${TCP_MSS_MIN}..${TCP_MSS_MAX}`, {
      tcpMss: value,
      ...context,
    });
  return value;
}

export function validateTimerSeconds(
  value: number,
  what: string,
  context: Record<string, unknown> = {},
): number {
  if (!Number.isInteger(value) || value < 0 || value > TIMER_MAX_SECONDS)
    throw new BgpValidationError(`${what} must be 0..${TIMER_MAX_SECONDS} seconds`, {
      [what]: value,
      ...context,
    });
  return value;
}
