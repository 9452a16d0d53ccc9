// The speaker's side of the replica Leases: renews ours every renewInterval (at once when the claims
// changed; startedAt taken before the send), LISTs all of them as a quorum read whenever the ownership
// machine asks, and on stop hands over (empty claims, then the Lease deleted).
import type { Clock } from '../../core/clock.ts';
import { Timer } from '../../core/timer.ts';
import type { Logger } from '../../obs/log.ts';
import type { PeerClaims } from '../guard/peer-claims.ts';
import type { OwnershipMachine } from '../ownership/machine.ts';
import * as m from './metrics.ts';
import type { LeaseStore } from './options.ts';

const MIN_READ_SPACING_MS = 10;
const READ_RETRY_MS = 100;

export interface LeaseSyncOptions {
  readonly self: string;
  readonly leases: LeaseStore;
  readonly renewIntervalMs: number;
  readonly machine: OwnershipMachine;
  readonly peerClaims: PeerClaims;
  readonly clock: Clock;
  readonly log: Logger;
  /** The IPs we refuse to answer, sorted (written to the Lease). */
  readonly refused: () => string[];
  /** Our interface MACs (written to the Lease). */
  readonly macs: () => string[];
  /** Called after every renew and quorum read: the machine may have moved. */
  readonly afterSync: () => void;
}

export class LeaseSync {
  readonly #opts: LeaseSyncOptions;
  #active = false;
  readonly #now: () => number;
  /** The next renew: renewInterval after the last one started (sooner when the claims change). */
  readonly #renewTimer: Timer;
  /** A quorum read the spacing after a read held back. */
  readonly #readTimer: Timer;
  #renewing: Promise<void> | undefined;
  #renewAgain = false;
  #lastRenewStart = -Infinity;
  #lastRenewFailed = false;
  #reading: Promise<void> | undefined;
  #readNotBefore = -Infinity;
  #lastError = '';
  /** The refused list the last successful renew wrote (comma-joined). */
  refusedWritten = '';

  constructor(opts: LeaseSyncOptions) {
    this.#opts = opts;
    this.#now = () => opts.clock.monotonic();
    this.#renewTimer = new Timer(() => this.renewSoon(), { clock: opts.clock });
    this.#readTimer = new Timer(() => opts.afterSync(), { clock: opts.clock });
  }

  start(): void {
    this.#active = true;
    this.renewSoon();
  }

  /** No renew or read starts from now on; the ones under way finish (see settled()). */
  halt(): void {
    this.#active = false;
    this.#renewTimer.cancel();
    this.#readTimer.cancel();
  }

  async settled(): Promise<void> {
    await this.#renewing;
    await this.#reading;
  }

  /** Renew now, or right after the one under way; after a failure, at the normal pace. */
  renewSoon(): void {
    if (!this.#active) return;
    if (this.#renewing !== undefined) {
      this.#renewAgain = true;
      return;
    }
    const now = this.#now();
    const interval = this.#opts.renewIntervalMs;
    // after a failure, retry at the normal pace rather than in a tight loop
    if (this.#lastRenewFailed && now < this.#lastRenewStart + interval) {
      this.#scheduleRenew(this.#lastRenewStart + interval - now);
      return;
    }
    this.#renewTimer.cancel();
    this.#renewing = this.#renewOnce().finally(() => {
      this.#renewing = undefined;
      if (!this.#active) return;
      if (this.#renewAgain) {
        this.#renewAgain = false;
        this.renewSoon();
      } else {
        this.#scheduleRenew(this.#lastRenewStart + interval - this.#now());
      }
    });
  }

  #scheduleRenew(delayMs: number): void {
    if (!this.#renewTimer.pending) this.#renewTimer.restart(Math.max(0, delayMs));
  }

  async #renewOnce(): Promise<void> {
    const { machine, log } = this.#opts;
    this.#lastRenewStart = this.#now();
    const claims = machine.claimsForLease();
    const refused = this.#opts.refused();
    try {
      const r = await this.#opts.leases.renew(claims, this.#opts.macs(), refused);
      this.refusedWritten = refused.join(',');
      this.#lastRenewStart = r.startedAt;
      this.#lastRenewFailed = false;
      machine.renewSucceeded(r);
      m.renewsTotal.inc({ result: 'ok' });
      if (this.#lastError !== '') log.info('layer2 Lease renewed again', { after: this.#lastError });
      this.#lastError = '';
    } catch (e) {
      this.#lastRenewFailed = true;
      m.renewsTotal.inc({ result: 'error' });
      const msg = e instanceof Error ? e.message : String(e);
      if (msg !== this.#lastError)
        log.warn('layer2 Lease renew failed', { error: msg, fenced: !machine.fenceValid(this.#now()) });
      this.#lastError = msg;
    }
    this.#opts.afterSync();
  }

  /** A quorum read now, unless one is under way or the last ended too recently (then a bit later). */
  readSoon(): void {
    if (!this.#active || this.#reading !== undefined) return;
    const now = this.#now();
    if (now < this.#readNotBefore) {
      if (!this.#readTimer.pending) this.#readTimer.restart(this.#readNotBefore - now);
      return;
    }
    this.#reading = this.#readOnce().finally(() => {
      this.#reading = undefined;
      this.#opts.afterSync();
    });
  }

  async #readOnce(): Promise<void> {
    const { self, peerClaims, machine } = this.#opts;
    try {
      const r = await this.#opts.leases.read();
      const at = this.#now();
      for (const l of r.leases)
        if (l.node !== self) peerClaims.observe(at, l.node, l.claims, l.refused ?? [], r.macs.get(l.node));
      machine.quorumRead(r);
      this.#readNotBefore = this.#now() + MIN_READ_SPACING_MS;
      m.quorumReadsTotal.inc({ result: 'ok' });
    } catch (e) {
      this.#readNotBefore = this.#now() + READ_RETRY_MS;
      m.quorumReadsTotal.inc({ result: 'error' });
      this.#opts.log.debug('layer2 quorum read failed', {
        error: e instanceof Error ? e.message : String(e),
      });
    }
  }

  /** Publish empty claims and delete our Lease: peers take at once instead of waiting for it to expire. */
  async handOver(): Promise<void> {
    const { leases, machine, log } = this.#opts;
    try {
      const r = await leases.renew([], this.#opts.macs(), []);
      machine.renewSucceeded(r);
      await leases.delete();
      log.info('layer2 handed over: claims released, Lease deleted');
    } catch (e) {
      log.warn('layer2 hand-over could not reach the API; peers take over when our Lease expires', {
        error: e instanceof Error ? e.message : String(e),
      });
    }
  }
}
