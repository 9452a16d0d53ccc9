// Gives the V8 heap pages a burst left behind back to the operating system.
//
// Why this exists: V8 (13.x, Node 24) puts heap pages freed by a GC into a page pool for reuse and
// unmaps them only in a *memory-reducing* GC. V8 starts one by itself (its "memory reducer") only
// once the allocation rate is low; the manager's periodic work (allocator resync, BGP full resync,
// polls) keeps it above V8's bar, so after a burst — 10,000 Services allocated and announced — the
// pooled pages stayed resident indefinitely: RSS ≈ the burst's high water, 250–300 MiB above the live
// heap (measured with bench/lib/rss-probe.ts and --trace-gc: "pooled: 150 MB", "Memory reducer:
// high alloc" forever).
//
// The trimmer samples RSS every interval. When RSS has grown by `thresholdBytes` over its baseline,
// and during the last interval the event loop was mostly idle and RSS grew by less than
// `stableBytes` (the burst is over, not just starting), it asks V8 for a
// memory-reducing GC (the `last-resort` flavour: full, compacting; it unmaps pooled pages and shrinks
// the young generation, which a burst grows to 2 × 64 MiB). RSS growth rather than a V8 figure is
// the trigger because the pool is invisible to V8's statistics and a grown young generation counts
// as "used heap" until the next GC. After a trim, the RSS it left (read as the GC returns) becomes
// the baseline, so memory the program really holds never triggers it again; only new growth does.
// Cost: one or two full GCs, about 1–2 ms per MiB of live heap on the bench machine (~250 ms at
// 10,000 Services), at most once per `minIntervalMs`, and all trims together at most `maxDuty` of
// wall time (a budget of maxDuty × 60 s that refills as time passes, so two bursts in a row — a
// pool switched off and on again — both get trimmed).
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { systemClock, type Clock } from '../core/clock.ts';
import { errorMessage } from '../core/errors.ts';
import { Timer } from '../core/timer.ts';
import { logger } from './log.ts';
import { counter, gauge } from './metrics.ts';

export interface MemoryTrimOptions {
  /** How often RSS is sampled. Default 1 s. */
  intervalMs?: number;
  /** RSS growth over the baseline that triggers a trim. Default 32 MiB. */
  thresholdBytes?: number;
  /** At least this long between two trims. Default 2 s. */
  minIntervalMs?: number;
  /** Share of wall time trims may take, over any minute. Default 0.05. */
  maxDuty?: number;
  /** Called after each memory-reducing GC, e.g. to have malloc return its free pages too. */
  afterGc?: () => void;
  /** Trim only when the event loop was busy less than this share of the last interval. Default 0.5. */
  maxBusy?: number;
  /** Trim only when RSS grew less than this during the last interval. Default 4 MiB. */
  stableBytes?: number;
  /** Time for the duty budget and trim spacing. Default the process clock. */
  clock?: Pick<Clock, 'monotonic'>;
  /** Reads resident memory (bytes). Default process.memoryUsage.rss. */
  readRss?: () => number;
}

type Gc = NodeJS.GCFunction;

const trimsTotal = counter(
  'memory_trims_total',
  'Memory-reducing GCs requested after a burst left freed heap pages resident',
);
const growthGauge = gauge(
  'memory_rss_growth_bytes',
  "RSS above the memory trimmer's baseline (the RSS after its last trim, or the lowest seen)",
);

/** V8's gc() with options: the exposed global when run with --expose-gc, else enabled at run time. */
function findGc(): Gc | undefined {
  if (typeof globalThis.gc === 'function') return globalThis.gc;
  try {
    // --expose-gc applies to contexts created after the flag is set: a fresh one hands out gc().
    setFlagsFromString('--expose-gc');
    const g: unknown = runInNewContext('gc');
    return typeof g === 'function' ? (g as Gc) : undefined;
  } catch {
    return undefined;
  }
}

export class MemoryTrimmer {
  private readonly intervalMs: number;
  private readonly thresholdBytes: number;
  private readonly minIntervalMs: number;
  private readonly maxBusy: number;
  private readonly maxDuty: number;
  private readonly stableBytes: number;
  private readonly afterGc: (() => void) | undefined;
  private readonly clock: Pick<Clock, 'monotonic'>;
  private readonly readRss: () => number;
  private readonly log = logger('memory');
  private readonly timer = new Timer(() => {
    try {
      this.tick();
    } finally {
      this.timer.restart(this.intervalMs);
    }
  });
  private gc: Gc | undefined;
  private baseline = Number.POSITIVE_INFINITY;
  private lastElu: EventLoopUtilization | undefined;
  private nextTrimAt = Number.NEGATIVE_INFINITY;
  /** ms of trimming allowed now (refills at maxDuty per ms, up to a minute's worth) */
  private budgetMs: number;
  private budgetAt: number | undefined;
  private trimming = false;
  private lastRss: number | undefined;
  private trimsRequested = 0;

  constructor(opts: MemoryTrimOptions = {}) {
    this.intervalMs = opts.intervalMs ?? 1000;
    this.thresholdBytes = opts.thresholdBytes ?? 32 * 2 ** 20;
    this.minIntervalMs = opts.minIntervalMs ?? 2000;
    this.maxBusy = opts.maxBusy ?? 0.5;
    this.maxDuty = opts.maxDuty ?? 0.05;
    this.stableBytes = opts.stableBytes ?? 4 * 2 ** 20;
    this.afterGc = opts.afterGc;
    this.clock = opts.clock ?? systemClock;
    this.readRss = opts.readRss ?? (() => process.memoryUsage.rss());
    this.budgetMs = this.maxDuty * 60_000;
  }

  /** Starts sampling; false when V8's gc() is not available (then nothing is ever trimmed). */
  start(): boolean {
    if (this.timer.pending) return true;
    this.gc = findGc();
    if (!this.gc) {
      this.log.warn('memory trimming off: V8 gc() not available');
      return false;
    }
    this.lastElu = performance.eventLoopUtilization();
    this.timer.restart(this.intervalMs);
    return true;
  }

  stop(): void {
    this.timer.cancel();
  }

  /** Trims requested so far. */
  get trims(): number {
    return this.trimsRequested;
  }

  /** One sample (the interval timer takes one each intervalMs). Answers true when it requested a trim. */
  tick(): boolean {
    const now = this.clock.monotonic();
    const rss = this.readRss();
    const elu = performance.eventLoopUtilization(this.lastElu);
    this.lastElu = performance.eventLoopUtilization();
    const rising = rss - (this.lastRss ?? rss);
    this.lastRss = rss;
    if (this.trimming) return false;
    if (rss < this.baseline) this.baseline = rss;
    const grown = rss - this.baseline;
    growthGauge.set(grown);
    this.budgetMs = Math.min(
      this.maxDuty * 60_000,
      this.budgetMs + (now - (this.budgetAt ?? now)) * this.maxDuty,
    );
    this.budgetAt = now;
    if (grown < this.thresholdBytes || elu.utilization > this.maxBusy || rising >= this.stableBytes)
      return false;
    if (now < this.nextTrimAt || this.budgetMs <= 0 || !this.gc) return false;
    this.trimming = true;
    this.trimsRequested++;
    trimsTotal.inc();
    const t0 = performance.now();
    const done = (): void => {
      try {
        this.afterGc?.();
      } catch (e) {
        this.log.warn('after-GC hook failed', { error: errorMessage(e) });
      }
      const took = performance.now() - t0;
      // what the trim could not give back is what the program holds: the new baseline
      const left = this.readRss();
      this.baseline = left;
      this.lastRss = left;
      this.trimming = false;
      this.budgetMs -= took;
      this.nextTrimAt = now + took + this.minIntervalMs;
      this.log.info('returned freed heap pages to the OS', {
        rssGrowthMiB: Math.round(grown / 2 ** 20),
        releasedMiB: Math.round((rss - left) / 2 ** 20),
        tookMs: Math.round(took),
      });
    };
    void this.gc({ type: 'major', execution: 'async', flavor: 'last-resort' }).then(done, (e: unknown) => {
      done();
      this.log.warn('memory-reducing GC failed', { error: errorMessage(e) });
    });
    return true;
  }
}

let running: MemoryTrimmer | undefined;

/** The process-wide trimmer (idempotent); main starts it once. */
export function startMemoryTrimmer(opts: MemoryTrimOptions = {}): MemoryTrimmer {
  if (!running) {
    running = new MemoryTrimmer(opts);
    running.start();
  }
  return running;
}
