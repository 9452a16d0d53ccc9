// The Layer 2 speaker: drives the ownership machine with real Lease I/O and a monotonic clock, and
// points the responders (one per interface) at exactly the IPs the machine lets us answer.
//
//   inputs  : setTargets() (IPs + eligible nodes + interface, from the caches), peer Lease events (watch)
//   loop    : advance() on every input, at wakeAt, after every renew / quorum read
//   leases  : renew and quorum read (lease-sync.ts)
//   links   : one socket + responder + announcer per interface in use (link-set.ts)
//   fence   : every send (reply, gratuitous burst, probe) asks machine.mayAnswer(ip, now) first
//   guard   : an IP the machine lets us answer is probed first and answered only if nobody else holds
//             it and it is not reserved (../guard/); a stranger's claim at any time refuses it again
//   stop()  : shutdown() → advance (answer nothing) → renew with empty claims → delete our Lease
import { systemClock } from '../../core/clock.ts';
import { OpenelbError } from '../../core/errors.ts';
import { Timer } from '../../core/timer.ts';
import { newCounters, type Layer2Counters } from '../counters.ts';
import type { OwnershipMachine } from '../ownership/machine.ts';
import type { AdvanceResult, PeerLease } from '../ownership/types.ts';
import { AddressGuard } from '../guard/guard.ts';
import type { GuardStep, Refusal } from '../guard/types.ts';
import { PeerClaims } from '../guard/peer-claims.ts';
import { logger, type Logger } from '../../obs/log.ts';
import type { Layer2Target } from './desired.ts';
import { ForeignClaims } from './foreign-claims.ts';
import { LeaseSync } from './lease-sync.ts';
import { LinkSet } from './link-set.ts';
import * as m from './metrics.ts';
import { Probes } from './probes.ts';
import { ownershipFor, type SpeakerOptions } from './options.ts';

const METRICS_EVERY_MS = 1000;

export class Layer2Speaker {
  readonly #opts: SpeakerOptions;
  readonly #machine: OwnershipMachine;
  readonly #counters: Layer2Counters = newCounters();
  readonly #now: () => number;
  readonly #log: Logger;
  readonly #guard: AddressGuard;
  readonly #peerClaims: PeerClaims;
  readonly #leaseSync: LeaseSync;
  readonly #links: LinkSet;
  readonly #probes: Probes;
  readonly #foreignClaims: ForeignClaims;
  #reserved: ReadonlyMap<string, string> = new Map();
  #targets = new Map<string, Layer2Target>();
  #permitted: readonly string[] = [];
  #stepQueued = false;
  #running = false;
  #stopped = false;
  /** The next step the machine or the guard asked for (wakeAt). */
  readonly #wakeTimer: Timer;
  readonly #metricsTimer: Timer;

  constructor(o: SpeakerOptions) {
    if (o.renewIntervalMs >= o.leaseDurationMs - o.marginMs) {
      throw new OpenelbError(
        'OE_LAYER2_CONFIG',
        `layer2: --layer2-renew-interval (${o.renewIntervalMs} ms) must be below --layer2-lease-duration − --layer2-margin (${o.leaseDurationMs} − ${o.marginMs} ms)`,
        { context: { field: 'layer2RenewIntervalMs' } },
      );
    }
    this.#opts = o;
    const clock = o.clock ?? systemClock;
    this.#now = () => clock.monotonic();
    // through setImmediate: frames that arrived by then (an answer to a probe) are handled first
    this.#wakeTimer = new Timer(() => setImmediate(() => this.step()), { clock });
    this.#metricsTimer = new Timer(
      () => {
        this.#metricsTimer.restart(METRICS_EVERY_MS);
        this.#syncMetrics();
      },
      { clock },
    );
    this.#log = o.log ?? logger('layer2');
    this.#machine = o.ownership ?? ownershipFor(o);
    this.#guard = new AddressGuard(o.guard);
    // a replica's answers count as its own hand-over for this long after we last saw it claim the IP
    this.#peerClaims = new PeerClaims(2 * o.leaseDurationMs + o.gratuitousCount * o.gratuitousIntervalMs);
    this.#foreignClaims = new ForeignClaims({
      guard: this.#guard,
      peerClaims: this.#peerClaims,
      log: this.#log,
      onRefused: () => this.#queueStep(),
    });
    this.#links = new LinkSet({
      openLink: o.openLink,
      ifnameOf: (ip) => this.#targets.get(ip)?.ifname,
      mayAnswer: (ip) => this.#guard.isActive(ip) && this.#machine.mayAnswer(ip, this.#now()),
      gratuitousCount: o.gratuitousCount,
      gratuitousIntervalMs: o.gratuitousIntervalMs,
      clock,
      counters: this.#counters,
      onForeignClaim: (c) => this.#foreignClaims.handle(this.#now(), c),
      onReopen: () => this.#leaseSync.renewSoon(),
      log: this.#log,
    });
    this.#probes = new Probes({
      links: this.#links,
      guard: this.#guard,
      machine: this.#machine,
      clock,
      intervalMs: o.probeIntervalMs,
    });
    this.#leaseSync = new LeaseSync({
      self: o.self,
      leases: o.leases,
      renewIntervalMs: o.renewIntervalMs,
      machine: this.#machine,
      peerClaims: this.#peerClaims,
      clock,
      log: this.#log,
      refused: () => [...this.#guard.refusals().keys()].sort(),
      macs: () => this.#links.macs(),
      afterSync: () => this.step(),
    });
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
    this.#leaseSync.start();
    this.#probes.start();
    this.#metricsTimer.restart(METRICS_EVERY_MS);
    this.step();
  }

  /** Addresses never to answer, and why (see ../guard/reserved.ts). */
  setReserved(reserved: ReadonlyMap<string, string>): void {
    this.#reserved = new Map(reserved);
    this.step();
  }

  setTargets(targets: ReadonlyMap<string, Layer2Target>): void {
    this.#targets = new Map(targets);
    this.#machine.setAddresses(new Map([...targets].map(([ip, t]) => [ip, t.eligible])));
    this.step();
  }

  /** A watch event (add/update) of a replica Lease. */
  peerObserved(lease: PeerLease, macs: readonly string[]): void {
    if (lease.node === this.#opts.self) return;
    this.#peerClaims.observe(this.#now(), lease.node, lease.claims, lease.refused ?? [], macs);
    this.#machine.peerObserved(this.#now(), lease);
    this.step();
  }

  peerDeleted(node: string): void {
    if (node === this.#opts.self) return;
    this.#machine.peerDeleted(this.#now(), node);
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
    const res = this.#machine.advance(now);
    this.#permitted = res.answering;
    this.#guard.sync(now, res.answering, this.#reserved, (ip) =>
      this.#peerClaims.heldByPeer(now, ip, this.#opts.self),
    );
    const g = this.#guard.step(now);
    this.#apply(res, g, now);
    const refused = [...this.#guard.refusals().keys()].sort().join(',');
    if (res.leaseDirty || refused !== this.#leaseSync.refusedWritten) this.#leaseSync.renewSoon();
    if (res.needQuorumRead) this.#leaseSync.readSoon();
    const wakeAt =
      res.wakeAt === undefined
        ? g.wakeAt
        : g.wakeAt === undefined
          ? res.wakeAt
          : Math.min(res.wakeAt, g.wakeAt);
    if (wakeAt === undefined) this.#wakeTimer.cancel();
    else this.#wakeTimer.restart(Math.max(0, wakeAt - now) + 1);
  }

  #apply(res: AdvanceResult, g: GuardStep, now: number): void {
    // links: open what any target of ours needs, close what nothing needs any more
    const needed = new Set<string>();
    for (const t of this.#targets.values())
      if (t.ifname !== undefined && t.eligible.includes(this.#opts.self)) needed.add(t.ifname);
    for (const ip of res.answering) {
      const ifname = this.#targets.get(ip)?.ifname;
      if (ifname !== undefined) needed.add(ifname);
    }
    this.#links.keepOnly(needed);
    this.#links.route(this.#guard.active(), this.#guard.watched());
    for (const ip of [...res.stopped, ...g.stopped]) this.#links.cancelBurst(ip);
    for (const ip of g.stopped) {
      m.releasesTotal.inc();
      this.#log.info('layer2 stopped answering', { ip });
    }
    for (const ip of res.takeovers)
      this.#log.debug('layer2 may answer; probing first', { ip, phase: this.#guard.phase(ip) });
    for (const ip of g.probe) this.#probes.send(ip, now, true);
    for (const r of g.refused) this.#refused(r);
    for (const ip of g.resolved) {
      this.#log.info('layer2 refusal over: nobody else answered the probe', { ip });
      this.#opts.onResolved?.(this.#targets.get(ip), ip);
    }
    for (const ip of g.announce) {
      m.takeoversTotal.inc();
      const ls = this.#links.linkFor(ip);
      this.#log.info('layer2 answering', { ip, ifname: ls?.link.ifname });
      void ls?.announcer.announce(ip);
    }
    m.syncHoldings(this.#guard.active().length, res.claims.length, this.#guard.refusals().values());
    if (g.announce.length + g.stopped.length + g.refused.length + g.resolved.length > 0)
      this.#opts.onHoldingsChanged?.();
    m.syncFence(this.#machine.fenceDeadline, now);
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
    this.#opts.onRefused?.(t, r);
  }

  /** Sends one conflict probe for every IP we answer (called periodically). */
  probe(): void {
    this.#probes.probeAnswered();
  }

  #syncMetrics(): void {
    m.syncCounters(this.#counters);
    m.syncFence(this.#machine.fenceDeadline, this.#now());
  }

  /**
   * Hand over and stop: answer nothing from now on, publish empty claims, delete our Lease (peers then
   * take at once instead of waiting for it to expire), close the sockets.
   */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    const wasRunning = this.#running;
    this.#machine.shutdown();
    this.step();
    this.#running = false;
    this.#leaseSync.halt();
    this.#wakeTimer.cancel();
    this.#metricsTimer.cancel();
    this.#probes.stop();
    this.#links.silence();
    if (wasRunning) {
      await this.#leaseSync.settled();
      await this.#leaseSync.handOver();
    }
    this.#links.closeAll();
    this.#syncMetrics();
    m.ipsOwned.set(0);
    m.ipsClaimed.set(0);
  }
}
