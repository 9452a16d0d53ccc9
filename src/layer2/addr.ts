// MAC and packet-level address helpers on raw bytes (no I/O). Text ↔ address (and address ↔
// bytes) is src/net/ip.ts, the one parser and printer; what stays here is byte-level: packet
// fields, multicast groups, MACs.

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
