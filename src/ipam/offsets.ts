// Free/taken bookkeeping for the offsets 0..size-1 of one pool, O(1) amortized per operation, with
// memory proportional to the peak number of taken offsets, never to the pool size:
//   - a cursor: every offset >= cursor that is not in `taken` has never been handed out;
//   - a FIFO of released offsets below the cursor (reused first, oldest release first);
//   - `taken`, the set of offsets in use.
// The cursor only moves when the FIFO is empty, i.e. when every offset below it is taken, so the
// cursor and the FIFO never exceed the peak allocation count. Reusing released offsets before fresh
// ones keeps that bound in huge IPv6 pools under churn; FIFO order means the address of a deleted
// Service goes back out as late as the pool allows.

/** An offset from the pool's first address: a number when exact (< 2^53), else a bigint. */
export type Offset = number | bigint;

export function toOffset(v: bigint): Offset {
  return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

export function offsetToBigInt(o: Offset): bigint {
  return typeof o === 'bigint' ? o : BigInt(o);
}

const COMPACT_AT = 4096;

export class OffsetTable {
  readonly size: bigint;
  /** The cursor's range: min(size, 2^53 - 1). Offsets beyond are only ever taken explicitly. */
  readonly #limit: number;
  #cursor = 0;
  readonly #taken = new Set<Offset>();
  #queue: number[] = [];
  #head = 0;
  readonly #queued = new Set<number>();

  constructor(size: bigint) {
    if (size < 0n) throw new RangeError(`pool size ${size} is negative`);
    this.size = size;
    this.#limit = size > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(size);
  }

  get count(): number {
    return this.#taken.size;
  }

  has(o: Offset): boolean {
    return this.#taken.has(o);
  }

  inRange(o: Offset): boolean {
    return typeof o === 'number' ? o >= 0 && o < this.#limit : o >= 0n && o < this.size;
  }

  /** Takes a specific offset. False when taken already or out of range. */
  take(o: Offset): boolean {
    if (!this.inRange(o) || this.#taken.has(o)) return false;
    this.#taken.add(o);
    return true;
  }

  /** Takes a free offset (released ones first, oldest first; then fresh ones in order). */
  next(): Offset | undefined {
    while (this.#head < this.#queue.length) {
      const o = this.#queue[this.#head++] as number;
      this.#queued.delete(o);
      this.#compact();
      if (!this.#taken.has(o)) {
        this.#taken.add(o);
        return o;
      }
    }
    while (this.#cursor < this.#limit) {
      const o = this.#cursor++;
      if (!this.#taken.has(o)) {
        this.#taken.add(o);
        return o;
      }
    }
    return undefined;
  }

  /** Frees a taken offset. False when it was not taken. */
  release(o: Offset): boolean {
    if (!this.#taken.delete(o)) return false;
    if (typeof o === 'number' && o < this.#cursor && !this.#queued.has(o)) {
      this.#queue.push(o);
      this.#queued.add(o);
    }
    return true;
  }

  /** Free offsets left (exact). */
  get free(): bigint {
    return this.size - BigInt(this.#taken.size);
  }

  #compact(): void {
    if (this.#head >= COMPACT_AT && this.#head * 2 >= this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
  }
}
