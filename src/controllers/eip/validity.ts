// The admission rules, run by the reconciler so a cluster without the webhook gets the same messages in
// the Valid condition. Cross-object rules (overlap, one default pool) only look at Eips created
// earlier (then by name): the first of two conflicting pools stays valid, the later one is reported,
// exactly the one the webhook would have denied.
import type { Eip } from '../../api/v1alpha2.ts';
import { formatIssue, validateEip } from '../../api/rules/index.ts';

export interface Validity {
  errors: string[];
  warnings: string[];
}

function createdBefore(a: Eip, b: Eip): boolean {
  const ta = a.metadata.creationTimestamp ?? '';
  const tb = b.metadata.creationTimestamp ?? '';
  if (ta !== tb) return ta < tb;
  return a.metadata.name < b.metadata.name;
}

/** Validity of every Eip in `eips`, keyed by name. */
export function validateAll(eips: readonly Eip[]): Map<string, Validity> {
  const out = new Map<string, Validity>();
  for (const eip of eips) {
    const earlier = eips.filter(
      (o) => o !== eip && o.metadata.deletionTimestamp === undefined && createdBefore(o, eip),
    );
    const r = validateEip(eip, { others: earlier });
    out.set(eip.metadata.name, { errors: r.errors.map(formatIssue), warnings: r.warnings.map(formatIssue) });
  }
  return out;
}
