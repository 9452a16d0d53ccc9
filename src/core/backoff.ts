// Capped exponential backoff with jitter. The jitter never pushes a delay above maxMs, so "converges
// within maxMs + ε after the fault ends" holds.
import { OpenelbError } from './errors.ts';

export interface BackoffOptions {
  initialMs?: number;
  maxMs?: number;
  factor?: number;
  /** Fraction in [0, 1): each delay is drawn from [d·(1−jitter), d]. */
  jitter?: number;
}

export class Backoff {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly factor: number;
  readonly jitter: number;
  private attempt = 0;

  constructor(opts: BackoffOptions = {}) {
    this.initialMs = opts.initialMs ?? 500;
    this.maxMs = opts.maxMs ?? 30_000;
    this.factor = opts.factor ?? 2;
    this.jitter = opts.jitter ?? 0.2;
    if (
      !(this.initialMs > 0) ||
      !(this.maxMs >= this.initialMs) ||
      !(this.factor >= 1) ||
      !(this.jitter >= 0 && this.jitter < 1)
    ) {
      throw new OpenelbError('OE_INTERNAL', `invalid backoff options ${JSON.stringify(opts)}`, {
        context: { ...opts },
      });
    }
  }

  /** Delay before the next attempt; grows with each call until reset(). */
  next(): number {
    const base = Math.min(this.maxMs, this.initialMs * this.factor ** this.attempt);
    if (base < this.maxMs) this.attempt++;
    const d = base * (1 - this.jitter * Math.random());
    return Math.max(1, Math.round(d));
  }

  reset(): void {
    this.attempt = 0;
  }

  get failures(): number {
    return this.attempt;
  }
}

/** Sleep that ends early (resolving false) when the signal fires. */
export function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      resolve(false);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
