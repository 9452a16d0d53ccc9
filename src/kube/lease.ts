// A coordination.k8s.io/v1 Lease held by one identity: acquire, renew, release, with gain/loss callbacks.
// Used for the allocator election (Lease `openelb-manager`) and for each replica's liveness Lease.
//
// Timing is judged on this process's monotonic clock (performance.now), never on the renewTime another
// node wrote: a foreign holder's lease counts as expired only when its record has not changed for
// leaseDuration as *we* observed it. Our own leadership ends at (start of the last successful renew +
// renewDeadline) even while a request hangs, and renewDeadline < leaseDuration, so we declare the loss
// before any other replica can consider the lease expired.
import { isAlreadyExists, isConflict, isNotFound, errorMessage } from './errors.ts';
import type { KubeClient } from './client.ts';
import { Resources } from './resources.ts';
import type { Lease } from './types.ts';
import { claimedLease, newLease, observationKey, releasedLease } from './lease-record.ts';
import { systemClock, type Clock } from '../core/clock.ts';
import { OpenelbError } from '../core/errors.ts';
import { Timer } from '../core/timer.ts';
import { kubeMicroTime } from '../core/time.ts';
import { counter, gauge } from '../obs/metrics.ts';
import { logger } from '../obs/log.ts';

export interface LeaseOptions {
  client: KubeClient;
  namespace: string;
  name: string;
  /** Our holderIdentity (pod or node name). */
  identity: string;
  /** Written into the Lease; others wait this long after the last observed change. Default 15 s. */
  leaseDurationSeconds?: number;
  /** Leadership is dropped when no renew succeeded for this long. Default 2/3 of the lease duration. */
  renewDeadlineMs?: number;
  /** Pause between attempts (renewals while holding, acquisition tries otherwise). Default 2 s. */
  retryPeriodMs?: number;
  /** Labels put on the Lease when we create it (e.g. to select liveness Leases). */
  labels?: Record<string, string>;
  onStartedLeading?: () => void;
  onStoppedLeading?: (reason: string) => void;
  /** Called whenever the observed holder changes (including to us, or to none). */
  onNewHolder?: (holder: string | undefined) => void;
  /** Timers and the monotonic time leadership is judged on; tests may inject one. */
  clock?: Clock;
}

const transitionsTotal = counter('lease_transitions_total', 'Leadership gained or lost', ['lease', 'event']);
const holdingGauge = gauge('lease_held', '1 while this replica holds the Lease', ['lease']);

export class LeaseHolder {
  private readonly o: Required<
    Pick<LeaseOptions, 'leaseDurationSeconds' | 'renewDeadlineMs' | 'retryPeriodMs'>
  > &
    LeaseOptions;
  private readonly clock: Clock;
  private readonly log;
  private leading = false;
  /** Monotonic time at which our last successful write was *sent*. */
  private renewedAt = 0;
  private observedKey = '';
  private observedAt = 0;
  private observedHolder: string | undefined;
  private running = false;
  /** The next acquire-or-renew round (keeps the process alive, as the loop is its purpose). */
  private readonly loopTimer: Timer;
  /** Declares the loss at the renew deadline even when a renew request is still hanging. */
  private readonly fenceTimer: Timer;
  private inFlight: Promise<void> | undefined;

  constructor(opts: LeaseOptions) {
    const leaseDurationSeconds = opts.leaseDurationSeconds ?? 15;
    const renewDeadlineMs = opts.renewDeadlineMs ?? Math.floor((leaseDurationSeconds * 1000 * 2) / 3);
    const retryPeriodMs = opts.retryPeriodMs ?? 2000;
    if (renewDeadlineMs >= leaseDurationSeconds * 1000) {
      throw new OpenelbError(
        'OE_LEASE_TIMING',
        `Lease ${opts.namespace}/${opts.name}: renewDeadline ${renewDeadlineMs} ms must be below the lease duration ${leaseDurationSeconds} s`,
        { context: { lease: `${opts.namespace}/${opts.name}`, field: 'renewDeadlineMs' } },
      );
    }
    if (retryPeriodMs >= renewDeadlineMs) {
      throw new OpenelbError(
        'OE_LEASE_TIMING',
        `Lease ${opts.namespace}/${opts.name}: retryPeriod ${retryPeriodMs} ms must be below renewDeadline ${renewDeadlineMs} ms`,
        { context: { lease: `${opts.namespace}/${opts.name}`, field: 'retryPeriodMs' } },
      );
    }
    this.o = { ...opts, leaseDurationSeconds, renewDeadlineMs, retryPeriodMs };
    this.clock = opts.clock ?? systemClock;
    this.loopTimer = new Timer(() => this.runRound(), { clock: this.clock, unref: false });
    this.fenceTimer = new Timer(
      () => {
        if (this.leading && !this.isLeader()) this.lose('renew deadline passed');
      },
      { clock: this.clock, unref: false },
    );
    this.log = logger(`lease/${opts.name}`);
  }

  get name(): string {
    return this.o.name;
  }

  /** True only while we hold the Lease and our last renewal is younger than renewDeadline. */
  isLeader(): boolean {
    return this.leading && this.now() - this.renewedAt < this.o.renewDeadlineMs;
  }

  /** Milliseconds of guaranteed leadership left (0 when not leading). Check before acting. */
  remainingMs(): number {
    if (!this.leading) return 0;
    return Math.max(0, this.o.renewDeadlineMs - (this.now() - this.renewedAt));
  }

  /** Holder as last observed (may be us). */
  get holder(): string | undefined {
    return this.observedHolder;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(0);
  }

  /** Stops the loop; when holding, declares the loss first and then releases the Lease. */
  async stop(opts: { release?: boolean } = {}): Promise<void> {
    this.running = false;
    this.loopTimer.cancel();
    await this.inFlight;
    this.fenceTimer.cancel();
    const wasLeading = this.leading;
    if (wasLeading) this.lose('shutdown');
    if (wasLeading && opts.release !== false) await this.release();
  }

  /** One acquire-or-renew attempt now (also used by tests). Answers whether we hold the Lease. */
  async tryAcquireOrRenew(): Promise<boolean> {
    const { client, namespace, name, identity } = this.o;
    const sentAt = this.now();
    let cur: Lease | undefined;
    try {
      cur = await client.getOrUndefined<Lease>(Resources.Lease, name, namespace);
    } catch (e) {
      this.log.warn('lease read failed', { error: errorMessage(e) });
      return false;
    }
    const stamp = kubeMicroTime();
    if (cur === undefined) {
      const fresh = newLease(
        { name, namespace, labels: this.o.labels },
        identity,
        this.o.leaseDurationSeconds,
        stamp,
      );
      try {
        const created = await client.create<Lease>(Resources.Lease, fresh);
        this.observe(created);
        this.gain(sentAt);
        return true;
      } catch (e) {
        if (isAlreadyExists(e)) return false; // lost the creation race
        this.log.warn('lease create failed', { error: errorMessage(e) });
        return false;
      }
    }
    this.observe(cur);
    const holder = cur.spec.holderIdentity || undefined;
    const weHold = holder === identity;
    if (!weHold && holder !== undefined) {
      const duration = (cur.spec.leaseDurationSeconds ?? this.o.leaseDurationSeconds) * 1000;
      if (this.now() - this.observedAt < duration) {
        if (this.leading) this.lose(`taken by ${holder}`);
        return false;
      }
    }
    const next = claimedLease(cur, identity, this.o.leaseDurationSeconds, stamp);
    try {
      const updated = await client.replace<Lease>(Resources.Lease, next);
      this.observe(updated);
      this.gain(sentAt);
      return true;
    } catch (e) {
      if (isConflict(e)) {
        // Someone wrote the Lease between our read and write: the race is lost for this round.
        this.log.info('lease write conflict (race lost)');
        if (this.leading) await this.recheckAfterConflict();
      } else {
        this.log.warn('lease write failed', { error: errorMessage(e) });
      }
      return false;
    }
  }

  /** After a 409 while leading: if the Lease now names someone else, we lost it. */
  private async recheckAfterConflict(): Promise<void> {
    const { client, namespace, name, identity } = this.o;
    try {
      const again = await client.getOrUndefined<Lease>(Resources.Lease, name, namespace);
      if (again) this.observe(again);
      const holder = again?.spec.holderIdentity || undefined;
      if (holder !== identity) this.lose(`lost race to ${holder ?? 'nobody (deleted)'}`);
    } catch (e) {
      this.log.warn('lease re-read after conflict failed', { error: errorMessage(e) });
    }
  }

  private schedule(ms: number): void {
    if (!this.running) return;
    this.loopTimer.restart(ms);
  }

  private runRound(): void {
    this.inFlight = this.tick().finally(() => {
      this.inFlight = undefined;
    });
  }

  private async tick(): Promise<void> {
    if (!this.running) return;
    const ok = await this.tryAcquireOrRenew();
    if (!this.running) return;
    if (!ok && this.leading && !this.isLeader()) this.lose('renew deadline passed');
    // A conflict while leading: re-read at once rather than wait a full period.
    this.schedule(!ok && this.leading ? Math.min(200, this.o.retryPeriodMs) : this.o.retryPeriodMs);
  }

  private observe(l: Lease): void {
    const holder = l.spec.holderIdentity || undefined;
    const key = observationKey(l);
    if (key !== this.observedKey) {
      this.observedKey = key;
      this.observedAt = this.now();
    }
    if (holder !== this.observedHolder) {
      this.observedHolder = holder;
      try {
        this.o.onNewHolder?.(holder);
      } catch (e) {
        this.log.error('onNewHolder threw', { error: errorMessage(e) });
      }
    }
  }

  private gain(sentAt: number): void {
    this.renewedAt = sentAt;
    this.armFence();
    if (this.leading) return;
    this.leading = true;
    holdingGauge.set({ lease: this.o.name }, 1);
    transitionsTotal.inc({ lease: this.o.name, event: 'gained' });
    this.log.info('lease acquired', { identity: this.o.identity });
    try {
      this.o.onStartedLeading?.();
    } catch (e) {
      this.log.error('onStartedLeading threw', { error: errorMessage(e) });
    }
  }

  private armFence(): void {
    const left = this.renewedAt + this.o.renewDeadlineMs - this.now();
    this.fenceTimer.restart(Math.max(0, left) + 1);
  }

  private now(): number {
    return this.clock.monotonic();
  }

  private lose(reason: string): void {
    if (!this.leading) return;
    this.leading = false;
    this.fenceTimer.cancel();
    holdingGauge.set({ lease: this.o.name }, 0);
    transitionsTotal.inc({ lease: this.o.name, event: 'lost' });
    this.log.warn('lease lost', { reason });
    try {
      this.o.onStoppedLeading?.(reason);
    } catch (e) {
      this.log.error('onStoppedLeading threw', { error: errorMessage(e) });
    }
  }

  /** Clears holderIdentity if we still hold the Lease, so a successor need not wait for expiry. */
  private async release(): Promise<void> {
    const { client, namespace, name, identity } = this.o;
    try {
      const cur = await client.getOrUndefined<Lease>(Resources.Lease, name, namespace);
      if (!cur || cur.spec.holderIdentity !== identity) return;
      await client.replace<Lease>(Resources.Lease, releasedLease(cur, kubeMicroTime()));
      this.log.info('lease released');
    } catch (e) {
      if (!isNotFound(e)) this.log.warn('lease release failed', { error: errorMessage(e) });
    }
  }
}
