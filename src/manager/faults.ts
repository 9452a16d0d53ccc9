// What happens when a reconcile step throws something nobody expected: it is logged with its stack,
// counted, readiness turns false with the reason, and the step is retried with backoff. Nothing
// escapes to the process: an exception in one component must never take the replica (and with it
// every Service's announcements) down, least of all in a crash loop on every replica at once.
import { Backoff, errorMessage, type BackoffOptions } from '../kube/index.ts';
import { errorFields } from '../core/errors.ts';
import { kubeTime } from '../core/time.ts';
import { Timer } from '../core/timer.ts';
import type { Logger } from '../obs/log.ts';
import { counter, gauge } from '../obs/metrics.ts';
import { READY, notReady, type Readiness } from '../obs/health.ts';

const mErrors = counter(
  'component_errors_total',
  'Unexpected exceptions caught in a component step (logged with their stack, retried with backoff)',
  ['component', 'step'],
);
const mFailing = gauge('component_failing', '1 while the last run of a component step failed', [
  'component',
  'step',
]);

interface Failure {
  error: string;
  since: string;
  /** the pending retry (none when the step has no retry or the guard stopped) */
  timer: Timer | undefined;
}

export class FaultGuard {
  private readonly component: string;
  private readonly log: Logger;
  private readonly backoffOpts: BackoffOptions;
  private readonly backoffs = new Map<string, Backoff>();
  private readonly failing = new Map<string, Failure>();
  private stopped = false;
  private lastDelay = 0;

  constructor(component: string, log: Logger, backoff: BackoffOptions = { initialMs: 200, maxMs: 30_000 }) {
    this.component = component;
    this.log = log;
    this.backoffOpts = backoff;
  }

  /**
   * Runs one synchronous step. On a throw: log + metric + readiness false, and `retry` (the work
   * of the step itself, run as the same guarded step) follows after a growing backoff delay; a
   * run that succeeds first (e.g. on the next event) cancels it.
   */
  run(step: string, fn: () => void, retry?: () => void): boolean {
    try {
      fn();
    } catch (e) {
      this.fail(step, e, retry);
      return false;
    }
    this.succeed(step);
    return true;
  }

  /** Same for an async step. Never rejects. */
  async runAsync(step: string, fn: () => Promise<void>, retry?: () => void): Promise<boolean> {
    try {
      await fn();
    } catch (e) {
      this.fail(step, e, retry);
      return false;
    }
    this.succeed(step);
    return true;
  }

  /** Wraps a callback (timer, event handler) so a throw inside it is caught and reported as `step`. */
  wrap<A extends unknown[]>(step: string, fn: (...args: A) => void): (...args: A) => void {
    return (...args: A) => {
      this.run(step, () => fn(...args));
    };
  }

  /**
   * For loops that catch by themselves: reports an unexpected exception of `step` (log, metric,
   * readiness) and answers how long to wait before trying again.
   */
  report(step: string, e: unknown): number {
    this.fail(step, e, undefined);
    return this.lastDelay;
  }

  /** The step ran through (after report()): readiness recovers. */
  recovered(step: string): void {
    this.succeed(step);
  }

  /** Readiness: READY, or which step fails and why. */
  readiness(): Readiness {
    if (this.failing.size === 0) return READY;
    return notReady(
      [...this.failing].map(([step, f]) => `${step} failing since ${f.since}: ${f.error}`).join('; '),
    );
  }

  /** Delay before the next retry of `step` (for loops that retry by themselves). */
  nextDelay(step: string): number {
    return this.backoff(step).next();
  }

  stop(): void {
    this.stopped = true;
    for (const f of this.failing.values()) f.timer?.cancel();
  }

  private backoff(step: string): Backoff {
    let b = this.backoffs.get(step);
    if (!b) {
      b = new Backoff(this.backoffOpts);
      this.backoffs.set(step, b);
    }
    return b;
  }

  private fail(step: string, e: unknown, retry: (() => void) | undefined): void {
    const error = errorMessage(e);
    mErrors.inc({ component: this.component, step });
    mFailing.set({ component: this.component, step }, 1);
    const prev = this.failing.get(step);
    prev?.timer?.cancel();
    const delay = this.backoff(step).next();
    this.lastDelay = delay;
    this.log.error(
      'unexpected error in a reconcile step; retrying with backoff (the process keeps running)',
      {
        component: this.component,
        step,
        ...errorFields(e),
        retryInMs: delay,
      },
    );
    let timer: Timer | undefined;
    if (retry && !this.stopped) {
      timer = new Timer(() => {
        const f = this.failing.get(step);
        if (f) f.timer = undefined;
        if (!this.stopped) this.run(step, retry, retry);
      });
      timer.restart(delay);
    }
    this.failing.set(step, { error, since: prev?.since ?? kubeTime(), timer });
  }

  private succeed(step: string): void {
    const f = this.failing.get(step);
    if (!f) return;
    f.timer?.cancel();
    this.failing.delete(step);
    this.backoffs.get(step)?.reset();
    mFailing.set({ component: this.component, step }, 0);
    this.log.info('reconcile step recovered', { component: this.component, step, failingSince: f.since });
  }
}
