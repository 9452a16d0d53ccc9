// Which replica nodes are gone, kept up to date: the status entries name the candidates, the webhook
// Service's EndpointSlices where managers serve (gone.ts). A node judged gone stays so until a manager
// serves there again, also once its entries are removed (else a replica that is alive but not serving
// would write its entry back, look new, and be removed again every gone-after). Re-judged on the
// events that can change the answer and when the next absent node's grace runs out.
import { isDeepStrictEqual } from 'node:util';
import { WEBHOOK_SERVICE } from '../../api/names.ts';
import { systemClock, type Clock } from '../../core/clock.ts';
import { Timer } from '../../core/timer.ts';
import type { Caches } from '../../kube/index.ts';
import type { EndpointSlice } from '../../kube/types.ts';
import { GoneReplicas, isServiceSlice, managerNodes } from './gone.ts';
import { statusNodes } from './nodes.ts';

/** Events come in bursts (every replica's status write): one judgement per burst. */
const COALESCE_MS = 200;
/** Caches not synced yet: look again this much later. */
const UNSYNCED_RETRY_MS = 1_000;

export interface LivenessDeps {
  caches: Pick<Caches, 'endpointSlices' | 'bgpConfs' | 'bgpPeers' | 'notSynced'>;
  /** the managers' namespace, where the webhook Service is */
  namespace: string;
  /** this replica's node: never judged gone */
  node: string;
  goneAfterMs?: number;
  clock?: Clock;
}

export class ReplicaLiveness {
  readonly #deps: LivenessDeps;
  readonly #clock: Clock;
  readonly #judge: GoneReplicas;
  readonly #timer: Timer;
  readonly #handlers = new Set<() => void>();
  #unsubscribe: (() => void)[] = [];
  #gone: ReadonlySet<string> = new Set();

  constructor(d: LivenessDeps) {
    this.#deps = d;
    this.#clock = d.clock ?? systemClock;
    this.#judge = new GoneReplicas(d.node, d.goneAfterMs);
    this.#timer = new Timer(() => this.#check(), { clock: this.#clock });
  }

  start(): void {
    const c = this.#deps.caches;
    const soon = (): void => this.#timer.atMost(COALESCE_MS);
    const ours = (s: EndpointSlice): boolean => isServiceSlice(s, this.#deps.namespace, WEBHOOK_SERVICE);
    this.#unsubscribe = [
      c.endpointSlices.onEvent((ev) => (ours(ev.obj) || (ev.type === 'update' && ours(ev.old))) && soon()),
      c.bgpConfs.onEvent(soon),
      c.bgpPeers.onEvent(soon),
    ];
    soon();
  }

  stop(): void {
    for (const u of this.#unsubscribe) u();
    this.#unsubscribe = [];
    this.#timer.cancel();
  }

  /** The nodes judged gone now (never this replica's). */
  gone(): ReadonlySet<string> {
    return this.#gone;
  }

  /** Called whenever the set of gone nodes changes; returns an unsubscribe function. */
  onChange(h: () => void): () => void {
    this.#handlers.add(h);
    return () => this.#handlers.delete(h);
  }

  #check(): void {
    const c = this.#deps.caches;
    if (c.notSynced().length > 0) {
      this.#timer.atMost(UNSYNCED_RETRY_MS);
      return;
    }
    const managers = managerNodes(c.endpointSlices.list(), this.#deps.namespace, WEBHOOK_SERVICE);
    const candidates = statusNodes(c.bgpConfs.list(), c.bgpPeers.list());
    for (const n of this.#gone) if (!managers?.has(n)) candidates.add(n);
    const now = this.#clock.monotonic();
    const gone = this.#judge.observe(now, candidates, managers);
    const next = this.#judge.nextInMs(now);
    if (next !== undefined) this.#timer.atMost(next);
    if (isDeepStrictEqual(gone, this.#gone)) return;
    this.#gone = gone;
    for (const h of this.#handlers) h();
  }
}
