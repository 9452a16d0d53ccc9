// One IP address: text ↔ (family, integer value) ↔ network-order bytes. Pure, no I/O. The one
// parser and the one RFC 5952 printer behind ipam (pools, integers) and layer2 (packet bytes).
import { isIPv4, isIPv6 } from 'node:net';
import { Address4, Address6 } from 'ip-address';

export type Family = 4 | 6;

export const FAMILY_BITS: Readonly<Record<Family, number>> = { 4: 32, 6: 128 };

export interface ParsedIp {
  family: Family;
  value: bigint;
}

const V4_CHARS = /^[0-9.]+$/;
const V6_CHARS = /^[0-9a-fA-F:.]+$/;

/**
 * Reads one IP address (no prefix length, no zone index). Returns the address, or a sentence
 * saying why `text` is not one (it quotes `text`; callers add which field it came from).
 */
export function readIp(text: string): ParsedIp | string {
  if (text.length === 0) return 'empty address';
  if (/\s/.test(text)) return 'contains whitespace';
  if (text.includes(':')) {
    if (text.includes('%')) return `IPv6 zone index in ${JSON.stringify(text)} is not allowed`;
    if (!V6_CHARS.test(text)) return `${JSON.stringify(text)} is not an IPv6 address`;
    try {
      return { family: 6, value: new Address6(text).bigInt() };
    } catch (e) {
      return `${JSON.stringify(text)} is not an IPv6 address (${(e as Error).message})`;
    }
  }
  if (!V4_CHARS.test(text)) return `${JSON.stringify(text)} is not an IP address`;
  try {
    return { family: 4, value: new Address4(text).bigInt() };
  } catch (e) {
    return `${JSON.stringify(text)} is not an IPv4 address (${(e as Error).message})`;
  }
}

/** The address, or undefined when `text` is not exactly one IP address. */
export function tryParseIp(text: string): ParsedIp | undefined {
  if (typeof text !== 'string') return undefined; // values read from JSON (Lease annotations …)
  const ip = readIp(text);
  return typeof ip === 'string' ? undefined : ip;
}

/**
 * 4 or 6 when `text` is exactly one IP address in the form gobgpd takes: dotted quad without
 * leading zeros, or IPv6 text without a zone index (`fe80::1%eth0` is refused: node:net's isIP
 * accepts it, gobgpd and the kernel routes do not). undefined otherwise. The webhook rules and the
 * BGP checks both use this one test, so what the webhook admits never fails later.
 */
export function strictIpFamily(text: unknown): Family | undefined {
  if (typeof text !== 'string') return undefined;
  if (isIPv4(text)) return 4;
  if (isIPv6(text) && !text.includes('%')) return 6;
  return undefined;
}

// ---- bytes ----

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

// ---- formatting (hot path: no ip-address objects) ----

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

/** RFC 5952 text of 16 network-order bytes starting at `offset` (missing bytes read as 0). */
export function formatIpv6Bytes(b: Uint8Array, offset = 0): string {
  const groups: number[] = new Array<number>(8);
  for (let i = 0; i < 8; i++) groups[i] = ((b[offset + 2 * i] ?? 0) << 8) | (b[offset + 2 * i + 1] ?? 0);
  return formatGroups(groups);
}

export function formatIp(family: Family, v: bigint): string {
  return family === 4 ? formatIpv4(Number(v)) : formatIpv6(v);
}

/** Canonical text (dotted quad, RFC 5952) of an address given as text, or undefined when it is not one. */
export function canonicalIp(text: string): string | undefined {
  const ip = tryParseIp(text);
  return ip === undefined ? undefined : formatIp(ip.family, ip.value);
}
