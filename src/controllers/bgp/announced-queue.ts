// Coalescing and pacing of the announced-summary writes. A dirty set keyed by Service: marking one
// already waiting changes nothing, and what gets written is computed when its turn comes, from the
// latest state, so a flapping row costs at most one write per turn. Writes leave through a token
// bucket (rate per second, burst of one second's worth), so no replica floods the API server.
import { systemClock, type Clock } from '../../core/clock.ts';
import { Timer } from '../../core/timer.ts';

export class TokenBucket {
  readonly #rate: number;
  readonly #burst: number;
  readonly #clock: Clock;
  #tokens: number;
  #refilledAt: number;

  constructor(ratePerSecond: number, burst: number, clock: Clock = systemClock) {
    this.#rate = ratePerSecond;
    this.#burst = Math.max(1, burst);
    this.#clock = clock;
    this.#tokens = this.#burst;
    this.#refilledAt = clock.monotonic();
  }

  /** Takes a token: 0 when one was taken, else the milliseconds until one is available (none taken). */
  take(): number {
    const now = this.#clock.monotonic();
    this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#refilledAt) * this.#rate) / 1000);
    this.#refilledAt = now;
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - this.#tokens) * 1000) / this.#rate);
  }
}

export interface WriteQueueOptions<K> {
  /** false when the key needs no write after all (checked right before its turn, costs no token) */
  due: (key: K) => boolean;
  /** does the write, computing the value from the latest state; a rejection marks the key again */
  write: (key: K) => Promise<void>;
  ratePerSecond: number;
  clock?: Clock;
  onError?: (key: K, err: unknown) => void;
}

export class WriteQueue<K> {
  readonly #opts: WriteQueueOptions<K>;
  readonly #dirty = new Set<K>();
  readonly #bucket: TokenBucket;
  readonly #timer: Timer;
  #running: Promise<void> | undefined;
  #stopped = false;
  /** idle() callers, told when nothing runs and nothing waits (or on stop) */
  #idleWaiters: Array<() => void> = [];

  constructor(o: WriteQueueOptions<K>) {
    this.#opts = o;
    const clock = o.clock ?? systemClock;
    this.#bucket = new TokenBucket(o.ratePerSecond, o.ratePerSecond, clock);
    this.#timer = new Timer(() => this.#drainSoon(), { clock });
  }

  /** Keys waiting for their turn. */
  get size(): number {
    return this.#dirty.size;
  }

  mark(key: K): void {
    if (this.#stopped) return;
    this.#dirty.add(key);
    this.#drainSoon();
  }

  /** Resolves when nothing waits (or stop()); for a drain with a deadline, race it. */
  idle(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  stop(): void {
    this.#stopped = true;
    this.#timer.cancel();
    this.#dirty.clear();
    this.#settle();
  }

  #isIdle(): boolean {
    return this.#running === undefined && (this.#dirty.size === 0 || this.#stopped);
  }

  #settle(): void {
    if (!this.#isIdle()) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const w of waiters) w();
  }

  #drainSoon(): void {
    if (this.#running || this.#stopped || this.#timer.pending) return;
    this.#running = this.#drain().finally(() => {
      this.#running = undefined;
      // a key marked while the last turn was finishing
      if (this.#dirty.size > 0) this.#drainSoon();
      this.#settle();
    });
  }

  async #drain(): Promise<void> {
    for (const key of this.#dirty) {
      if (this.#stopped) return;
      if (!this.#opts.due(key)) {
        this.#dirty.delete(key);
        continue;
      }
      const wait = this.#bucket.take();
      if (wait > 0) {
        this.#timer.restart(wait);
        return;
      }
      this.#dirty.delete(key);
      try {
        await this.#opts.write(key);
      } catch (err) {
        this.#opts.onError?.(key, err);
        if (!this.#stopped) this.#dirty.add(key);
      }
    }
  }
}
