// Which replicas are gone. A replica cleans up after itself when it drains (its announced rows, its
// BgpConf/BgpPeer status entries), but one that dies (node lost, OOM-killed, rescheduled elsewhere)
// leaves them. Every manager serves the webhook, so the webhook Service's EndpointSlices say where
// managers run (`serving` follows the pod's readiness; the Service publishes not-ready pods too). A
// node that has had no serving manager for a while (--replica-gone-after) is gone. Unknown (no such
// endpoints, e.g. webhook off) judges nobody gone. Pure but for the clock passed in.
import type { EndpointSlice } from '../../kube/types.ts';

/** Default: long enough for a rolling restart on the same node (old pod drains, new one turns ready). */
export const GONE_AFTER_MS = 120_000;

const LABEL_SERVICE_NAME = 'kubernetes.io/service-name';

/** Nodes where a manager serves, from the webhook Service's slices; undefined when it has none. */
export function managerNodes(
  slices: Iterable<EndpointSlice>,
  namespace: string,
  service: string,
): Set<string> | undefined {
  let found = false;
  const nodes = new Set<string>();
  for (const s of slices) {
    if (!isServiceSlice(s, namespace, service)) continue;
    found = true;
    for (const e of s.endpoints ?? []) {
      const serving = e.conditions?.serving ?? e.conditions?.ready ?? true;
      if (serving && e.nodeName) nodes.add(e.nodeName);
    }
  }
  return found ? nodes : undefined;
}

/** Whether a slice belongs to `namespace/service`. */
export function isServiceSlice(s: EndpointSlice, namespace: string, service: string): boolean {
  return s.metadata.namespace === namespace && s.metadata.labels?.[LABEL_SERVICE_NAME] === service;
}

/**
 * When each node that left something behind was first seen without a serving manager; a node that
 * serves again is forgotten; observe() answers the nodes absent that long.
 */
export class GoneReplicas {
  readonly #since = new Map<string, number>();
  readonly #self: string;
  readonly #afterMs: number;

  constructor(self: string, afterMs = GONE_AFTER_MS) {
    this.#self = self;
    this.#afterMs = afterMs;
  }

  /**
   * One observation: `candidates` are the nodes something was left by (announced rows, status
   * entries), `managers` the serving manager nodes (undefined: unknown, nothing is judged). Returns
   * the gone nodes; never this replica's own.
   */
  observe(now: number, candidates: Iterable<string>, managers: ReadonlySet<string> | undefined): Set<string> {
    const gone = new Set<string>();
    if (managers === undefined) {
      this.#since.clear();
      return gone;
    }
    const absent = new Set<string>();
    for (const n of candidates) if (n !== this.#self && !managers.has(n)) absent.add(n);
    for (const n of this.#since.keys()) if (!absent.has(n)) this.#since.delete(n);
    for (const n of absent) {
      const since = this.#since.get(n) ?? now;
      this.#since.set(n, since);
      if (now - since >= this.#afterMs) gone.add(n);
    }
    return gone;
  }

  /** Time until the next absent node turns gone (undefined: none is waiting). */
  nextInMs(now: number): number | undefined {
    let next: number | undefined;
    for (const since of this.#since.values()) {
      const left = since + this.#afterMs - now;
      if (left > 0 && (next === undefined || left < next)) next = left;
    }
    return next;
  }
}
