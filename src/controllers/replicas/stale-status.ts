// Removes the BgpConf/BgpPeer status entries of replicas judged gone (liveness.ts), so `kubectl get
// bgppeer -o yaml` and `kubectl openelb status` stop showing sessions of a node that runs no manager.
// Only the holder of the allocator Lease removes (it runs beside the allocator): one patch per object
// instead of one from each of a hundred DaemonSet replicas. The patch names only the gone nodes' keys
// (null deletes them), so repeating it is harmless. A node's entries are removed once per absence: a
// replica that is alive but not serving writes its entry back (status.ts) and keeps it until it
// serves again and is forgotten, rather than the two of them rewriting it in a loop.
import { systemClock, type Clock } from '../../core/clock.ts';
import { Timer } from '../../core/timer.ts';
import { Resources, errorMessage, type Caches, type ObjectWriter } from '../../kube/index.ts';
import type { Logger } from '../../obs/log.ts';
import { removalPatch, staleEntries } from './nodes.ts';

const COALESCE_MS = 200;
const RETRY_MS = 5_000;

export interface StaleStatusDeps {
  caches: Pick<Caches, 'bgpConfs' | 'bgpPeers' | 'notSynced'>;
  writer: ObjectWriter;
  /** the nodes judged gone now (ReplicaLiveness.gone) */
  gone: () => ReadonlySet<string>;
  /** Whether this replica holds the allocator Lease now. */
  isLeader: () => boolean;
  /** this replica's node: its entries are never removed here */
  node: string;
  log: Logger;
  clock?: Clock;
}

export class StaleStatusCleaner {
  readonly #deps: StaleStatusDeps;
  readonly #timer: Timer;
  /** gone nodes whose entries this replica removed (forgotten when they are no longer gone) */
  readonly #removed = new Set<string>();
  #unsubscribe: (() => void)[] = [];
  #running: Promise<void> | undefined;
  #again = false;

  constructor(d: StaleStatusDeps) {
    this.#deps = d;
    this.#timer = new Timer(() => this.#run(), { clock: d.clock ?? systemClock });
  }

  start(): void {
    const soon = (): void => this.schedule();
    this.#unsubscribe = [this.#deps.caches.bgpConfs.onEvent(soon), this.#deps.caches.bgpPeers.onEvent(soon)];
  }

  stop(): void {
    for (const u of this.#unsubscribe) u();
    this.#unsubscribe = [];
    this.#timer.cancel();
  }

  schedule(ms = COALESCE_MS): void {
    this.#timer.atMost(ms);
  }

  /** The Lease went elsewhere: the next holder removes what is left. */
  forget(): void {
    this.#removed.clear();
  }

  #run(): void {
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = this.#pass().finally(() => {
      this.#running = undefined;
      if (this.#again) {
        this.#again = false;
        this.schedule();
      }
    });
  }

  async #pass(): Promise<void> {
    const d = this.#deps;
    if (!d.isLeader() || d.caches.notSynced().length > 0) return;
    const gone = d.gone();
    for (const n of this.#removed) if (!gone.has(n)) this.#removed.delete(n);
    const due = new Set([...gone].filter((n) => !this.#removed.has(n)));
    if (due.size === 0) return;
    const failed = new Set<string>();
    for (const e of staleEntries(d.caches.bgpConfs.list(), d.caches.bgpPeers.list(), due, d.node)) {
      try {
        await d.writer.mergePatch(
          e.kind === 'BgpConf' ? Resources.BgpConf : Resources.BgpPeer,
          { name: e.name },
          removalPatch(e),
          { subresource: 'status' },
        );
        d.log.info('removed status entries of gone replicas', {
          object: `${e.kind}/${e.name}`,
          nodes: e.nodes,
        });
      } catch (err) {
        for (const n of e.nodes) failed.add(n);
        d.log.warn('removing status entries of gone replicas failed', {
          object: `${e.kind}/${e.name}`,
          nodes: e.nodes,
          error: errorMessage(err),
        });
      }
    }
    for (const n of due) if (!failed.has(n)) this.#removed.add(n);
    if (failed.size > 0) this.schedule(RETRY_MS);
  }
}
