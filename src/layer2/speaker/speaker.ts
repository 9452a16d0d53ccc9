// The Layer 2 speaker: drives the ownership machine with real Lease I/O and a monotonic clock, and
// points the responders (one per interface) at exactly the IPs the machine lets us answer.
//
//   inputs  : setTargets() (IPs + eligible nodes + interface, from the caches), peer Lease events (watch)
//   loop    : advance() on every input, at wakeAt, after every renew / quorum read
//   renew   : every renewInterval, and at once when the claims changed; startedAt taken before the send
//   quorum  : a LIST of the replica Leases whenever the machine asks for one
//   fence   : every send (reply, gratuitous burst, probe) asks machine.mayAnswer(ip, now) first
//   guard   : an IP the machine lets us answer is probed first and answered only if nobody else holds
//             it and it is not reserved (../guard/); a stranger's claim at any time refuses it again
//   stop()  : shutdown() → advance (answer nothing) → renew with empty claims → delete our Lease
import { Announcer } from '../announcer.ts';
import { newCounters, type Layer2Counters } from '../counters.ts';
import { OwnershipMachine } from '../ownership/machine.ts';
import type { AdvanceResult, PeerLease } from '../ownership/types.ts';
import { AddressGuard } from '../guard/guard.ts';
import type { GuardConfig, GuardStep, Refusal } from '../guard/types.ts';
import { PeerClaims } from '../guard/peer-claims.ts';
import { type ForeignClaim, Responder } from '../responder.ts';
import { logger, type Logger } from '../../obs/log.ts';
import { probeFrame } from './conflicts.ts';
import type { Layer2Target } from './desired.ts';
import { type LinkHandle, macText } from './links.ts';
import * as m from './metrics.ts';

/** What the speaker needs from the Lease I/O (ReplicaLeaseIO implements it). */
export interface LeaseStore {
  /** `refused`: the claimed IPs we do not answer (peers must not mistake their holder for us). */
  renew(
    claims: readonly string[],
    macs: readonly string[],
    refused: readonly string[],
  ): Promise<{ startedAt: number; completedAt: number; claims: readonly string[] }>;
  delete(): Promise<void>;
  /** All replica Leases, already converted; `macs` per node. */
  read(): Promise<{
    startedAt: number;
    completedAt: number;
    leases: PeerLease[];
    macs: Map<string, string[]>;
  }>;
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
  /** 0 = no periodic conflict probes of answered IPs. */
  readonly probeIntervalMs: number;
  /** Probe windows before the first answer, and the re-probe backoff of refused IPs. */
  readonly guard: GuardConfig;
  readonly openLink: (ifname: string) => LinkHandle;
  /** We refused an IP (a stranger answers it, or it is reserved); Events and conditions are the caller's. */
  readonly onRefused?: (target: Layer2Target | undefined, refusal: Refusal) => void;
  /** A refused IP is answered again (its re-probe met nobody, or it is no longer reserved). */
  readonly onResolved?: (target: Layer2Target | undefined, ip: string) => void;
  /** What we answer or refuse changed (an IP started or stopped being answered, refused, resolved). */
  readonly onHoldingsChanged?: () => void;
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
  readonly #guard: AddressGuard;
  readonly #peerClaims: PeerClaims;
  #reserved: ReadonlyMap<string, string> = new Map();
  #targets = new Map<string, Layer2Target>();
  #links = new Map<string, LinkState>();
  #permitted: readonly string[] = [];
  #refusedWritten = '';
  #defendedLogged = new Map<string, number>();
  #stepQueued = false;
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
      throw new RangeError(
        `layer2: --layer2-renew-interval (${o.renewIntervalMs} ms) must be below --layer2-lease-duration − --layer2-margin (${o.leaseDurationMs} − ${o.marginMs} ms)`,
      );
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
    this.#guard = new AddressGuard(o.guard);
    // a replica's answers count as its own hand-over for this long after we last saw it claim the IP
    this.#peerClaims = new PeerClaims(2 * o.leaseDurationMs + o.gratuitousCount * o.gratuitousIntervalMs);
  }

  /** IPs answered right now (permitted by the ownership machine and passed the guard). */
  get answering(): readonly string[] {
    return this.#guard.active();
  }

  /** IPs the ownership machine lets us answer (answered, being probed, or refused). */
  get permitted(): readonly string[] {
    return this.#permitted;
  }

  /** IPs we hold but refuse to answer, and why. */
  refusals(): Map<string, Refusal> {
    return this.#guard.refusals();
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

  /** Addresses never to answer, and why (see ../guard/reserved.ts). */
  setReserved(reserved: ReadonlyMap<string, string>): void {
    this.#reserved = new Map(reserved);
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
    this.#peerClaims.observe(this.#now(), lease.node, lease.claims, lease.refused ?? [], macs);
    this.machine.peerObserved(this.#now(), lease);
    this.step();
  }

  peerDeleted(node: string): void {
    if (node === this.#o.self) return;
    this.machine.peerDeleted(this.#now(), node);
    this.step();
  }

  #queueStep(): void {
    if (this.#stepQueued) return;
    this.#stepQueued = true;
    queueMicrotask(() => {
      this.#stepQueued = false;
      this.step();
    });
  }

  /** One advance of the machine, applied: responders, bursts, renew, quorum read, next wake-up. */
  step(): void {
    if (!this.#running) return;
    const now = this.#now();
    const res = this.machine.advance(now);
    this.#permitted = res.answering;
    this.#guard.sync(now, res.answering, this.#reserved, (ip) =>
      this.#peerClaims.heldByPeer(now, ip, this.#o.self),
    );
    const g = this.#guard.step(now);
    this.#apply(res, g, now);
    const refused = [...this.#guard.refusals().keys()].sort().join(',');
    if (res.leaseDirty || refused !== this.#refusedWritten) this.#kickRenew();
    if (res.needQuorumRead) this.#kickRead();
    clearTimeout(this.#wakeTimer);
    this.#wakeTimer = undefined;
    const wakeAt =
      res.wakeAt === undefined
        ? g.wakeAt
        : g.wakeAt === undefined
          ? res.wakeAt
          : Math.min(res.wakeAt, g.wakeAt);
    if (wakeAt !== undefined) {
      // through setImmediate: frames that arrived by then (an answer to a probe) are handled first
      this.#wakeTimer = setTimeout(() => setImmediate(() => this.step()), Math.max(0, wakeAt - now) + 1);
      this.#wakeTimer.unref();
    }
  }

  #apply(res: AdvanceResult, g: GuardStep, now: number): void {
    // links: open what any target of ours needs, close what nothing needs any more
    const needed = new Set<string>();
    for (const t of this.#targets.values())
      if (t.ifname !== undefined && t.eligible.includes(this.#o.self)) needed.add(t.ifname);
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
    const byLink = (ips: readonly string[]): Map<string, string[]> => {
      const out = new Map<string, string[]>();
      for (const ip of ips) {
        const ifname = this.#targets.get(ip)?.ifname;
        if (ifname === undefined) continue;
        const l = out.get(ifname) ?? [];
        l.push(ip);
        out.set(ifname, l);
      }
      return out;
    };
    const answer = byLink(this.#guard.active());
    const watch = byLink(this.#guard.watched());
    for (const [ifname, ls] of this.#links)
      ls.responder.setAddresses(answer.get(ifname) ?? [], watch.get(ifname) ?? []);
    for (const ip of [...res.stopped, ...g.stopped])
      for (const ls of this.#links.values()) ls.announcer.cancel(ip);
    for (const ip of g.stopped) {
      m.releasesTotal.inc();
      this.#log.info('layer2 stopped answering', { ip });
    }
    for (const ip of res.takeovers)
      this.#log.debug('layer2 may answer; probing first', { ip, phase: this.#guard.phase(ip) });
    for (const ip of g.probe) this.#sendProbe(ip, now, true);
    for (const r of g.refused) this.#refused(r);
    for (const ip of g.resolved) {
      this.#log.info('layer2 refusal over: nobody else answered the probe', { ip });
      this.#o.onResolved?.(this.#targets.get(ip), ip);
    }
    for (const ip of g.announce) {
      m.takeoversTotal.inc();
      const ls = this.#linkFor(ip);
      this.#log.info('layer2 answering', { ip, ifname: ls?.link.ifname });
      void ls?.announcer.announce(ip);
    }
    this.#syncGauges(res.claims.length);
    if (g.announce.length + g.stopped.length + g.refused.length + g.resolved.length > 0)
      this.#o.onHoldingsChanged?.();
    const deadline = this.machine.fenceDeadline;
    m.fenceRemaining.set(deadline === undefined ? 0 : Math.max(0, (deadline - now) / 1000));
  }

  #syncGauges(claims: number): void {
    m.ipsOwned.set(this.#guard.active().length);
    m.ipsClaimed.set(claims);
    const byCause = { conflict: 0, reserved: 0 };
    for (const r of this.#guard.refusals().values()) byCause[r.cause]++;
    for (const [cause, n] of Object.entries(byCause)) m.ipsRefused.set({ cause }, n);
  }

  #refused(r: Refusal): void {
    m.refusalsTotal.inc({ cause: r.cause });
    if (r.cause === 'conflict') m.conflictsTotal.inc();
    const t = this.#targets.get(r.ip);
    const retryInS = r.retryAt === undefined ? undefined : Math.round((r.retryAt - r.since) / 100) / 10;
    this.#log.warn('layer2 refusing an address: not answering ARP/NDP for it', {
      ip: r.ip,
      cause: r.cause,
      reason: r.detail,
      mac: r.mac,
      kind: r.kind,
      attempts: r.attempts,
      retryInS,
      eip: t?.eip,
    });
    this.#o.onRefused?.(t, r);
  }

  /** A probe (ARP probe / DAD NS) for ip; `forGuard`: the guard counts on it being sent. */
  #sendProbe(ip: string, now: number, forGuard: boolean): void {
    const ls = this.#linkFor(ip);
    const mac = ls?.link.mac;
    const f = mac === undefined ? undefined : probeFrame(mac, ip);
    const sent =
      ls !== undefined && f !== undefined && this.machine.mayAnswer(ip, now) && ls.link.send(f) === 0;
    if (sent) {
      if (forGuard) m.acquireProbesTotal.inc();
      else m.conflictProbesTotal.inc();
    } else if (forGuard) {
      this.#guard.probeNotSent(ip, now);
    }
  }

  #linkFor(ip: string): LinkState | undefined {
    const ifname = this.#targets.get(ip)?.ifname;
    return ifname === undefined ? undefined : this.#links.get(ifname);
  }

  #openLink(ifname: string): void {
    const link = this.#o.openLink(ifname);
    const mayAnswer = (ip: string): boolean =>
      this.#guard.isActive(ip) && this.machine.mayAnswer(ip, this.#now());
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
    const now = this.#now();
    if (this.#peerClaims.isHandover(now, c.ip, c.mac)) {
      this.#log.debug('layer2 answer from the replica that held the IP until now (hand-over)', {
        ...c,
        replica: this.#peerClaims.replicaOf(c.mac),
      });
      return;
    }
    const outcome = this.#guard.claim(now, c.ip, c.mac, c.kind);
    if (outcome === 'refused') {
      // replies are blocked from this moment (mayAnswer asks the guard); the rest — responder sets,
      // burst cancelled, Events, Lease — follows in a step right after this frame's handler
      this.#queueStep();
    } else if (outcome === 'postponed') {
      this.#log.debug('layer2 refused address still held by another host; re-probe postponed', { ...c });
    } else if (outcome === 'defended') {
      const k = `${c.ip} ${c.mac}`;
      const last = this.#defendedLogged.get(k);
      if (last === undefined || now - last > 60_000) {
        if (this.#defendedLogged.size > 1024) this.#defendedLogged.clear();
        this.#defendedLogged.set(k, now);
        this.#log.warn(
          'layer2: another host probed for an address we answer; answered it (the prober should back off)',
          { ...c },
        );
      }
    }
  }

  /** Sends one conflict probe for every IP we answer (called periodically). */
  probe(): void {
    const now = this.#now();
    for (const ip of this.#guard.active()) this.#sendProbe(ip, now, false);
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
    this.#renewTimer = setTimeout(
      () => {
        this.#renewTimer = undefined;
        this.#kickRenew();
      },
      Math.max(0, delayMs),
    );
    this.#renewTimer.unref();
  }

  async #renewOnce(): Promise<void> {
    this.#lastRenewStart = this.#now();
    const claims = this.machine.claimsForLease();
    const refused = [...this.#guard.refusals().keys()].sort();
    try {
      const r = await this.#o.leases.renew(claims, this.#macs(), refused);
      this.#refusedWritten = refused.join(',');
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
      if (msg !== this.#lastError)
        this.#log.warn('layer2 Lease renew failed', {
          error: msg,
          fenced: !this.machine.fenceValid(this.#now()),
        });
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
        const at = this.#now();
        for (const l of r.leases)
          if (l.node !== this.#o.self)
            this.#peerClaims.observe(at, l.node, l.claims, l.refused ?? [], r.macs.get(l.node));
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
        const r = await this.#o.leases.renew([], this.#macs(), []);
        this.machine.renewSucceeded(r);
        await this.#o.leases.delete();
        this.#log.info('layer2 handed over: claims released, Lease deleted');
      } catch (e) {
        this.#log.warn('layer2 hand-over could not reach the API; peers take over when our Lease expires', {
          error: e instanceof Error ? e.message : String(e),
        });
      }
    }
    for (const ls of this.#links.values()) ls.link.close();
    this.#links.clear();
    this.#syncMetrics();
    m.ipsOwned.set(0);
    m.ipsClaimed.set(0);
  }
}
