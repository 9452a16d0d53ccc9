// The Layer 2 speaker: drives the ownership machine with real Lease I/O and a monotonic clock, and
// points the responders (one per interface) at exactly the IPs the machine lets us answer.
//
//   inputs  : setTargets() (IPs + eligible nodes + interface, from the caches), peer Lease events (watch)
//   loop    : advance() on every input, at wakeAt, after every renew / quorum read
//   renew   : every renewInterval, and at once when the claims changed; startedAt taken before the send
//   quorum  : a LIST of the replica Leases whenever the machine asks for one
//   fence   : every send (reply, gratuitous burst, probe) asks machine.mayAnswer(ip, now) first
//   stop()  : shutdown() → advance (answer nothing) → renew with empty claims → delete our Lease
import { Announcer } from '../announcer.ts';
import { newCounters, type Layer2Counters } from '../counters.ts';
import { OwnershipMachine } from '../ownership/machine.ts';
import type { AdvanceResult, PeerLease } from '../ownership/types.ts';
import { type ForeignClaim, Responder } from '../responder.ts';
import { logger, type Logger } from '../../obs/log.ts';
import { ConflictFilter, probeFrame } from './conflicts.ts';
import type { Layer2Target } from './desired.ts';
import { type LinkHandle, macText } from './links.ts';
import * as m from './metrics.ts';

/** What the speaker needs from the Lease I/O (ReplicaLeaseIO implements it). */
export interface LeaseStore {
  renew(claims: readonly string[], macs: readonly string[]): Promise<{ startedAt: number; completedAt: number; claims: readonly string[] }>;
  delete(): Promise<void>;
  /** All replica Leases, already converted; `macs` per node. */
  read(): Promise<{ startedAt: number; completedAt: number; leases: PeerLease[]; macs: Map<string, string[]> }>;
}

export interface SpeakerOptions {
  readonly self: string;
  readonly leases: LeaseStore;
  readonly leaseDurationMs: number;
  readonly marginMs: number;
  readonly renewIntervalMs: number;
  readonly keepAnsweringWithoutApi?: boolean;
  readonly gratuitousCount: number;
  readonly gratuitousIntervalMs: number;
  /** 0 = no conflict probes. */
  readonly probeIntervalMs: number;
  readonly openLink: (ifname: string) => LinkHandle;
  /** A conflict passed the filter (Event on the Services is the caller's business). */
  readonly onConflict?: (target: Layer2Target | undefined, claim: ForeignClaim) => void;
  readonly now?: () => number;
  readonly log?: Logger;
}

interface LinkState {
  readonly link: LinkHandle;
  readonly responder: Responder;
  readonly announcer: Announcer;
}

const MIN_READ_SPACING_MS = 10;
const READ_RETRY_MS = 100;

export class Layer2Speaker {
  readonly machine: OwnershipMachine;
  readonly counters: Layer2Counters = newCounters();
  readonly #o: SpeakerOptions;
  readonly #now: () => number;
  readonly #log: Logger;
  readonly #filter: ConflictFilter;
  #targets = new Map<string, Layer2Target>();
  #links = new Map<string, LinkState>();
  #answering: readonly string[] = [];
  #running = false;
  #stopped = false;
  #wakeTimer: NodeJS.Timeout | undefined;
  #renewTimer: NodeJS.Timeout | undefined;
  #readTimer: NodeJS.Timeout | undefined;
  #probeTimer: NodeJS.Timeout | undefined;
  #metricsTimer: NodeJS.Timeout | undefined;
  #renewing: Promise<void> | undefined;
  #renewAgain = false;
  #lastRenewStart = -Infinity;
  #lastRenewFailed = false;
  #reading: Promise<void> | undefined;
  #readNotBefore = -Infinity;
  #lastError = '';

  constructor(o: SpeakerOptions) {
    if (o.renewIntervalMs >= o.leaseDurationMs - o.marginMs) {
      throw new RangeError(`layer2: --layer2-renew-interval (${o.renewIntervalMs} ms) must be below --layer2-lease-duration − --layer2-margin (${o.leaseDurationMs} − ${o.marginMs} ms)`);
    }
    this.#o = o;
    this.#now = o.now ?? (() => performance.now());
    this.#log = o.log ?? logger('layer2');
    this.machine = new OwnershipMachine({
      self: o.self,
      leaseDurationMs: o.leaseDurationMs,
      marginMs: o.marginMs,
      keepAnsweringWithoutApi: o.keepAnsweringWithoutApi ?? false,
    });
    this.#filter = new ConflictFilter({
      handoverWindowMs: 2 * o.leaseDurationMs + o.gratuitousCount * o.gratuitousIntervalMs,
      repeatMs: 60_000,
    });
  }

  /** IPs answered right now. */
  get answering(): readonly string[] {
    return this.#answering;
  }

  get targets(): ReadonlyMap<string, Layer2Target> {
    return this.#targets;
  }

  start(): void {
    if (this.#running || this.#stopped) return;
    this.#running = true;
    this.#kickRenew();
    if (this.#o.probeIntervalMs > 0) {
      this.#probeTimer = setInterval(() => this.probe(), this.#o.probeIntervalMs);
      this.#probeTimer.unref();
    }
    this.#metricsTimer = setInterval(() => this.#syncMetrics(), 1000);
    this.#metricsTimer.unref();
    this.step();
  }

  setTargets(targets: ReadonlyMap<string, Layer2Target>): void {
    this.#targets = new Map(targets);
    this.machine.setAddresses(new Map([...targets].map(([ip, t]) => [ip, t.eligible])));
    this.step();
  }

  /** A watch event (add/update) of a replica Lease. */
  peerObserved(lease: PeerLease, macs: readonly string[]): void {
    if (lease.node === this.#o.self) return;
    this.#filter.setReplicaMacs(lease.node, macs);
    this.machine.peerObserved(this.#now(), lease);
    this.step();
  }

  peerDeleted(node: string): void {
    if (node === this.#o.self) return;
    this.machine.peerDeleted(this.#now(), node);
    this.step();
  }

  /** One advance of the machine, applied: responders, bursts, renew, quorum read, next wake-up. */
  step(): void {
    if (!this.#running) return;
    const now = this.#now();
    const res = this.machine.advance(now);
    this.#apply(res, now);
    if (res.leaseDirty) this.#kickRenew();
    if (res.needQuorumRead) this.#kickRead();
    clearTimeout(this.#wakeTimer);
    this.#wakeTimer = undefined;
    if (res.wakeAt !== undefined) {
      this.#wakeTimer = setTimeout(() => this.step(), Math.max(0, res.wakeAt - now) + 1);
      this.#wakeTimer.unref();
    }
  }

  #apply(res: AdvanceResult, now: number): void {
    this.#answering = res.answering;
    // links: open what any target of ours needs, close what nothing needs any more
    const needed = new Set<string>();
    for (const t of this.#targets.values()) if (t.ifname !== undefined && t.eligible.includes(this.#o.self)) needed.add(t.ifname);
    for (const ip of res.answering) {
      const ifname = this.#targets.get(ip)?.ifname;
      if (ifname !== undefined) needed.add(ifname);
    }
    for (const ifname of needed) if (!this.#links.has(ifname)) this.#openLink(ifname);
    for (const [ifname, ls] of this.#links) {
      if (needed.has(ifname)) continue;
      ls.announcer.cancelAll();
      ls.responder.clear();
      ls.link.close();
      this.#links.delete(ifname);
      this.#log.info('layer2 interface released', { ifname });
    }
    const perLink = new Map<string, string[]>();
    for (const ip of res.answering) {
      const ifname = this.#targets.get(ip)?.ifname;
      if (ifname === undefined) continue;
      const l = perLink.get(ifname) ?? [];
      l.push(ip);
      perLink.set(ifname, l);
    }
    for (const [ifname, ls] of this.#links) ls.responder.setAddresses(perLink.get(ifname) ?? []);
    for (const ip of res.stopped) {
      for (const ls of this.#links.values()) ls.announcer.cancel(ip);
      this.#filter.noteReleased(ip);
      m.releasesTotal.inc();
      this.#log.info('layer2 stopped answering', { ip });
    }
    for (const ip of res.takeovers) {
      this.#filter.noteTakeover(ip, now);
      m.takeoversTotal.inc();
      const ls = this.#linkFor(ip);
      this.#log.info('layer2 answering', { ip, ifname: ls?.link.ifname });
      void ls?.announcer.announce(ip);
    }
    m.ipsOwned.set(res.answering.length);
    m.ipsClaimed.set(res.claims.length);
    const deadline = this.machine.fenceDeadline;
    m.fenceRemaining.set(deadline === undefined ? 0 : Math.max(0, (deadline - now) / 1000));
  }

  #linkFor(ip: string): LinkState | undefined {
    const ifname = this.#targets.get(ip)?.ifname;
    return ifname === undefined ? undefined : this.#links.get(ifname);
  }

  #openLink(ifname: string): void {
    const link = this.#o.openLink(ifname);
    const mayAnswer = (ip: string): boolean => this.machine.mayAnswer(ip, this.#now());
    const responder = new Responder({
      link,
      mayAnswer,
      counters: this.counters,
      onForeignClaim: (c) => this.#foreign(c),
      onBadFrame: (reason) => this.#log.debug('layer2 bad frame', { ifname, reason }),
    });
    const announcer = new Announcer({
      link,
      mayAnswer,
      count: this.#o.gratuitousCount,
      intervalMs: this.#o.gratuitousIntervalMs,
      counters: this.counters,
    });
    link.onFrame((frame, pkttype) => responder.handleFrame(frame, pkttype));
    const ls: LinkState = { link, responder, announcer };
    // (re)opened socket: neighbours may have missed us while the interface was gone; tell them again
    link.onOpen(() => {
      for (const ip of responder.addresses) void announcer.announce(ip);
      this.#kickRenew(); // our MAC list in the Lease may have changed
    });
    this.#links.set(ifname, ls);
    link.start();
    this.#log.info('layer2 interface in use', { ifname, mac: macText(link) ?? '(interface missing)' });
  }

  #foreign(c: ForeignClaim): void {
    const verdict = this.#filter.judge(c, this.#now());
    if (verdict === 'handover') {
      this.#log.debug('layer2 answer from the previous owner during handover', { ...c, replica: this.#filter.replicaOf(c.mac) });
      return;
    }
    if (verdict === 'repeat') return;
    m.conflictsTotal.inc();
    this.#log.warn('layer2 conflict: another MAC answers for an IP we own', { ...c, replica: this.#filter.replicaOf(c.mac) ?? 'none' });
    this.#o.onConflict?.(this.#targets.get(c.ip), c);
  }

  /** Sends one conflict probe for every IP we answer (called periodically). */
  probe(): void {
    for (const ip of this.#answering) {
      const ls = this.#linkFor(ip);
      const mac = ls?.link.mac;
      if (ls === undefined || mac === undefined || !this.machine.mayAnswer(ip, this.#now())) continue;
      const f = probeFrame(mac, ip);
      if (f !== undefined && ls.link.send(f) === 0) m.conflictProbesTotal.inc();
    }
  }

  #macs(): string[] {
    return [...this.#links.values()].map((l) => macText(l.link)).filter((x): x is string => x !== undefined);
  }

  #kickRenew(): void {
    if (!this.#running) return;
    if (this.#renewing !== undefined) {
      this.#renewAgain = true;
      return;
    }
    const now = this.#now();
    // after a failure, retry at the normal pace rather than in a tight loop
    if (this.#lastRenewFailed && now < this.#lastRenewStart + this.#o.renewIntervalMs) {
      this.#scheduleRenew(this.#lastRenewStart + this.#o.renewIntervalMs - now);
      return;
    }
    clearTimeout(this.#renewTimer);
    this.#renewTimer = undefined;
    this.#renewing = this.#renewOnce().finally(() => {
      this.#renewing = undefined;
      if (!this.#running) return;
      if (this.#renewAgain) {
        this.#renewAgain = false;
        this.#kickRenew();
      } else {
        this.#scheduleRenew(this.#lastRenewStart + this.#o.renewIntervalMs - this.#now());
      }
    });
  }

  #scheduleRenew(delayMs: number): void {
    if (this.#renewTimer !== undefined) return;
    this.#renewTimer = setTimeout(() => {
      this.#renewTimer = undefined;
      this.#kickRenew();
    }, Math.max(0, delayMs));
    this.#renewTimer.unref();
  }

  async #renewOnce(): Promise<void> {
    this.#lastRenewStart = this.#now();
    const claims = this.machine.claimsForLease();
    try {
      const r = await this.#o.leases.renew(claims, this.#macs());
      this.#lastRenewStart = r.startedAt;
      this.#lastRenewFailed = false;
      this.machine.renewSucceeded(r);
      m.renewsTotal.inc({ result: 'ok' });
      if (this.#lastError !== '') this.#log.info('layer2 Lease renewed again', { after: this.#lastError });
      this.#lastError = '';
    } catch (e) {
      this.#lastRenewFailed = true;
      m.renewsTotal.inc({ result: 'error' });
      const msg = e instanceof Error ? e.message : String(e);
      if (msg !== this.#lastError) this.#log.warn('layer2 Lease renew failed', { error: msg, fenced: !this.machine.fenceValid(this.#now()) });
      this.#lastError = msg;
    }
    this.step();
  }

  #kickRead(): void {
    if (!this.#running || this.#reading !== undefined) return;
    const now = this.#now();
    if (now < this.#readNotBefore) {
      if (this.#readTimer === undefined) {
        this.#readTimer = setTimeout(() => {
          this.#readTimer = undefined;
          this.step();
        }, this.#readNotBefore - now);
        this.#readTimer.unref();
      }
      return;
    }
    this.#reading = (async () => {
      try {
        const r = await this.#o.leases.read();
        for (const [node, macs] of r.macs) if (node !== this.#o.self) this.#filter.setReplicaMacs(node, macs);
        this.machine.quorumRead(r);
        this.#readNotBefore = this.#now() + MIN_READ_SPACING_MS;
        m.quorumReadsTotal.inc({ result: 'ok' });
      } catch (e) {
        this.#readNotBefore = this.#now() + READ_RETRY_MS;
        m.quorumReadsTotal.inc({ result: 'error' });
        this.#log.debug('layer2 quorum read failed', { error: e instanceof Error ? e.message : String(e) });
      }
    })().finally(() => {
      this.#reading = undefined;
      this.step();
    });
  }

  #syncMetrics(): void {
    m.syncCounters(this.counters);
    const deadline = this.machine.fenceDeadline;
    m.fenceRemaining.set(deadline === undefined ? 0 : Math.max(0, (deadline - this.#now()) / 1000));
  }

  /**
   * Hand over and stop: answer nothing from now on, publish empty claims, delete our Lease (peers then
   * take at once instead of waiting for it to expire), close the sockets.
   */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    const wasRunning = this.#running;
    this.machine.shutdown();
    this.step();
    this.#running = false;
    for (const t of [this.#wakeTimer, this.#renewTimer, this.#readTimer]) clearTimeout(t);
    for (const t of [this.#probeTimer, this.#metricsTimer]) clearInterval(t);
    for (const ls of this.#links.values()) {
      ls.announcer.cancelAll();
      ls.responder.clear();
    }
    if (wasRunning) {
      await this.#renewing;
      await this.#reading;
      try {
        const r = await this.#o.leases.renew([], this.#macs());
        this.machine.renewSucceeded(r);
        await this.#o.leases.delete();
        this.#log.info('layer2 handed over: claims released, Lease deleted');
      } catch (e) {
        this.#log.warn('layer2 hand-over could not reach the API; peers take over when our Lease expires', { error: e instanceof Error ? e.message : String(e) });
      }
    }
    for (const ls of this.#links.values()) ls.link.close();
    this.#links.clear();
    this.#syncMetrics();
    m.ipsOwned.set(0);
    m.ipsClaimed.set(0);
  }
}
