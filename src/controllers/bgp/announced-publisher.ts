// The per-replica publisher of per-Service truth (issue 15 item 4): reads which prefixes this
// replica's gobgpd holds in each Established peer's adj-RIB-out, turns them into one row per carried
// Service (announced-rows.ts) and writes the rows that differ from what the Service shows, coalesced
// and rate-limited (announced-queue.ts, announced-writer.ts). Level-triggered: each pass recomputes
// everything from gobgpd and the caches; passes run every POLL_MS, soon after each speaker pass or
// session change, and at once when the speaker fails (gobgpd gone: every peer reads false). Reading
// an adj-RIB-out is not free (ListPath ADJ_OUT of 10,000 paths: ~0.5 s, BENCHMARKS.md), so after a
// pass the next waits twice its duration and the poll at least ten times it: at most a third of a
// core under churn, a tenth when quiet.
import type { Announcement } from '../../announce/announcements.ts';
import { ANNOTATION_ANNOUNCED } from '../../api/announced.ts';
import { WEBHOOK_SERVICE } from '../../api/names.ts';
import { adjOutPrefixes, type DesiredPeer, type GobgpdSink, type ReconcileReport } from '../../bgp/index.ts';
import { sleep } from '../../core/backoff.ts';
import { systemClock, type Clock, type TimerHandle } from '../../core/clock.ts';
import { errorMessage, OpenelbError } from '../../core/errors.ts';
import { Timer } from '../../core/timer.ts';
import type { Caches, KubeClient } from '../../kube/index.ts';
import type { Family } from '../../net/ip.ts';
import type { Logger } from '../../obs/log.ts';
import { mMissing, mPending, mWrites } from './announced-metrics.ts';
import { familyOf, peerFamilies } from './desired.ts';
import { WriteQueue } from './announced-queue.ts';
import {
  announcedRows,
  carriedPrefixes,
  missingPathCount,
  rowNodes,
  serviceKey,
  settled,
  type PeerView,
  type Row,
} from './announced-rows.ts';
import { AnnouncedWriter } from './announced-writer.ts';
import { GoneReplicas, managerNodes } from '../replicas/gone.ts';
import { canonAddress, type BgpIntent } from './reporter.ts';

const POLL_MS = 3_000;
const DEBOUNCE_MS = 200;
/** A gobgpd that does not answer a read in this time (hung, say) reads as gone: every peer false. */
const READ_TIMEOUT_MS = 10_000;

/** A speaker pass that touched gobgpd (global, peers or paths): the adj-RIB-outs may have moved. */
export function speakerChanged(r: ReconcileReport): boolean {
  const p = r.paths;
  return (
    r.global !== 'none' ||
    r.sidecarRestarted ||
    (r.peers?.actions.length ?? 0) > 0 ||
    (p !== undefined && p.added + p.replaced + p.withdrawn > 0)
  );
}

/** What the BGP reconciler last decided, as the publisher needs it. */
export interface PublisherSource {
  readonly computed: boolean;
  readonly announcements: readonly Announcement[];
  readonly peers: readonly DesiredPeer[];
  readonly intent: BgpIntent;
}

export interface PublisherDeps {
  caches: Caches;
  client: KubeClient;
  node: string;
  /** the managers' namespace: their webhook Service's endpoints tell which replicas run */
  namespace: string;
  /** a replica's rows go once its node has had no serving manager this long */
  goneAfterMs?: number;
  speaker: GobgpdSink;
  source: PublisherSource;
  writesPerSecond: number;
  log: Logger;
  clock?: Clock;
}

export class AnnouncedPublisher {
  readonly #deps: PublisherDeps;
  readonly #clock: Clock;
  readonly #writer: AnnouncedWriter;
  readonly #queue: WriteQueue<string>;
  readonly #timer: Timer;
  readonly #poll: Timer;
  readonly #unsubscribe: (() => void)[] = [];
  /** the rows this replica wants, by Service key (from the last pass) */
  #rows = new Map<string, Row>();
  #running: Promise<void> | undefined;
  #again = false;
  #active = false;
  /** duration of the last pass and when it ended (monotonic ms): they pace the next */
  #lastMs = 0;
  #lastEnd = -Infinity;
  /** draining: our paths are withdrawn, every row goes */
  #retracting = false;
  readonly #gone: GoneReplicas;
  /** nodes whose rows go: no serving manager there for a while (controllers/replicas/gone.ts) */
  #goneNodes: ReadonlySet<string> = new Set();

  constructor(d: PublisherDeps) {
    this.#deps = d;
    this.#clock = d.clock ?? systemClock;
    this.#writer = new AnnouncedWriter(d.client, d.caches.services, d.node);
    this.#gone = new GoneReplicas(d.node, d.goneAfterMs);
    this.#queue = new WriteQueue<string>({
      ratePerSecond: d.writesPerSecond,
      clock: d.clock,
      due: (key) => this.#writer.view(key) !== undefined && !this.#matches(key),
      write: async (key) => {
        mWrites.inc({ result: await this.#writer.write(key, this.#rows.get(key), this.#goneNodes) });
        mPending.set({ node: d.node }, this.#queue.size);
      },
      onError: (key, err) => {
        mWrites.inc({ result: 'failed' });
        d.log.warn('announced summary write failed', { service: key, error: errorMessage(err) });
      },
    });
    this.#timer = new Timer(() => this.#pass(), { clock: d.clock });
    this.#poll = new Timer(
      () => {
        this.#poll.restart(this.#pollMs);
        this.schedule(0);
      },
      { clock: d.clock },
    );
  }

  /** Passes from now on: one at once, then every POLL_MS and after the speaker's events. */
  start(): void {
    if (this.#active) return;
    this.#active = true;
    const s = this.#deps.speaker;
    const soon = (): void => this.schedule();
    const now = (): void => this.schedule(0);
    // the speaker's 2 s health passes change nothing: only passes that did trigger one of ours
    const changed = (r: ReconcileReport): void => {
      if (speakerChanged(r)) soon();
    };
    s.on('reconciled', changed);
    s.on('peer-state', soon);
    s.on('error', now);
    s.on('restarted', now);
    this.#unsubscribe.push(
      () => s.off('reconciled', changed),
      () => s.off('peer-state', soon),
      () => s.off('error', now),
      () => s.off('restarted', now),
    );
    this.#poll.restart(this.#pollMs);
    this.schedule(0);
  }

  get #pollMs(): number {
    return Math.max(POLL_MS, 10 * this.#lastMs);
  }

  /** A pass soon (debounced), or on the next turn with delay 0. */
  schedule(delay = DEBOUNCE_MS): void {
    if (!this.#active) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    const gap = this.#lastEnd + 2 * this.#lastMs - this.#clock.monotonic();
    this.#timer.atMost(Math.max(delay, gap));
  }

  /** No more passes (writes already queued go on); waits for a pass under way. */
  async pause(): Promise<void> {
    this.#active = false;
    for (const u of this.#unsubscribe.splice(0)) u();
    this.#poll.cancel();
    this.#timer.cancel();
    await this.#running;
  }

  /** After the drain withdrew our paths: removes this replica's row everywhere, within budgetMs. */
  async retract(budgetMs: number): Promise<void> {
    await this.pause();
    this.#retracting = true;
    await this.#compute();
    const left = await Promise.race([this.#queue.idle().then(() => 0), sleep(budgetMs).then(() => 1)]);
    if (left)
      this.#deps.log.info('drain: announced rows not all removed in time', { left: this.#queue.size });
  }

  async stop(): Promise<void> {
    await this.pause();
    this.#queue.stop();
  }

  #matches(key: string): boolean {
    return settled(this.#writer.value(key), this.#deps.node, this.#rows.get(key), this.#goneNodes);
  }

  #pass(): void {
    const t0 = this.#clock.monotonic();
    this.#running = this.#compute()
      .catch((err: unknown) => {
        this.#deps.log.warn('announced summary pass failed', { error: errorMessage(err) });
      })
      .finally(() => {
        this.#running = undefined;
        this.#lastEnd = this.#clock.monotonic();
        this.#lastMs = this.#lastEnd - t0;
        if (this.#again) {
          this.#again = false;
          this.schedule();
        }
      });
  }

  async #compute(): Promise<void> {
    const src = this.#deps.source;
    if (!src.computed) return;
    const c = this.#deps.caches;
    const node = this.#deps.node;
    const carried = this.#retracting
      ? new Map()
      : carriedPrefixes(src.announcements, c.nodes.get(node), c.endpointSlices.list());
    const peers = this.#retracting ? [] : await this.#peerViews(src);
    const rows = announcedRows(carried, peers);
    this.#rows = rows;
    mMissing.set({ node }, missingPathCount(rows));
    for (const key of rows.keys()) if (!this.#matches(key)) this.#queue.mark(key);
    // Services showing a row of ours that we no longer want, or rows of replicas that are gone
    const annotated = new Map<string, string[]>();
    for (const svc of c.services.list()) {
      const value = svc.metadata.annotations?.[ANNOTATION_ANNOUNCED];
      if (value !== undefined)
        annotated.set(serviceKey(svc.metadata.namespace, svc.metadata.name), rowNodes(value));
    }
    const managers = managerNodes(c.endpointSlices.list(), this.#deps.namespace, WEBHOOK_SERVICE);
    this.#goneNodes = this.#gone.observe(this.#clock.monotonic(), [...annotated.values()].flat(), managers);
    for (const [key, nodes] of annotated) {
      const stale = !rows.has(key) && nodes.includes(node);
      if (stale || nodes.some((n) => this.#goneNodes.has(n))) this.#queue.mark(key);
    }
    mPending.set({ node }, this.#queue.size);
  }

  /** Every BgpPeer selecting this node, with its adj-RIB-out when its session is Established. */
  async #peerViews(src: PublisherSource): Promise<PeerView[]> {
    const { speaker, caches } = this.#deps;
    const established = new Set<string>();
    if (src.intent.configured && speaker.client.reachable) {
      try {
        for (const s of await this.#within(speaker.peerStatus()))
          if (s.sessionState === 'ESTABLISHED') established.add(canonAddress(s.address));
      } catch {
        established.clear(); // gobgpd does not answer: nothing is advertised
      }
    }
    const out: PeerView[] = [];
    for (const name of src.intent.selectedPeers) {
      const address = caches.bgpPeers.get(name)?.spec.conf?.neighborAddress ?? '';
      const desired = src.peers.find((p) => canonAddress(p.address) === canonAddress(address));
      const families: Family[] = desired
        ? peerFamilies(desired, src.intent.global)
        : address
          ? [familyOf(address)]
          : [];
      let adjOut: Map<Family, Set<string>> | undefined;
      if (desired && !desired.adminDown && established.has(canonAddress(address))) {
        try {
          adjOut = new Map();
          for (const f of families)
            adjOut.set(f, await this.#within(adjOutPrefixes(speaker.client, desired.address, f)));
        } catch (err) {
          this.#deps.log.debug('adj-RIB-out not readable', { peer: name, error: errorMessage(err) });
          adjOut = undefined;
        }
      }
      out.push({ name, families, adjOut });
    }
    return out;
  }

  /** `read`, or a rejection once READ_TIMEOUT_MS passed (the call itself runs on to its own deadline). */
  async #within<T>(read: Promise<T>): Promise<T> {
    let timer: TimerHandle | undefined;
    const why = `gobgpd did not answer in ${READ_TIMEOUT_MS} ms`;
    const expired = new Promise<never>((_, reject) => {
      const fire = (): void => reject(new OpenelbError('OE_GOBGP_TIMEOUT', why));
      timer = this.#clock.setTimeout(fire, READ_TIMEOUT_MS);
    });
    try {
      return await Promise.race([read, expired]);
    } finally {
      if (timer) this.#clock.clearTimeout(timer);
    }
  }
}
