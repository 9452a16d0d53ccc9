// Eip spec.bgp.aggregationLength / aggregationLengthV6 (openelb-ts addition, MetalLB's
// aggregation-length): the speakers announce the covering prefix of that length instead of one
// host route per Service address. The length may not be shorter than the pool itself (an aggregate
// would then claim addresses of other pools or hosts); for a range pool, than the smallest prefix
// covering the range.
import { FAMILY_BITS, formatIp, type Family } from '../../net/ip.ts';
import { coveringPrefixLength, prefixSpan } from '../../net/prefix.ts';
import type { PoolRange } from '../../ipam/index.ts';
import { Issues, intInRange, show } from './issues.ts';

const FIELDS: Readonly<Record<Family, string>> = { 4: 'aggregationLength', 6: 'aggregationLengthV6' };

function poolPrefix(range: PoolRange): { length: number; text: string } {
  const length = coveringPrefixLength(range.span);
  const network = prefixSpan(range.family, range.span.first, length).first;
  const cidr = `${formatIp(range.family, network)}/${length}`;
  if (range.form === 'range')
    return { length, text: `${cidr}, the smallest prefix covering the range ${show(range.text)}` };
  return { length, text: `${cidr}, the pool's own prefix` };
}

export function checkAggregation(
  issues: Issues,
  bgp: Record<string, unknown>,
  range: PoolRange | undefined,
  protocol: string,
): void {
  for (const family of [4, 6] as const) {
    const name = FIELDS[family];
    const field = `spec.bgp.${name}`;
    const max = FAMILY_BITS[family];
    const length = intInRange(issues, field, bgp[name], 0, max, ` (an IPv${family} prefix length)`);
    if (length === undefined || !range || protocol !== 'bgp') continue;
    if (range.family !== family) {
      issues.warn(field, `ignored: the pool is IPv${range.family} (use ${FIELDS[range.family]})`);
      continue;
    }
    const own = poolPrefix(range);
    if (length < own.length) {
      issues.error(
        field,
        `Invalid value: ${length}: shorter than ${own.text}; a /${length} aggregate would also claim addresses outside the pool`,
      );
      continue;
    }
    if (length < max)
      issues.warn(
        field,
        `each replica announces the whole /${length} once it carries one Service address inside it: Services with externalTrafficPolicy: Local lose per-Service precision (the router sends their traffic to every replica announcing the /${length}, also to nodes with no local endpoint for them)`,
      );
  }
}
