// Rows of replicas that are gone. A replica removes its own rows when it drains, but one that dies
// (node lost, OOM-killed, rescheduled elsewhere) leaves them, possibly `true`, and nothing it wrote is
// news any more. Every manager serves the webhook, so the webhook Service's EndpointSlices say where
// managers run (`serving` follows the pod's readiness; the Service publishes not-ready pods too). A
// node with rows but no serving manager for a while (--announced-gone-after) has its rows removed by the replicas still
// running (any of them: the conditioned patch makes a race harmless). Unknown (no such endpoints,
// e.g. webhook off) judges nobody gone. Pure but for the clock passed in.
import { decodeAnnounced } from '../../api/announced.ts';
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
    if (s.metadata.namespace !== namespace || s.metadata.labels?.[LABEL_SERVICE_NAME] !== service) continue;
    found = true;
    for (const e of s.endpoints ?? []) {
      const serving = e.conditions?.serving ?? e.conditions?.ready ?? true;
      if (serving && e.nodeName) nodes.add(e.nodeName);
    }
  }
  return found ? nodes : undefined;
}

/** The replica nodes an annotation value has rows for (none when it is unreadable). */
export function rowNodes(value: string): string[] {
  const read = decodeAnnounced(value);
  return read.ok ? Object.keys(read.value) : [];
}

/**
 * When each node with rows was first seen without a serving manager; a node that serves again is
 * forgotten; observe() answers the nodes absent that long.
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
   * One observation: `withRows` are the nodes some annotation has rows for, `managers` the serving
   * manager nodes (undefined: unknown, nothing is judged). Returns the nodes whose rows must go.
   */
  observe(now: number, withRows: Iterable<string>, managers: ReadonlySet<string> | undefined): Set<string> {
    const gone = new Set<string>();
    if (managers === undefined) {
      this.#since.clear();
      return gone;
    }
    const absent = new Set<string>();
    for (const n of withRows) if (n !== this.#self && !managers.has(n)) absent.add(n);
    for (const n of this.#since.keys()) if (!absent.has(n)) this.#since.delete(n);
    for (const n of absent) {
      const since = this.#since.get(n) ?? now;
      this.#since.set(n, since);
      if (now - since >= this.#afterMs) gone.add(n);
    }
    return gone;
  }
}
