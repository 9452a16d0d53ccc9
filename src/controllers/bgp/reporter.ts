// What this replica reports about its BGP: its node's entry in every BgpPeer and BgpConf status,
// their conditions, and the per-session metrics. Debounced after session events, polled every
// STATUS_POLL_MS; one write pass at a time. Writes go through NodeStatusWriter (only on change).
import { BGPCONF_DEFAULT_NAME } from '../../api/names.ts';
import type { BgpPeer } from '../../api/v1alpha2.ts';
import type { GobgpdSink, DesiredGlobal, PeerStatus } from '../../bgp/index.ts';
import { canonicalIp } from '../../net/ip.ts';
import { Timer } from '../../core/timer.ts';
import { sleep } from '../../core/backoff.ts';
import { errorMessage, type Caches } from '../../kube/index.ts';
import type { Logger } from '../../obs/log.ts';
import { gauge } from '../../obs/metrics.ts';
import { confEntry, peerEntry, type NodeStatusWriter } from './status.ts';

const SESSION_CODE: Record<PeerStatus['sessionState'], number> = {
  UNKNOWN: 0,
  IDLE: 1,
  CONNECT: 2,
  ACTIVE: 3,
  OPENSENT: 4,
  OPENCONFIRM: 5,
  ESTABLISHED: 6,
};
const mSession = gauge(
  'bgp_session_state',
  'BGP session state per peer on this node (0 unknown, 1 idle, 2 connect, 3 active, 4 opensent, 5 openconfirm, 6 established)',
  ['peer', 'node'],
);
const mEstablished = gauge('bgp_session_established', '1 when the BGP session to the peer is Established', [
  'peer',
  'node',
]);

/** Status (and session metrics) are refreshed at least this often, and soon after each session event. */
const STATUS_POLL_MS = 5_000;
const STATUS_DEBOUNCE_MS = 200;

/** What the reconciler decided last, as the reporter needs it. */
export interface BgpIntent {
  configured: boolean;
  global: DesiredGlobal | undefined;
  /** why BgpConf default is not applied on this node (invalid, no router id …) */
  globalError: string | undefined;
  /** BgpPeers that select this node */
  selectedPeers: readonly string[];
  /** per BgpPeer name: why it is not applied as asked */
  peerErrors: Readonly<Record<string, string>>;
}

/** One spelling per address, so status from gobgpd and addresses from BgpPeers compare. */
export function canonAddress(a: string): string {
  return canonicalIp(a) ?? a;
}

export class BgpStatusReporter {
  readonly #caches: Caches;
  readonly #writer: NodeStatusWriter;
  readonly #node: string;
  readonly #speaker: GobgpdSink;
  readonly #intent: () => BgpIntent;
  readonly #log: Logger;
  readonly #timer = new Timer(() => this.#pass());
  readonly #poll = new Timer(() => {
    this.#poll.restart(STATUS_POLL_MS);
    this.schedule(0);
  });
  #running: Promise<void> | undefined;
  #again = false;
  #active = false;
  #sessionsSeen = new Set<string>();

  constructor(o: {
    caches: Caches;
    writer: NodeStatusWriter;
    node: string;
    speaker: GobgpdSink;
    intent: () => BgpIntent;
    log: Logger;
  }) {
    this.#caches = o.caches;
    this.#writer = o.writer;
    this.#node = o.node;
    this.#speaker = o.speaker;
    this.#intent = o.intent;
    this.#log = o.log;
  }

  /** From now on writes happen (gobgpd connected): a first pass at once, then polling. */
  start(): void {
    this.#active = true;
    this.#poll.restart(STATUS_POLL_MS);
    this.schedule(0);
  }

  /** A write pass soon (debounced), or right away with delay 0. No-op before start(). */
  schedule(delay = STATUS_DEBOUNCE_MS): void {
    if (!this.#active) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#timer.atMost(delay);
  }

  #pass(): void {
    this.#running = this.#write()
      .catch((err: unknown) => {
        this.#log.warn('status update failed', { error: errorMessage(err) });
      })
      .finally(() => {
        this.#running = undefined;
        if (this.#again) {
          this.#again = false;
          this.schedule();
        }
      });
  }

  /**
   * The replica leaves this node (drained, no successor attached to its gobgpd): removes its own
   * entries from BgpConf/BgpPeer status, so no session of a replica that is gone stays listed. Call
   * after stop(); gives up after budgetMs (the departed-replica cleanup removes what is left).
   */
  async retract(budgetMs: number): Promise<void> {
    const c = this.#caches;
    const writes: Promise<boolean>[] = [];
    for (const peer of c.bgpPeers.list())
      if (peer.status?.nodesPeerStatus?.[this.#node] !== undefined)
        writes.push(this.#writer.peer(peer, undefined));
    const conf = c.bgpConfs.get(BGPCONF_DEFAULT_NAME);
    if (conf?.status?.nodesConfStatus?.[this.#node] !== undefined)
      writes.push(this.#writer.conf(conf, undefined));
    if (writes.length === 0) return;
    const left = await Promise.race([
      Promise.allSettled(writes).then(() => false),
      sleep(budgetMs).then(() => true),
    ]);
    this.#log.info("drain: removed this node's BgpConf/BgpPeer status entries", {
      entries: writes.length,
      ...(left ? { unfinished: true } : {}),
    });
  }

  /** No more writes; waits for a pass under way. */
  async stop(): Promise<void> {
    this.#active = false;
    this.#poll.cancel();
    this.#timer.cancel();
    await this.#running?.catch(() => undefined);
  }

  async #write(): Promise<void> {
    const c = this.#caches;
    const intent = this.#intent();
    let status: PeerStatus[] = [];
    let speakerError: string | undefined;
    try {
      status = intent.configured ? await this.#speaker.peerStatus() : [];
    } catch (err) {
      speakerError = `gobgpd: ${errorMessage(err)}`;
    }
    this.#metrics(status);
    const byAddr = new Map(status.map((s) => [canonAddress(s.address), s]));
    const selected = new Set(intent.selectedPeers);
    // the newest version of each object: its status and conditions are what gets written, also
    // when that version was refused (the conditions then say why)
    for (const obj of c.bgpPeers.listLatest()) {
      const name = obj.metadata.name;
      if (!selected.has(name) || obj.metadata.deletionTimestamp) {
        if (obj.status?.nodesPeerStatus?.[this.#node] !== undefined) await this.#writer.peer(obj, undefined);
        // a peer no replica selects still gets its Valid condition (same content from every replica)
        else if (!obj.metadata.deletionTimestamp) await this.#writer.conditions.peer(obj as BgpPeer);
        continue;
      }
      const addr = obj.spec.conf?.neighborAddress ?? '';
      const s = intent.configured ? byAddr.get(canonAddress(addr)) : undefined;
      const err =
        intent.peerErrors[name] ??
        (intent.configured ? speakerError : 'BGP is not configured (no BgpConf default)');
      await this.#writer.peer(obj as BgpPeer, peerEntry(s, addr, err));
    }
    const conf = c.bgpConfs.latest(BGPCONF_DEFAULT_NAME);
    if (conf && !conf.metadata.deletionTimestamp)
      await this.#writer.conf(conf, confEntry(intent.global, intent.globalError ?? speakerError));
    // BgpConfs not named default are ignored, and their Valid=False/NotDefault condition says so
    for (const o of c.bgpConfs.listLatest()) {
      if (o.metadata.name !== BGPCONF_DEFAULT_NAME && !o.metadata.deletionTimestamp)
        await this.#writer.conditions.conf(o);
    }
  }

  #metrics(status: readonly PeerStatus[]): void {
    const seen = new Set<string>();
    for (const s of status) {
      const peer = canonAddress(s.address);
      seen.add(peer);
      mSession.set({ peer, node: this.#node }, SESSION_CODE[s.sessionState] ?? 0);
      mEstablished.set({ peer, node: this.#node }, s.sessionState === 'ESTABLISHED' ? 1 : 0);
    }
    for (const old of this.#sessionsSeen) {
      if (!seen.has(old)) {
        mSession.remove({ peer: old, node: this.#node });
        mEstablished.remove({ peer: old, node: this.#node });
      }
    }
    this.#sessionsSeen = seen;
  }
}
