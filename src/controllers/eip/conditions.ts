// metav1.Condition bookkeeping: lastTransitionTime moves only when a condition's status changes.
import type { Condition } from '../../kube/types.ts';

export type ConditionInput = Omit<Condition, 'lastTransitionTime'>;

export function mergeConditions(
  old: readonly Condition[] | undefined,
  next: readonly ConditionInput[],
  now: string,
): Condition[] {
  return next.map((c) => {
    const prev = old?.find((o) => o.type === c.type);
    const lastTransitionTime = prev && prev.status === c.status ? prev.lastTransitionTime : now;
    return { ...c, lastTransitionTime };
  });
}

export function conditionTrue(conds: readonly Condition[] | undefined, type: string): boolean {
  return conds?.some((c) => c.type === type && c.status === 'True') ?? false;
}
