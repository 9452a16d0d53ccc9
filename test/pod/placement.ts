// Whether a pod may run on the node it is given — the checks the kubelet's admission repeats after
// the scheduler: nodeSelector, required node affinity, taints vs tolerations, and required pod
// anti-affinity per node against the pods already running there. Pure.
import type { NodeSelectorRequirement, PodSpec, Toleration } from './types.ts';

export interface Taint {
  key: string;
  value?: string;
  effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}

export interface NodeInfo {
  name: string;
  labels: Readonly<Record<string, string>>;
  taints?: readonly Taint[];
}

function matches(req: NodeSelectorRequirement, labels: Readonly<Record<string, string>>): boolean {
  const v = labels[req.key];
  switch (req.operator) {
    case 'Exists':
      return v !== undefined;
    case 'DoesNotExist':
      return v === undefined;
    case 'In':
      return v !== undefined && (req.values ?? []).includes(v);
    case 'NotIn':
      return v === undefined || !(req.values ?? []).includes(v);
  }
}

function tolerates(t: Toleration, taint: Taint): boolean {
  if (t.effect !== undefined && t.effect !== taint.effect) return false;
  if (t.operator === 'Exists') return t.key === undefined || t.key === taint.key;
  return t.key === taint.key && (t.value ?? '') === (taint.value ?? '');
}

function selects(sel: Readonly<Record<string, string>>, labels: Readonly<Record<string, string>>): boolean {
  return Object.entries(sel).every(([k, v]) => labels[k] === v);
}

/** Reasons the pod may not run on `node` ([] = admitted). `others` are the labels of pods already running there. */
export function placementProblems(
  spec: PodSpec,
  node: NodeInfo,
  others: readonly Readonly<Record<string, string>>[],
): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(spec.nodeSelector ?? {})) {
    if (node.labels[k] !== v)
      out.push(
        `spec.nodeSelector: node ${node.name} has ${k}=${node.labels[k] ?? '(unset)'}, the pod needs ${v}`,
      );
  }
  const terms =
    spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms ?? [];
  if (
    terms.length > 0 &&
    !terms.some((term) => term.matchExpressions.every((r) => matches(r, node.labels)))
  ) {
    out.push(
      `spec.affinity.nodeAffinity: node ${node.name} (labels ${JSON.stringify(node.labels)}) matches no required node selector term`,
    );
  }
  for (const taint of node.taints ?? []) {
    if (taint.effect === 'PreferNoSchedule') continue;
    if (!(spec.tolerations ?? []).some((t) => tolerates(t, taint)))
      out.push(
        `spec.tolerations: node ${node.name} has taint ${taint.key}=${taint.value ?? ''}:${taint.effect} that the pod does not tolerate`,
      );
  }
  for (const [i, term] of (
    spec.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []
  ).entries()) {
    if (others.some((labels) => selects(term.labelSelector.matchLabels, labels))) {
      out.push(
        `spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[${i}]: node ${node.name} already runs a pod matching ${JSON.stringify(term.labelSelector.matchLabels)}`,
      );
    }
  }
  return out;
}
