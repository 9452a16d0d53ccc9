// Runs reconcile passes one at a time: requests during a pass coalesce into one more pass, explicit
// callers queue behind the running one, and a failed pass is retried after a growing delay.
import { Backoff } from '../core/backoff.ts';
import type { Clock } from '../core/clock.ts';
import { Timer } from '../core/timer.ts';

/** Retry delays after 1, 2, 3, 4, 5+ failures in a row: 0.4, 0.8, 1.6, 3.2, then 5 s. */
const RETRY = { initialMs: 400, maxMs: 5000, factor: 2, jitter: 0 } as const;

export interface PassRunnerOptions {
  /** one pass; a rejection counts as a failure */
  pass: () => Promise<unknown>;
  /** false while no pass may start (stopped, draining) */
  canRun: () => boolean;
  /** told of each failure with the count of failures in a row, before the retry is scheduled */
  onFailure: (err: Error, failures: number) => void;
  clock?: Clock;
}

export class PassRunner {
  readonly #opts: PassRunnerOptions;
  #lock: Promise<unknown> = Promise.resolve();
  #passing: Promise<void> | undefined;
  #again = false;
  #failures = 0;
  readonly #backoff = new Backoff(RETRY);
  readonly #retry: Timer;

  constructor(opts: PassRunnerOptions) {
    this.#opts = opts;
    this.#retry = new Timer(() => this.kick(), { clock: opts.clock });
  }

  /** Runs `fn` after whatever holds the lock (a pass, a drain) has finished. */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#lock.then(fn, fn);
    this.#lock = run.catch(() => undefined);
    return run;
  }

  /** Schedules a pass; passes never overlap and kicks during a pass coalesce into one more. */
  kick(): void {
    if (!this.#opts.canRun()) return;
    if (this.#passing) {
      this.#again = true;
      return;
    }
    this.#passing = (async () => {
      do {
        this.#again = false;
        try {
          await this.exclusive(() => this.#opts.pass());
          this.#failures = 0;
          this.#backoff.reset();
        } catch (err) {
          this.#onFailure(err as Error);
          break;
        }
      } while (this.#again && this.#opts.canRun());
    })().finally(() => {
      this.#passing = undefined;
    });
  }

  /** Cancels a pending retry and waits for a running pass to finish. */
  async stop(): Promise<void> {
    this.#retry.cancel();
    await this.#passing?.catch(() => undefined);
  }

  #onFailure(err: Error): void {
    this.#failures++;
    this.#opts.onFailure(err, this.#failures);
    this.#retry.restart(this.#backoff.next());
  }
}
