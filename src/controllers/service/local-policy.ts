// eTP=Local Services whose ready endpoints sit (partly) on nodes that run no replica: those nodes can
// never be next hops, so their endpoints get no outside traffic. Said in a Service condition and a
// Warning Event, written by the allocator (the one writer of Services, see local-policy-writer.ts).
import type { Condition, EndpointSlice, Service } from '../../kube/types.ts';
import { endpointNodesWithoutReplica } from '../../announce/eligibility.ts';
import type { Announcement } from '../../announce/announcements.ts';

export const CONDITION_ENDPOINTS_WITHOUT_REPLICA = 'EndpointsWithoutBgpSpeaker';

export interface LocalPolicyFinding {
  service: Service;
  /** nodes with ready endpoints and no replica ([] = fine: the condition should be absent) */
  nodes: string[];
}

export function hasCondition(svc: Service): boolean {
  return svc.status?.conditions?.some((c) => c.type === CONDITION_ENDPOINTS_WITHOUT_REPLICA) ?? false;
}

function keyOf(svc: Service): string {
  return `${svc.metadata.namespace ?? ''}/${svc.metadata.name}`;
}

/**
 * Every Service whose condition may need a write: the findings, plus Services that still carry the
 * condition but are no longer eTP=Local with a bgp IP (theirs goes away). Pure.
 */
export function conditionTargets(
  findings: readonly LocalPolicyFinding[],
  services: Iterable<Service>,
): LocalPolicyFinding[] {
  const seen = new Set(findings.map((f) => keyOf(f.service)));
  const out = [...findings];
  for (const svc of services)
    if (!seen.has(keyOf(svc)) && hasCondition(svc)) out.push({ service: svc, nodes: [] });
  return out;
}

/** For every eTP=Local Service holding a bgp IP: the endpoint nodes without a replica. Pure. */
export function localPolicyFindings(
  announcements: Iterable<Announcement>,
  slices: readonly EndpointSlice[],
  replicaNodes: ReadonlySet<string>,
): LocalPolicyFinding[] {
  const out = new Map<string, LocalPolicyFinding>();
  for (const a of announcements) {
    if (a.protocol !== 'bgp') continue;
    for (const svc of a.services) {
      if (svc.spec.externalTrafficPolicy !== 'Local') continue;
      const key = keyOf(svc);
      if (out.has(key)) continue;
      out.set(key, { service: svc, nodes: endpointNodesWithoutReplica(svc, slices, replicaNodes) });
    }
  }
  return [...out.values()];
}

export function conditionMessage(nodes: readonly string[]): string {
  return `ready endpoints on node(s) ${nodes.join(', ')} get no traffic: no openelb replica runs there to announce them (run the manager as a DaemonSet, or move the pods)`;
}

/** The Service's conditions with ours set/removed; undefined when nothing changes. Pure. */
export function nextConditions(
  cur: readonly Condition[] | undefined,
  nodes: readonly string[],
  now: string,
  generation?: number,
): Condition[] | undefined {
  const list = [...(cur ?? [])];
  const i = list.findIndex((c) => c.type === CONDITION_ENDPOINTS_WITHOUT_REPLICA);
  if (nodes.length === 0) {
    if (i < 0) return undefined;
    list.splice(i, 1);
    return list;
  }
  const message = conditionMessage(nodes);
  const old = list[i];
  if (old && old.status === 'True' && old.message === message) return undefined;
  const c: Condition = {
    type: CONDITION_ENDPOINTS_WITHOUT_REPLICA,
    status: 'True',
    reason: 'NoReplicaOnEndpointNodes',
    message,
    lastTransitionTime: old?.status === 'True' ? old.lastTransitionTime : now,
  };
  if (generation !== undefined) c.observedGeneration = generation;
  if (i < 0) list.push(c);
  else list[i] = c;
  return list;
}
