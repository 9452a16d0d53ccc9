// A deduplicating work queue of object keys with one consumer: a key added several times before it
// is taken is processed once, and no key is ever processed by two workers (there is one drain loop).
// wait() resolves when there is work, or after a timeout (the periodic resync).

export class KeyQueue {
  #keys = new Set<string>();
  #wake: (() => void) | undefined;
  #timers = new Set<NodeJS.Timeout>();

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
    const t = setTimeout(() => {
      this.#timers.delete(t);
      this.add(key);
    }, ms);
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
      const t = setTimeout(() => {
        this.#wake = undefined;
        resolve();
      }, timeoutMs);
      this.#wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }

  clear(): void {
    this.#keys.clear();
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    this.poke();
  }
}
