// Eip spec.bgp (openelb-ts addition): communities, large communities and local-pref of the routes
// of a bgp pool, the aggregation lengths (eip-aggregation.ts) and weighted ECMP
// (eip-weighted-ecmp.ts). Decoded by src/api/bgp-values.ts, as the BGP sink decodes them, so what
// passes here is sendable.
import type { Result } from '../../core/result.ts';
import { decodeCommunity, decodeLargeCommunity } from '../bgp-values.ts';
import type { PoolRange } from '../../ipam/index.ts';
import { checkAggregation } from './eip-aggregation.ts';
import { checkWeightedEcmp } from './eip-weighted-ecmp.ts';
import { Issues, intInRange, isRecord, show } from './issues.ts';

function strings(
  issues: Issues,
  field: string,
  v: unknown,
  decode: (s: string) => Result<unknown>,
  what: string,
): void {
  if (v === undefined || v === null) return;
  if (!Array.isArray(v)) {
    issues.error(field, `Invalid value: ${show(v)}: must be a list of ${what}`);
    return;
  }
  v.forEach((item, i) => {
    const f = `${field}[${i}]`;
    if (typeof item !== 'string') {
      issues.error(f, `Invalid value: ${show(item)}: must be a string`);
      return;
    }
    const r = decode(item);
    if (!r.ok) issues.error(f, `Invalid value: ${show(item)}: ${r.error}`);
  });
}

/** `range`: the pool's address when it parsed (the aggregation lengths are checked against it). */
export function parseBgpAttributes(
  issues: Issues,
  spec: Record<string, unknown>,
  protocol: string,
  range?: PoolRange,
): void {
  const bgp = spec['bgp'];
  if (bgp === undefined || bgp === null) return;
  if (!isRecord(bgp)) {
    issues.error('spec.bgp', `Invalid value: ${show(bgp)}: must be an object`);
    return;
  }
  if (protocol !== 'bgp' && Object.keys(bgp).length > 0)
    issues.warn('spec.bgp', `ignored for ${protocol} pools`);
  strings(
    issues,
    'spec.bgp.communities',
    bgp['communities'],
    decodeCommunity,
    'communities ("asn:value" or a well-known name)',
  );
  strings(
    issues,
    'spec.bgp.largeCommunities',
    bgp['largeCommunities'],
    decodeLargeCommunity,
    'large communities ("a:b:c")',
  );
  intInRange(issues, 'spec.bgp.localPref', bgp['localPref'], 0, 0xffffffff);
  checkAggregation(issues, bgp, range, protocol);
  checkWeightedEcmp(issues, bgp, range, protocol);
}
