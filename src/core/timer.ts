// One restartable timer: the primitive behind every debounce, retry wait and periodic check, so each
// component holds named Timers instead of raw setTimeout handles it must remember to clear.
import { systemClock, type Clock, type TimerHandle } from './clock.ts';

export class Timer {
  readonly #fire: () => void;
  readonly #clock: Clock;
  readonly #unref: boolean;
  #handle: TimerHandle | undefined;
  #due = 0;

  /** `unref`: a pending timer does not keep the process alive (the default). */
  constructor(fire: () => void, opts: { clock?: Clock; unref?: boolean } = {}) {
    this.#fire = fire;
    this.#clock = opts.clock ?? systemClock;
    this.#unref = opts.unref ?? true;
  }

  /** (Re)starts the timer: it fires `ms` from now, whatever was pending before. */
  restart(ms: number): void {
    this.cancel();
    this.#arm(ms);
  }

  /** Starts the timer unless one is pending that fires sooner (a debounce that never postpones). */
  atMost(ms: number): void {
    if (this.#handle !== undefined && this.#due <= this.#clock.monotonic() + ms) return;
    this.restart(ms);
  }

  cancel(): void {
    if (this.#handle !== undefined) this.#clock.clearTimeout(this.#handle);
    this.#handle = undefined;
  }

  get pending(): boolean {
    return this.#handle !== undefined;
  }

  #arm(ms: number): void {
    this.#due = this.#clock.monotonic() + ms;
    this.#handle = this.#clock.setTimeout(() => {
      this.#handle = undefined;
      this.#fire();
    }, ms);
    if (this.#unref) this.#handle.unref?.();
  }
}
