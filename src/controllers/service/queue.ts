// A deduplicating work queue of object keys with one consumer: a key added several times before it
// is taken is processed once, and no key is ever processed by two workers (there is one drain loop).
// wait() resolves when there is work, or after a timeout (the periodic resync).
import { Timer } from '../../core/timer.ts';

export class KeyQueue {
  #keys = new Set<string>();
  #wake: (() => void) | undefined;
  #timers = new Set<Timer>();

  get size(): number {
    return this.#keys.size;
  }

  add(key: string): void {
    this.#keys.add(key);
    this.poke();
  }

  addAll(keys: Iterable<string>): void {
    for (const k of keys) this.#keys.add(k);
    this.poke();
  }

  addAfter(key: string, ms: number): void {
    const t = new Timer(
      () => {
        this.#timers.delete(t);
        this.add(key);
      },
      { unref: false },
    );
    t.restart(ms);
    this.#timers.add(t);
  }

  /** Takes up to `max` keys (insertion order). */
  drain(max = Infinity): string[] {
    const out: string[] = [];
    for (const k of this.#keys) {
      if (out.length >= max) break;
      out.push(k);
    }
    for (const k of out) this.#keys.delete(k);
    return out;
  }

  /** Wakes a pending wait() without adding work. */
  poke(): void {
    const w = this.#wake;
    this.#wake = undefined;
    w?.();
  }

  wait(timeoutMs: number): Promise<void> {
    if (this.#keys.size > 0) return Promise.resolve();
    return this.waitPoke(timeoutMs);
  }

  /** Waits for the next add()/poke() or the timeout, whatever is queued already. */
  waitPoke(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const t = new Timer(
        () => {
          this.#wake = undefined;
          resolve();
        },
        { unref: false },
      );
      t.restart(timeoutMs);
      this.#wake = () => {
        t.cancel();
        resolve();
      };
    });
  }

  clear(): void {
    this.#keys.clear();
    for (const t of this.#timers) t.cancel();
    this.#timers.clear();
    this.poke();
  }
}
