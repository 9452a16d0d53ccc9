// Eip spec.bgp.weightedEcmp (openelb-ts addition): replicas attach the RFC 10005 link bandwidth
// community, proportional to the Service's ready endpoints on their node, to the host route of each
// externalTrafficPolicy: Local Service. An aggregated prefix stands for many Services, so it has no
// per-Service endpoint count: the two fields exclude each other.
import { FAMILY_BITS } from '../../net/ip.ts';
import type { PoolRange } from '../../ipam/index.ts';
import { Issues, show } from './issues.ts';

const FIELD = 'spec.bgp.weightedEcmp';

export function checkWeightedEcmp(
  issues: Issues,
  bgp: Record<string, unknown>,
  range: PoolRange | undefined,
  protocol: string,
): void {
  const v = bgp['weightedEcmp'];
  if (v === undefined || v === null) return;
  if (typeof v !== 'boolean') {
    issues.error(FIELD, `Invalid value: ${show(v)}: must be true or false`);
    return;
  }
  if (!v || protocol !== 'bgp' || !range) return;
  const name = range.family === 4 ? 'aggregationLength' : 'aggregationLengthV6';
  const length = bgp[name];
  if (typeof length !== 'number' || !Number.isInteger(length) || length >= FAMILY_BITS[range.family]) return;
  issues.error(
    FIELD,
    `Forbidden: cannot be combined with spec.bgp.${name} ${length}: a /${length} aggregate stands for every Service inside it, so a replica has no per-Service endpoint count to weight it by; weighted ECMP needs host routes (remove spec.bgp.${name})`,
  );
}
