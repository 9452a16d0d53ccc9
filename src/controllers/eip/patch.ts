// The status merge patch that turns the stored Eip status into the desired one, naming only what
// changes (maps key by key, null removes), and the finalizer edit. The allocator sends the status
// patch with the resourceVersion the stored status was read at, so a concurrent writer gets a 409.
import { isDeepStrictEqual } from 'node:util';
import type { Condition } from '../../api/meta.ts';
import type { Eip, EipStatus } from '../../api/v1alpha2.ts';
import { FINALIZER_IPAM } from '../../api/names.ts';
import { mapDiffPatch, type MergePatch } from '../../kube/writers.ts';

const SCALARS = ['firstIP', 'lastIP', 'poolSize', 'usage', 'occupied', 'ready', 'v4'] as const;

export function eipStatusPatch(stored: EipStatus | undefined, want: EipStatus): MergePatch {
  const cur = stored ?? {};
  const p: MergePatch = {};
  for (const k of SCALARS) {
    if (want[k] !== undefined && cur[k] !== want[k]) p[k] = want[k];
  }
  const used = mapDiffPatch(cur.used, want.used);
  if (Object.keys(used).length > 0 || cur.used === undefined) p['used'] = used;
  const uids = mapDiffPatch(cur.serviceUIDs, want.serviceUIDs);
  if (Object.keys(uids).length > 0) p['serviceUIDs'] = uids;
  if (!isDeepStrictEqual(definedFields(cur.conditions), definedFields(want.conditions)))
    p['conditions'] = want.conditions;
  return p;
}

/** Conditions without keys set to undefined (built conditions may carry them; stored ones never do). */
function definedFields(conditions: readonly Condition[] | undefined): Record<string, unknown>[] {
  return (conditions ?? []).map((c) =>
    Object.fromEntries(Object.entries(c).filter(([, v]) => v !== undefined)),
  );
}

/** New finalizer list, or undefined when it is right: present while the Eip lives, gone once it is deleting and empty. */
export function eipFinalizers(eip: Eip, claims: number): string[] | undefined {
  const f = eip.metadata.finalizers ?? [];
  const has = f.includes(FINALIZER_IPAM);
  if (!eip.metadata.deletionTimestamp) return has ? undefined : [...f, FINALIZER_IPAM];
  if (has && claims === 0) return f.filter((x) => x !== FINALIZER_IPAM);
  return undefined;
}
