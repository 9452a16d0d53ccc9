// MAC and IP address helpers on raw bytes (no I/O). Text ↔ address goes through src/net/ip.ts,
// the one parser and RFC 5952 printer; what stays here is byte-level (packet fields, groups, MACs).
import { ipToBytes, tryParseIp, formatIpv6Bytes, type Family } from '../net/ip.ts';

export { canonicalIp, formatIpv6Bytes as formatIPv6, type Family } from '../net/ip.ts';

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
  const ip = tryParseIp(text);
  return ip?.family === 4 ? ipToBytes(ip) : undefined;
}

export function parseIPv6(text: string): Uint8Array | undefined {
  const ip = tryParseIp(text);
  return ip?.family === 6 ? ipToBytes(ip) : undefined;
}

export function formatIPv4(b: Uint8Array): string {
  return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
}

export function formatIp(b: Uint8Array): string {
  return b.length === 4 ? formatIPv4(b) : formatIpv6Bytes(b);
}

export interface IpBytes {
  readonly family: Family;
  readonly bytes: Uint8Array;
}

export function parseIp(text: string): IpBytes | undefined {
  const ip = tryParseIp(text);
  return ip === undefined ? undefined : { family: ip.family, bytes: ipToBytes(ip) };
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
