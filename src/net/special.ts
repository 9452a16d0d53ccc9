// The special-purpose ranges (RFC 6890) that can never be a Service's address, listed once: the Eip
// webhook refuses pools touching them, the BGP checks refuse prefixes and next hops inside them.
import { parseIp } from './ip.ts';
import { prefixSpan, spanHolds, spansOverlap, type IpSpan } from './prefix.ts';
import type { ParsedIp } from './ip.ts';
import { OpenelbError } from '../core/errors.ts';

export interface SpecialRange {
  /** As written in messages, e.g. "127.0.0.0/8". */
  readonly cidr: string;
  /** What the range is for, e.g. "loopback". */
  readonly why: string;
  readonly span: IpSpan;
}

const LIST: ReadonlyArray<readonly [cidr: string, why: string]> = [
  ['0.0.0.0/8', '"this network" (unspecified)'],
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link-local'],
  ['224.0.0.0/4', 'multicast'],
  ['240.0.0.0/4', 'reserved and broadcast'],
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  ['::ffff:0:0/96', 'IPv4-mapped'],
  ['fe80::/10', 'link-local'],
  ['ff00::/8', 'multicast'],
];

export const SPECIAL_RANGES: readonly SpecialRange[] = LIST.map(([cidr, why]) => {
  const [address = '', length = ''] = cidr.split('/');
  const ip = parseIp(address);
  if (!ip.ok) throw new OpenelbError('OE_INTERNAL', `special range ${cidr}: ${ip.error}`); // a typo in the list above
  return { cidr, why, span: prefixSpan(ip.value.family, ip.value.value, Number(length)) };
});

/** The first special range the span touches, if any. */
export function specialRangeOverlapping(span: IpSpan): SpecialRange | undefined {
  return SPECIAL_RANGES.find((r) => spansOverlap(r.span, span));
}

/** The special range holding the address, if any. */
export function specialRangeHolding(ip: ParsedIp): SpecialRange | undefined {
  return SPECIAL_RANGES.find((r) => spanHolds(r.span, ip));
}
