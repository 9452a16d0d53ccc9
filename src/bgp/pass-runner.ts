// Runs reconcile passes one at a time: requests during a pass coalesce into one more pass, explicit
// callers queue behind the running one, and a failed pass is retried after a growing delay.
export interface PassRunnerOptions {
  /** one pass; a rejection counts as a failure */
  pass: () => Promise<unknown>;
  /** false while no pass may start (stopped, draining) */
  canRun: () => boolean;
  /** told of each failure with the count of failures in a row, before the retry is scheduled */
  onFailure: (err: Error, failures: number) => void;
}

export class PassRunner {
  readonly #o: PassRunnerOptions;
  #lock: Promise<unknown> = Promise.resolve();
  #passing: Promise<void> | undefined;
  #again = false;
  #failures = 0;
  #retryTimer: NodeJS.Timeout | undefined;

  constructor(opts: PassRunnerOptions) {
    this.#o = opts;
  }

  /** Runs `fn` after whatever holds the lock (a pass, a drain) has finished. */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#lock.then(fn, fn);
    this.#lock = run.catch(() => undefined);
    return run;
  }

  /** Schedules a pass; passes never overlap and kicks during a pass coalesce into one more. */
  kick(): void {
    if (!this.#o.canRun()) return;
    if (this.#passing) {
      this.#again = true;
      return;
    }
    this.#passing = (async () => {
      do {
        this.#again = false;
        try {
          await this.exclusive(() => this.#o.pass());
          this.#failures = 0;
        } catch (err) {
          this.#onFailure(err as Error);
          break;
        }
      } while (this.#again && this.#o.canRun());
    })().finally(() => {
      this.#passing = undefined;
    });
  }

  /** Cancels a pending retry and waits for a running pass to finish. */
  async stop(): Promise<void> {
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    await this.#passing?.catch(() => undefined);
  }

  #onFailure(err: Error): void {
    this.#failures++;
    this.#o.onFailure(err, this.#failures);
    const delay = Math.min(5000, 200 * 2 ** Math.min(this.#failures, 5));
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    this.#retryTimer = setTimeout(() => this.kick(), delay);
    this.#retryTimer.unref?.();
  }
}
