// Pure address maths for Eip pools: parse spec.address (single IP, CIDR, "first-last"; IPv4 or
// IPv6), size, membership, overlap. Single addresses are read and printed by src/net/ip.ts, prefix
// maths is src/net/prefix.ts; what is here is the pool's own reading of them.
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
import { err, ok, type Result } from '../core/result.ts';
import { parseIp, type ParsedIp } from '../net/ip.ts';
import { familyName, parsePrefixLength, prefixSpan, spansOverlap, type IpSpan } from '../net/prefix.ts';

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

/** `address "<whole>": <problem>`, the form every pool address error takes. */
function problem(whole: string, what: string): Result<never> {
  return err(`address ${JSON.stringify(whole)}: ${what}`);
}

function single(text: string): Result<PoolRange> {
  const ip = parseIp(text);
  if (!ip.ok) return problem(text, ip.error);
  const span = { family: ip.value.family, first: ip.value.value, last: ip.value.value };
  return ok({ ...span, text, form: 'single', span, size: 1n });
}

function cidr(text: string, slash: number): Result<PoolRange> {
  const parsed = parseIp(text.slice(0, slash));
  if (!parsed.ok) return problem(text, parsed.error);
  const ip = parsed.value;
  const len = parsePrefixLength(text.slice(slash + 1), ip.family);
  if (!len.ok) return problem(text, len.error);
  const span = prefixSpan(ip.family, ip.value, len.value);
  const skipEdges = ip.family === 4 ? len.value < 31 : len.value < 127;
  const first = span.first + (skipEdges ? 1n : 0n);
  // IPv4 also skips broadcast; IPv6 has none.
  const last = span.last - (skipEdges && ip.family === 4 ? 1n : 0n);
  return ok({
    family: ip.family,
    first,
    last,
    text,
    form: 'cidr',
    prefixLength: len.value,
    hostBitsSet: span.first !== ip.value,
    span,
    size: last - first + 1n,
  });
}

function range(text: string, dash: number): Result<PoolRange> {
  const a = text.slice(0, dash);
  const b = text.slice(dash + 1);
  if (b.includes('-')) return problem(text, 'a range has exactly one "-"');
  if (a.includes('/') || b.includes('/'))
    return problem(text, 'a range is "first-last" of two addresses, without prefix lengths');
  const fromIp = parseIp(a);
  if (!fromIp.ok) return problem(text, fromIp.error);
  const toIp = parseIp(b);
  if (!toIp.ok) return problem(text, toIp.error);
  const from = fromIp.value;
  const to = toIp.value;
  if (from.family !== to.family)
    return problem(text, `range mixes ${familyName(from.family)} (${a}) and ${familyName(to.family)} (${b})`);
  if (from.value > to.value) return problem(text, `range start ${a} is after its end ${b}`);
  const span = { family: from.family, first: from.value, last: to.value };
  return ok({ ...span, text, form: 'range', span, size: to.value - from.value + 1n });
}

/** Reads Eip spec.address; the error quotes the value and says what is wrong. */
export function parsePoolAddress(text: unknown): Result<PoolRange> {
  if (typeof text !== 'string' || text.length === 0)
    return problem(String(text), 'empty; expected an IP, a CIDR or "first-last"');
  if (/\s/.test(text)) return problem(text, 'contains whitespace; write "first-last" without spaces');
  const dash = text.indexOf('-');
  if (dash >= 0) return range(text, dash);
  const slash = text.indexOf('/');
  if (slash >= 0) {
    if (text.indexOf('/', slash + 1) >= 0) return problem(text, 'more than one "/"');
    return cidr(text, slash);
  }
  return single(text);
}

/** True if `ip` is one of the pool's allocatable addresses. */
export function poolContains(r: PoolRange, ip: ParsedIp): boolean {
  return ip.family === r.family && ip.value >= r.first && ip.value <= r.last;
}

/** Whether two pools overlap (on their written spans). Symmetric. */
export function poolsOverlap(a: PoolRange, b: PoolRange): boolean {
  return spansOverlap(a.span, b.span);
}
