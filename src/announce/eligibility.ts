// Which nodes may carry a Service IP — one answer shared by the BGP speaker (who announces itself
// as next hop) and the Layer 2 speaker (who may answer ARP/NDP). Pure: inputs are plain objects.
import type { EndpointSlice, Node, Service } from '../kube/types.ts';

export const LABEL_EXCLUDE_FROM_LB = 'node.kubernetes.io/exclude-from-external-load-balancers';
/** Service annotation: "true" lets terminating-but-serving endpoints keep a node eligible (default false). */
export const ANNOTATION_COUNT_TERMINATING = 'openelb.kubesphere.io/count-terminating-endpoints';
const LABEL_SERVICE_NAME = 'kubernetes.io/service-name';

export type NodeIneligibility = 'missing' | 'not-ready' | 'excluded';

/** Why a node may not carry any Service IP, or undefined when it may. */
export function nodeIneligibility(node: Node | undefined): NodeIneligibility | undefined {
  if (!node) return 'missing';
  if (node.metadata.labels?.[LABEL_EXCLUDE_FROM_LB] !== undefined) return 'excluded';
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
  if (ready?.status !== 'True') return 'not-ready';
  return undefined;
}

export function isLocalPolicy(svc: Service): boolean {
  return svc.spec.externalTrafficPolicy === 'Local';
}

/**
 * Slices by `namespace/service-name`, built once per slice list. A recompute passes one list (the
 * informer's snapshot) to every Service's question; scanning it per Service made 10,000 eTP=Local
 * Services cost ~1.1 s per pass (10⁸ label checks). Keyed by the list's identity: the lists handed
 * around here are snapshots nobody mutates.
 */
const indexes = new WeakMap<readonly EndpointSlice[], Map<string, EndpointSlice[]>>();
const NO_SLICES: readonly EndpointSlice[] = Object.freeze([]);

function serviceKey(namespace: string | undefined, name: string | undefined): string {
  return `${namespace ?? ''}/${name ?? ''}`;
}

function indexOf(list: readonly EndpointSlice[]): Map<string, EndpointSlice[]> {
  let index = indexes.get(list);
  if (index === undefined) {
    index = new Map();
    for (const s of list) {
      const name = s.metadata.labels?.[LABEL_SERVICE_NAME];
      if (name === undefined) continue;
      const k = serviceKey(s.metadata.namespace, name);
      const bucket = index.get(k);
      if (bucket) bucket.push(s);
      else index.set(k, [s]);
    }
    indexes.set(list, index);
  }
  return index;
}

/** The EndpointSlices that belong to a Service (by the standard service-name label). Read-only. */
export function slicesOf(svc: Service, slices: Iterable<EndpointSlice>): readonly EndpointSlice[] {
  const list = Array.isArray(slices) ? (slices as readonly EndpointSlice[]) : [...slices];
  return indexOf(list).get(serviceKey(svc.metadata.namespace, svc.metadata.name)) ?? NO_SLICES;
}

export function readyEndpointsByNode(svc: Service, slices: Iterable<EndpointSlice>): Map<string, number> {
  const countTerminating = svc.metadata.annotations?.[ANNOTATION_COUNT_TERMINATING] === 'true';
  const seen = new Map<string, Set<string>>();
  for (const slice of slicesOf(svc, slices)) {
    for (const ep of slice.endpoints ?? []) {
      if (!ep.nodeName) continue;
      const c = ep.conditions ?? {};
      const ready = c.ready !== false;
      const servingWhileTerminating = countTerminating && c.terminating === true && c.serving !== false;
      if (!ready && !servingWhileTerminating) continue;
      const t = ep.targetRef;
      const id = t?.uid ?? (t?.name ? `${t.namespace ?? ''}/${t.name}` : `addr ${ep.addresses.join(',')}`);
      let ids = seen.get(ep.nodeName);
      if (!ids) seen.set(ep.nodeName, (ids = new Set()));
      ids.add(id);
    }
  }
  return new Map([...seen].map(([node, ids]) => [node, ids.size]));
}

/** Nodes hosting at least one endpoint that should receive traffic for an eTP=Local Service. */
export function nodesWithReadyEndpoints(svc: Service, slices: Iterable<EndpointSlice>): Set<string> {
  return new Set(readyEndpointsByNode(svc, slices).keys());
}

/**
 * Whether `nodeName` may carry `svc`'s IP: the node is eligible, and for eTP=Local it hosts a ready
 * endpoint. For several Services sharing one IP the caller ORs this over the sharers.
 */
export function nodeEligibleFor(
  svc: Service,
  node: Node | undefined,
  slices: Iterable<EndpointSlice>,
): boolean {
  if (nodeIneligibility(node) !== undefined) return false;
  if (!isLocalPolicy(svc)) return true;
  return nodesWithReadyEndpoints(svc, slices).has(node!.metadata.name);
}

/**
 * For eTP=Local: the nodes with ready endpoints that no replica runs on (they can never be next hop
 * or ARP owner), so the caller can say so in an Event and a Service condition.
 */
export function endpointNodesWithoutReplica(
  svc: Service,
  slices: Iterable<EndpointSlice>,
  replicaNodes: ReadonlySet<string>,
): string[] {
  if (!isLocalPolicy(svc)) return [];
  return [...nodesWithReadyEndpoints(svc, slices)].filter((n) => !replicaNodes.has(n)).sort();
}
