// Prefixes and spans of addresses, on the integers of src/net/ip.ts (no parser of their own for
// the address part). Pure.
import { err, ok, type Result } from '../core/result.ts';
import { FAMILY_BITS, type Family, type ParsedIp } from './ip.ts';

/** A contiguous block of addresses of one family; bounds inclusive. */
export interface IpSpan {
  family: Family;
  first: bigint;
  last: bigint;
}

export function familyName(f: Family): string {
  return f === 4 ? 'IPv4' : 'IPv6';
}

/** Reads the part after "/" for an address of `family`: "24" → 24; the error quotes the text. */
export function parsePrefixLength(text: string, family: Family): Result<number, string> {
  if (!/^\d{1,3}$/.test(text)) return err(`prefix length ${JSON.stringify(text)} is not a number`);
  const length = Number(text);
  const bits = FAMILY_BITS[family];
  if (length > bits)
    return err(`prefix length /${length} is out of range for ${familyName(family)} (0-${bits})`);
  return ok(length);
}

/** Every address of the prefix `value/length` (network to last address), host bits of `value` ignored. */
export function prefixSpan(family: Family, value: bigint, length: number): IpSpan {
  const hostBits = BigInt(FAMILY_BITS[family] - length);
  const hostMask = (1n << hostBits) - 1n;
  const first = value & ~hostMask;
  return { family, first, last: first | hostMask };
}

export function spansOverlap(a: IpSpan, b: IpSpan): boolean {
  return a.family === b.family && a.first <= b.last && b.first <= a.last;
}

export function spanHolds(span: IpSpan, ip: ParsedIp): boolean {
  return ip.family === span.family && ip.value >= span.first && ip.value <= span.last;
}

/**
 * The length of the longest prefix that holds every address of `span` (the smallest aligned block
 * covering it): 10.0.0.10-10.0.0.20 → 27, 10.0.0.0/24 → 24, a single address → 32/128.
 */
export function coveringPrefixLength(span: IpSpan): number {
  let length = FAMILY_BITS[span.family];
  while (length > 0 && prefixSpan(span.family, span.first, length).last < span.last) length -= 1;
  return length;
}
