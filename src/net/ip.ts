// One IP address: text ↔ (family, integer value) ↔ network-order bytes. Pure, no I/O. The only IP
// parser and printer in src/: ipam (pools, integers), bgp (paths), layer2 (packet bytes) and the
// webhook all read and print addresses here, so what one admits the others accept.
//
// Accepted text is exactly what node:net's isIP accepts, minus zone indexes: a dotted quad without
// leading zeroes, or IPv6 text (an embedded dotted quad allowed as the last 32 bits). That is the
// form gobgpd and kernel routes take. The parser is our own: it names what is wrong, and it is a
// plain character scan with no helper objects (paths are checked on every announce).
//
// Failure convention: `parseIp` returns a Result whose error is a sentence quoting the text (the
// webhook and the allocator show it to users; callers add the field). The derived helpers below
// it (`canonicalIp`, `strictIpFamily`, `ipBytes` …) answer a question about text that may not be
// an address and return undefined when it is not: there is no reason to report, and their callers
// fall back (`canonicalIp(a) ?? a`). Nothing here throws.
import { err, ok, type Result } from '../core/result.ts';

export type Family = 4 | 6;

export const FAMILY_BITS: Readonly<Record<Family, number>> = { 4: 32, 6: 128 };

/**
 * The family as the world outside spells it: gobgp's afi-safi names (`ipv4-unicast`), the `family`
 * label of metrics, log fields and error messages. Inside src/ a family is always a `Family`.
 */
export function familyLabel(f: Family): 'ipv4' | 'ipv6' {
  return f === 4 ? 'ipv4' : 'ipv6';
}

/** The family `familyLabel` spells as `text`; undefined for anything else. */
export function familyOfLabel(text: unknown): Family | undefined {
  return text === 'ipv4' ? 4 : text === 'ipv6' ? 6 : undefined;
}

export interface ParsedIp {
  family: Family;
  value: bigint;
}

/** A dotted quad's value, or why `text[from, to)` is not one. */
function scanV4(text: string, from: number, to: number): number | string {
  let value = 0;
  let octets = 0;
  let i = from;
  while (i <= to) {
    const start = i;
    let octet = 0;
    while (i < to) {
      const c = text.charCodeAt(i);
      if (c === 46) break; // '.'
      if (c < 48 || c > 57) return `${JSON.stringify(text[i])} is not a digit`;
      octet = octet * 10 + (c - 48);
      i++;
    }
    const digits = i - start;
    if (digits === 0) return 'empty octet';
    if (digits > 1 && text.charCodeAt(start) === 48)
      return `octet ${text.slice(start, i)} has leading zeroes`;
    if (octet > 255) return `octet ${text.slice(start, i)} is over 255`;
    octets++;
    if (octets > 4) return 'more than 4 octets';
    value = value * 256 + octet;
    i++; // past the '.' (or past `to`)
  }
  return octets === 4 ? value : `${octets} octets, 4 expected`;
}

/** One IPv6 group's value (1-4 hex digits), or -1. */
function hexGroup(text: string, from: number, to: number): number {
  if (to <= from || to - from > 4) return -1;
  let v = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i) | 0x20; // lower-cases letters, keeps digits
    const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : -1;
    if (d < 0) return -1;
    v = (v << 4) | d;
  }
  return v;
}

/**
 * The groups of `text[from, to)` (colon-separated, the last one may be a dotted quad worth two
 * groups) appended to `out`, or why they are not IPv6 groups.
 */
function scanGroups(
  text: string,
  from: number,
  to: number,
  out: number[],
  quadAllowed: boolean,
): string | undefined {
  if (from === to) return undefined;
  let i = from;
  while (i <= to) {
    let end = text.indexOf(':', i);
    if (end < 0 || end > to) end = to;
    const dot = text.indexOf('.', i);
    if (dot >= 0 && dot < end) {
      if (end !== to || !quadAllowed) return 'a dotted quad is allowed only as the last 32 bits';
      const v4 = scanV4(text, i, to);
      if (typeof v4 === 'string') return `embedded IPv4 ${text.slice(i, to)}: ${v4}`;
      out.push(v4 >>> 16, v4 & 0xffff);
      return undefined;
    }
    const g = hexGroup(text, i, end);
    if (g < 0) {
      return end === i
        ? 'a single ":" at the start or end, or an empty group'
        : `group ${JSON.stringify(text.slice(i, end))} is not 1-4 hex digits`;
    }
    out.push(g);
    i = end + 1;
  }
  return undefined;
}

function scanV6(text: string): bigint | string {
  const gap = text.indexOf('::');
  if (gap >= 0 && text.indexOf('::', gap + 1) >= 0) return 'more than one "::"';
  const head: number[] = [];
  const tail: number[] = [];
  const headEnd = gap < 0 ? text.length : gap;
  const why =
    scanGroups(text, 0, headEnd, head, gap < 0) ??
    (gap < 0 ? undefined : scanGroups(text, gap + 2, text.length, tail, true));
  if (why !== undefined) return why;
  const count = head.length + tail.length;
  if (gap < 0 && count !== 8) return `${count} groups, 8 expected`;
  if (gap >= 0 && count > 7) return `${count} groups and a "::", at most 7 with "::"`;
  const groups = head.concat(new Array<number>(8 - count).fill(0), tail);
  let value = 0n;
  for (let w = 0; w < 8; w += 2)
    value = (value << 32n) | BigInt((((groups[w] as number) << 16) | (groups[w + 1] as number)) >>> 0);
  return value;
}

/** Reads one IP address (no prefix length, no zone index); the error is a sentence quoting `text`. */
export function parseIp(text: unknown): Result<ParsedIp, string> {
  if (typeof text !== 'string') return err(`${typeof text} is not an IP address`);
  if (text.length === 0) return err('empty address');
  if (/\s/.test(text)) return err('contains whitespace');
  if (text.includes(':')) {
    if (text.includes('%')) return err(`IPv6 zone index in ${JSON.stringify(text)} is not allowed`);
    const v6 = scanV6(text);
    if (typeof v6 === 'string') return err(`${JSON.stringify(text)} is not an IPv6 address (${v6})`);
    return ok({ family: 6, value: v6 });
  }
  if (!/^[0-9.]+$/.test(text)) return err(`${JSON.stringify(text)} is not an IP address`);
  const v4 = scanV4(text, 0, text.length);
  if (typeof v4 === 'string') return err(`${JSON.stringify(text)} is not an IPv4 address (${v4})`);
  return ok({ family: 4, value: BigInt(v4) });
}

function ipOrUndefined(text: unknown): ParsedIp | undefined {
  const r = parseIp(text);
  return r.ok ? r.value : undefined;
}

/**
 * 4 or 6 when `text` is exactly one IP address in the form gobgpd takes, undefined otherwise. The
 * webhook rules and the BGP checks both use this one test, so what the webhook admits never fails
 * later.
 */
export function strictIpFamily(text: unknown): Family | undefined {
  return ipOrUndefined(text)?.family;
}

/** Canonical text (dotted quad, RFC 5952) of an address given as text, or undefined when it is not one. */
export function canonicalIp(text: unknown): string | undefined {
  const ip = ipOrUndefined(text);
  return ip === undefined ? undefined : formatIp(ip.family, ip.value);
}

// ---- bytes ----

export interface IpBytes {
  readonly family: Family;
  readonly bytes: Uint8Array;
}

/** Network-order bytes: 4 for IPv4, 16 for IPv6. */
export function ipToBytes(ip: ParsedIp): Uint8Array {
  const out = new Uint8Array(ip.family === 4 ? 4 : 16);
  let v = ip.value;
  for (let i = out.length - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/** The family and network-order bytes of an address given as text, or undefined when it is not one. */
export function ipBytes(text: unknown): IpBytes | undefined {
  const ip = ipOrUndefined(text);
  return ip === undefined ? undefined : { family: ip.family, bytes: ipToBytes(ip) };
}

/** The 4 bytes of an IPv4 address given as text, or undefined (not an address, or IPv6). */
export function ipv4Bytes(text: unknown): Uint8Array | undefined {
  const ip = ipOrUndefined(text);
  return ip?.family === 4 ? ipToBytes(ip) : undefined;
}

/** The 16 bytes of an IPv6 address given as text, or undefined (not an address, or IPv4). */
export function ipv6Bytes(text: unknown): Uint8Array | undefined {
  const ip = ipOrUndefined(text);
  return ip?.family === 6 ? ipToBytes(ip) : undefined;
}

// ---- formatting (hot path: no objects, no bigint beyond the split into words) ----

export function formatIpv4(v: number): string {
  return `${(v >>> 24) & 255}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
}

/** RFC 5952 text of eight 16-bit groups: lower-case hex, no leading zeros, the first longest run (>= 2) of zero groups as "::". */
function formatGroups(groups: readonly number[]): string {
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (from: number, to: number): string =>
    groups
      .slice(from, to)
      .map((g) => g.toString(16))
      .join(':');
  if (bestLen < 2) return hex(0, 8);
  return `${hex(0, bestStart)}::${hex(bestStart + bestLen, 8)}`;
}

/** RFC 5952 text of a 128-bit value. */
export function formatIpv6(v: bigint): string {
  const groups: number[] = new Array<number>(8);
  // Split into four 32-bit words first: bigint shifts on small values are cheap.
  for (let i = 0; i < 4; i++) {
    const word = Number((v >> BigInt(96 - 32 * i)) & 0xffffffffn);
    groups[2 * i] = word >>> 16;
    groups[2 * i + 1] = word & 0xffff;
  }
  return formatGroups(groups);
}

export function formatIp(family: Family, v: bigint): string {
  return family === 4 ? formatIpv4(Number(v)) : formatIpv6(v);
}

/** Dotted quad of 4 network-order bytes starting at `offset`. */
export function formatIpv4Bytes(b: Uint8Array, offset = 0): string {
  return `${b[offset] ?? 0}.${b[offset + 1] ?? 0}.${b[offset + 2] ?? 0}.${b[offset + 3] ?? 0}`;
}

/** RFC 5952 text of 16 network-order bytes starting at `offset` (missing bytes read as 0). */
export function formatIpv6Bytes(b: Uint8Array, offset = 0): string {
  const groups: number[] = new Array<number>(8);
  for (let i = 0; i < 8; i++) groups[i] = ((b[offset + 2 * i] ?? 0) << 8) | (b[offset + 2 * i + 1] ?? 0);
  return formatGroups(groups);
}

/** Text of an address given as its bytes: 4 bytes print as IPv4, anything else as IPv6. */
export function formatIpBytes(b: Uint8Array): string {
  return b.length === 4 ? formatIpv4Bytes(b) : formatIpv6Bytes(b);
}
