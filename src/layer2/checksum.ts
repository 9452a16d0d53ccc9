// Internet checksum (RFC 1071) and the ICMPv6 checksum over the IPv6 pseudo-header (RFC 8200 §8.1).

/** Adds the 16-bit big-endian words of `data` to a running 32-bit sum (odd tail padded with zero). */
export function sumWords(data: Uint8Array, start = 0, end = data.length, sum = 0): number {
  let i = start;
  for (; i + 1 < end; i += 2) sum += ((data[i] ?? 0) << 8) | (data[i + 1] ?? 0);
  if (i < end) sum += (data[i] ?? 0) << 8;
  return sum;
}

export function foldChecksum(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return ~sum & 0xffff;
}

/**
 * ICMPv6 checksum of `icmp` (the whole message, checksum field included as stored): returns the value to
 * store when that field is zero, and 0 when verifying a message whose stored checksum is correct.
 */
export function icmpv6Checksum(src: Uint8Array, dst: Uint8Array, icmp: Uint8Array): number {
  let sum = sumWords(src) + sumWords(dst);
  sum += Math.floor(icmp.length / 0x10000) + (icmp.length & 0xffff);
  sum += 58; // next header
  sum = sumWords(icmp, 0, icmp.length, sum);
  return foldChecksum(sum);
}
