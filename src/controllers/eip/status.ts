// The Eip reconciler's pure core: desired status (OpenELB's fields plus conditions) from the Eip, its
// effective range, the admission rules' verdict and the allocation ledger; and whether the pool takes
// new allocations. Any replica can compute this; only the allocator writes it.
import type { Eip, EipStatus } from '../../api/v1alpha2.ts';
import { POOL_SIZE_CAP } from '../../api/names.ts';
import { decodeHolders } from '../../api/used.ts';
import { formatIp } from '../../net/ip.ts';
import { mergeConditions, type ConditionInput } from './conditions.ts';
import type { EffectiveRange } from './range.ts';
import type { Validity } from './validity.ts';

export interface LedgerFacts {
  /** Addresses in use. */
  usage: number;
  /** Services recorded (a shared address counts once per Service). */
  claims: number;
  full: boolean;
  used: Record<string, string>;
  serviceUIDs: Record<string, string>;
}

export interface PoolVerdict {
  acceptsNew: boolean;
  /** Ready condition reason and message. */
  reason: string;
  message: string;
  /** Exhausted: no more allocations possible (every address used, or the record limit reached). */
  exhausted: boolean;
  exhaustedReason: string;
  exhaustedMessage: string;
}

const MAX_LISTED = 5;

function holdersList(facts: LedgerFacts): string {
  const keys =
    Object.keys(facts.serviceUIDs).length > 0
      ? Object.keys(facts.serviceUIDs)
      : Object.values(facts.used).flatMap(decodeHolders);
  const shown = keys.slice(0, MAX_LISTED).join(', ');
  return keys.length > MAX_LISTED ? `${shown} and ${keys.length - MAX_LISTED} more` : shown;
}

export function poolVerdict(
  eip: Eip,
  eff: EffectiveRange,
  validity: Validity | undefined,
  facts: LedgerFacts,
  maxAllocations: number,
): PoolVerdict {
  const size = eff.range?.size ?? 0n;
  let exhausted = false;
  let exhaustedReason = 'HasRoom';
  let exhaustedMessage = `${facts.usage} of ${size} addresses in use`;
  if (eff.range && facts.full) {
    exhausted = true;
    exhaustedReason = 'PoolFull';
    exhaustedMessage = `all ${size} addresses are allocated`;
  } else if (facts.claims >= maxAllocations) {
    exhausted = true;
    exhaustedReason = 'RecordLimit';
    exhaustedMessage = `status.used records ${facts.claims} Services, the most one Eip can hold within etcd's 1.5 MiB object limit (${maxAllocations}); add another Eip for more`;
  }
  const base = { exhausted, exhaustedReason, exhaustedMessage };
  const problems = [...(validity?.errors ?? [])];
  if (eff.problem && !problems.some((p) => p.startsWith('spec.address'))) problems.unshift(eff.problem);
  if (!eff.range || problems.length > 0) {
    return {
      ...base,
      acceptsNew: false,
      reason: 'Invalid',
      message: `no new allocations: ${problems.join('; ') || 'no usable address range'}`,
    };
  }
  if (eip.metadata.deletionTimestamp) {
    const names = holdersList(facts);
    const msg =
      facts.claims > 0
        ? `being deleted; waiting for ${facts.claims} Service(s) to release their addresses${names ? `: ${names}` : ''}`
        : 'being deleted';
    return { ...base, acceptsNew: false, reason: 'Deleting', message: msg };
  }
  if (eip.spec.disable) {
    return {
      ...base,
      acceptsNew: false,
      reason: 'Disabled',
      message: `spec.disable is true: no new allocations; ${facts.claims} existing allocation(s) kept`,
    };
  }
  if (exhausted)
    return {
      ...base,
      acceptsNew: false,
      reason: 'Ready',
      message: `addresses from ${eff.range.text} are announced; ${exhaustedMessage}`,
    };
  return { ...base, acceptsNew: true, reason: 'Ready', message: `allocating from ${eff.range.text}` };
}

/** The full desired status. `old` supplies lastTransitionTimes. */
export function desiredEipStatus(
  eip: Eip,
  eff: EffectiveRange,
  validity: Validity | undefined,
  facts: LedgerFacts,
  verdict: PoolVerdict,
  now: string,
): EipStatus {
  const gen = eip.metadata.generation;
  const withGen = (c: Omit<ConditionInput, 'observedGeneration'>): ConditionInput =>
    gen === undefined ? c : { ...c, observedGeneration: gen };
  const problems = [...(validity?.errors ?? [])];
  if (eff.problem && !problems.some((p) => p.startsWith('spec.address'))) problems.unshift(eff.problem);
  const valid = problems.length === 0 && eff.range !== undefined;
  const readyTrue = verdict.reason === 'Ready';
  const conds: ConditionInput[] = [
    withGen({
      type: 'Valid',
      status: valid ? 'True' : 'False',
      reason: valid ? 'Valid' : eff.source === 'status' ? 'ChangeNotApplied' : 'InvalidSpec',
      message: valid
        ? `${eff.range?.text ?? ''}: ${eff.range?.size ?? 0n} allocatable addresses`
        : problems.join('; '),
    }),
    withGen({
      type: 'Ready',
      status: readyTrue ? 'True' : 'False',
      reason: verdict.reason,
      message: verdict.message,
    }),
    withGen({
      type: 'Exhausted',
      status: verdict.exhausted ? 'True' : 'False',
      reason: verdict.exhaustedReason,
      message: verdict.exhaustedMessage,
    }),
  ];
  const status: EipStatus = {
    usage: facts.usage,
    used: facts.used,
    serviceUIDs: facts.serviceUIDs,
    occupied: facts.full,
    ready: readyTrue,
    // conditions other writers own (the Layer 2 speakers' Layer2Conflict) are carried over untouched
    conditions: [
      ...mergeConditions(eip.status?.conditions, conds, now),
      ...(eip.status?.conditions ?? []).filter((c) => !conds.some((x) => x.type === c.type)),
    ],
  };
  if (eff.range) {
    const r = eff.range;
    status.firstIP = formatIp(r.family, r.first);
    status.lastIP = formatIp(r.family, r.last);
    status.poolSize = r.size > BigInt(POOL_SIZE_CAP) ? POOL_SIZE_CAP : Number(r.size);
    status.v4 = r.family === 4;
    status.occupied = facts.usage >= status.poolSize;
  }
  return status;
}
