// Pure address maths for Eip pools: parse spec.address (single IP, CIDR, "first-last"; IPv4 or
// IPv6), size, membership, overlap. Single addresses are read and printed by src/net/ip.ts
// (ip-address underneath), re-exported here for ipam's callers.
//
// Decision on CIDR edge addresses: an IPv4 CIDR shorter than /31 does not hand out its network
// (all-zeros host) and broadcast (all-ones host) addresses, and an IPv6 CIDR shorter than /127 does
// not hand out its all-zeros host, the Subnet-Router anycast address (RFC 4291 §2.6.1) that routers
// on the link answer for. OpenELB handed them out; a .0 or .255 load-balancer address breaks clients
// that treat it as a network or broadcast address, and NDP for the anycast address would fight the
// routers. /31, /32 (RFC 3021), /127, /128 (RFC 6164), ranges and single IPs use every address:
// whoever writes a range or single IP means exactly those addresses.
// Overlap between pools is computed on the written span (edge addresses included), so two pools
// never claim the same address even as a skipped one.
import { FAMILY_BITS, formatIp, readIp, type Family, type ParsedIp } from '../net/ip.ts';

export { FAMILY_BITS, formatIp, formatIpv4, formatIpv6, type Family, type ParsedIp } from '../net/ip.ts';

export class AddressParseError extends Error {
  override name = 'AddressParseError';
  readonly value: string;
  constructor(value: string, problem: string) {
    super(`address ${JSON.stringify(value)}: ${problem}`);
    this.value = value;
  }
}

export interface IpSpan {
  family: Family;
  /** Inclusive bounds as integers. */
  first: bigint;
  last: bigint;
}

export interface PoolRange extends IpSpan {
  /** The value as written. */
  text: string;
  form: 'single' | 'cidr' | 'range';
  /** CIDR only. */
  prefixLength?: number;
  /** CIDR only: the written address had host bits set ("10.0.0.5/24"); the network is used. */
  hostBitsSet?: boolean;
  /** Everything the value covers, edge addresses included (used for overlap). */
  span: IpSpan;
  /** Number of allocatable addresses (last - first + 1). */
  size: bigint;
}

/** Parses one IP address (no prefix, no zone). Throws AddressParseError quoting `whole`. */
export function parseIp(text: string, whole: string = text): ParsedIp {
  const ip = readIp(text);
  if (typeof ip === 'string') throw new AddressParseError(whole, ip);
  return ip;
}

function familyName(f: Family): string {
  return f === 4 ? 'IPv4' : 'IPv6';
}

function single(text: string): PoolRange {
  const ip = parseIp(text);
  const span = { family: ip.family, first: ip.value, last: ip.value };
  return { ...span, text, form: 'single', span, size: 1n };
}

function cidr(text: string, slash: number): PoolRange {
  const ipText = text.slice(0, slash);
  const lenText = text.slice(slash + 1);
  const ip = parseIp(ipText, text);
  const bits = FAMILY_BITS[ip.family];
  if (!/^\d{1,3}$/.test(lenText)) {
    throw new AddressParseError(text, `prefix length ${JSON.stringify(lenText)} is not a number`);
  }
  const len = Number(lenText);
  if (len > bits) {
    throw new AddressParseError(
      text,
      `prefix length /${len} is out of range for ${familyName(ip.family)} (0-${bits})`,
    );
  }
  const hostBits = BigInt(bits - len);
  const hostMask = (1n << hostBits) - 1n;
  const network = ip.value & ~hostMask;
  const span: IpSpan = { family: ip.family, first: network, last: network | hostMask };
  const skipEdges = ip.family === 4 ? len < 31 : len < 127;
  const first = span.first + (skipEdges ? 1n : 0n);
  // IPv4 also skips broadcast; IPv6 has none.
  const last = span.last - (skipEdges && ip.family === 4 ? 1n : 0n);
  return {
    family: ip.family,
    first,
    last,
    text,
    form: 'cidr',
    prefixLength: len,
    hostBitsSet: network !== ip.value,
    span,
    size: last - first + 1n,
  };
}

function range(text: string, dash: number): PoolRange {
  const a = text.slice(0, dash);
  const b = text.slice(dash + 1);
  if (b.includes('-')) throw new AddressParseError(text, 'a range has exactly one "-"');
  if (a.includes('/') || b.includes('/'))
    throw new AddressParseError(text, 'a range is "first-last" of two addresses, without prefix lengths');
  const from = parseIp(a, text);
  const to = parseIp(b, text);
  if (from.family !== to.family) {
    throw new AddressParseError(
      text,
      `range mixes ${familyName(from.family)} (${a}) and ${familyName(to.family)} (${b})`,
    );
  }
  if (from.value > to.value) throw new AddressParseError(text, `range start ${a} is after its end ${b}`);
  const span = { family: from.family, first: from.value, last: to.value };
  return { ...span, text, form: 'range', span, size: to.value - from.value + 1n };
}

/** Parses Eip spec.address. Throws AddressParseError whose message quotes the value and says what is wrong. */
export function parsePoolAddress(text: string): PoolRange {
  if (typeof text !== 'string' || text.length === 0)
    throw new AddressParseError(String(text), 'empty; expected an IP, a CIDR or "first-last"');
  if (/\s/.test(text))
    throw new AddressParseError(text, 'contains whitespace; write "first-last" without spaces');
  const dash = text.indexOf('-');
  if (dash >= 0) return range(text, dash);
  const slash = text.indexOf('/');
  if (slash >= 0) {
    if (text.indexOf('/', slash + 1) >= 0) throw new AddressParseError(text, 'more than one "/"');
    return cidr(text, slash);
  }
  return single(text);
}

export type ParseResult = { ok: true; range: PoolRange } | { ok: false; error: string };

export function tryParsePoolAddress(text: string): ParseResult {
  try {
    return { ok: true, range: parsePoolAddress(text) };
  } catch (e) {
    if (e instanceof AddressParseError) return { ok: false, error: e.message };
    throw e;
  }
}

/** True if `ip` is one of the pool's allocatable addresses. */
export function poolContains(r: PoolRange, ip: ParsedIp): boolean {
  return ip.family === r.family && ip.value >= r.first && ip.value <= r.last;
}

export function spansOverlap(a: IpSpan, b: IpSpan): boolean {
  return a.family === b.family && a.first <= b.last && b.first <= a.last;
}

/** Whether two pools overlap (on their written spans). Symmetric. */
export function poolsOverlap(a: PoolRange, b: PoolRange): boolean {
  return spansOverlap(a.span, b.span);
}

/** Canonical text of an address given as text (throws AddressParseError). */
export function canonicalIp(text: string): string {
  const ip = parseIp(text);
  return formatIp(ip.family, ip.value);
}
