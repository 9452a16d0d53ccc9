// MAC and IP address helpers on raw bytes (no I/O). IPv6 text output follows RFC 5952.
import { isIPv4, isIPv6 } from 'node:net';

export type Family = 4 | 6;

export const BROADCAST_MAC: Uint8Array = Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff);
export const ZERO_MAC: Uint8Array = new Uint8Array(6);
export const IPV6_UNSPECIFIED: Uint8Array = new Uint8Array(16);
export const IPV6_ALL_NODES: Uint8Array = Uint8Array.of(0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1);

export function parseMac(text: string): Uint8Array | undefined {
  const parts = text.split(/[:-]/);
  if (parts.length !== 6 || !parts.every((p) => /^[0-9a-fA-F]{1,2}$/.test(p))) return undefined;
  return Uint8Array.from(parts, (p) => parseInt(p, 16));
}

export function formatMac(mac: Uint8Array): string {
  return Array.from(mac.subarray(0, 6), (b) => b.toString(16).padStart(2, '0')).join(':');
}

export function parseIPv4(text: string): Uint8Array | undefined {
  if (!isIPv4(text)) return undefined;
  return Uint8Array.from(text.split('.'), (p) => Number(p));
}

export function parseIPv6(text: string): Uint8Array | undefined {
  if (!isIPv6(text) || text.includes('%')) return undefined;
  let s = text;
  if (s.includes('.')) {
    // embedded IPv4 tail (::ffff:1.2.3.4): rewrite it as two hex words
    const cut = s.lastIndexOf(':') + 1;
    const b = parseIPv4(s.slice(cut));
    if (b === undefined) return undefined;
    const w = (hi: number | undefined, lo: number | undefined): string => (((hi ?? 0) << 8) | (lo ?? 0)).toString(16);
    s = `${s.slice(0, cut)}${w(b[0], b[1])}:${w(b[2], b[3])}`;
  }
  const [head = '', rest] = s.split('::');
  const words = (x: string): number[] => (x === '' ? [] : x.split(':').map((w) => parseInt(w, 16)));
  const h = words(head);
  const r = rest === undefined ? [] : words(rest);
  const fill = 8 - h.length - r.length;
  const all = rest === undefined ? h : [...h, ...new Array<number>(Math.max(fill, 0)).fill(0), ...r];
  if (all.length !== 8) return undefined;
  const out = new Uint8Array(16);
  all.forEach((w, i) => {
    out[2 * i] = w >> 8;
    out[2 * i + 1] = w & 0xff;
  });
  return out;
}

export function formatIPv4(b: Uint8Array): string {
  return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
}

export function formatIPv6(b: Uint8Array): string {
  const w: number[] = [];
  for (let i = 0; i < 8; i++) w.push(((b[2 * i] ?? 0) << 8) | (b[2 * i + 1] ?? 0));
  // longest run of >= 2 zero words, first one on ties (RFC 5952 §4.2)
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (w[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && w[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (ws: number[]): string => ws.map((x) => x.toString(16)).join(':');
  if (bestStart < 0) return hex(w);
  return `${hex(w.slice(0, bestStart))}::${hex(w.slice(bestStart + bestLen))}`;
}

export function formatIp(b: Uint8Array): string {
  return b.length === 4 ? formatIPv4(b) : formatIPv6(b);
}

export interface IpBytes {
  readonly family: Family;
  readonly bytes: Uint8Array;
}

export function parseIp(text: string): IpBytes | undefined {
  const v4 = parseIPv4(text);
  if (v4 !== undefined) return { family: 4, bytes: v4 };
  const v6 = parseIPv6(text);
  return v6 === undefined ? undefined : { family: 6, bytes: v6 };
}

/** Canonical text of an IP (dotted quad, RFC 5952), or undefined when it is not an IP. */
export function canonicalIp(text: string): string | undefined {
  const ip = parseIp(text);
  return ip === undefined ? undefined : formatIp(ip.bytes);
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function isIPv6Multicast(b: Uint8Array): boolean {
  return b[0] === 0xff;
}

export function isUnspecified(b: Uint8Array): boolean {
  return b.every((x) => x === 0);
}

/** ff02::1:ffXX:XXXX for an IPv6 address (RFC 4291 §2.7.1). */
export function solicitedNodeAddress(ip6: Uint8Array): Uint8Array {
  const out = Uint8Array.of(0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0, 0, 0);
  out.set(ip6.subarray(13, 16), 13);
  return out;
}

export function isSolicitedNodeAddress(b: Uint8Array): boolean {
  const prefix = [0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff];
  return b.length === 16 && prefix.every((x, i) => b[i] === x);
}

/** Ethernet address of an IPv6 multicast group: 33:33 + low 32 bits (RFC 2464 §7). */
export function multicastMac(ip6: Uint8Array): Uint8Array {
  return Uint8Array.of(0x33, 0x33, ip6[12] ?? 0, ip6[13] ?? 0, ip6[14] ?? 0, ip6[15] ?? 0);
}
