// The allocator loop (runs only while this replica holds the allocator Lease). Level-triggered:
// Service keys go through a deduplicating queue; each tick (tick.ts) takes a batch and
//   1. releases what is no longer wanted (Service status cleared first, so an address is never shown
//      by two Services);
//   2. keeps (sticky) or allocates one address per wanted family in the in-memory ledgers;
//   3. commits every changed pool with ONE conditional Eip status write (many allocations per write);
//   4. writes Service status.loadBalancer.ingress, and Events.
// Before each tick the pools follow the Eip cache (pool-sync.ts). Any error other than a 409 on an
// Eip drops the whole state; the next tick rebuilds it from a fresh LIST. This file: the lifecycle
// (Lease held or not, rebuild, periodic resync, retry after a failed tick).
import { isDeepStrictEqual } from 'node:util';
import { Backoff, sleep } from '../../core/backoff.ts';
import { kubeTime } from '../../core/time.ts';
import { errorMessage, isApiWeather, onlyReportsChanged } from '../../kube/index.ts';
import type { Service } from '../../kube/types.ts';
import { counter } from '../../obs/metrics.ts';
import { logger } from '../../obs/log.ts';
import { MAX_ALLOCATIONS_PER_EIP } from '../eip/capacity.ts';
import { OutcomeReporter } from './events.ts';
import { PoolSync } from './pool-sync.ts';
import { AllocState, type ClaimSource } from './pools.ts';
import { KeyQueue } from './queue.ts';
import { rebuild } from './rebuild.ts';
import { serviceKey, serviceRequest, wantsAddresses } from './request.ts';
import { runTick, splitKey, type TickEnv } from './tick.ts';
import { LostLeadership, type WriteDeps } from './writes.ts';
import type { EngineDeps } from './engine-deps.ts';

const rebuildsTotal = counter('allocator_rebuilds_total', 'Allocator state rebuilt from a fresh LIST');

export type { EngineDeps } from './engine-deps.ts';

export class AllocatorEngine {
  readonly queue = new KeyQueue();
  readonly #deps: EngineDeps;
  readonly #writeDeps: WriteDeps;
  readonly #report: OutcomeReporter;
  readonly #log = logger('allocator');
  readonly #max: number;
  #state: AllocState | undefined;
  readonly #pending = new Set<string>();
  readonly #written = new Map<string, Service>();
  readonly #pools: PoolSync;
  readonly #env: TickEnv;
  /** Waits after a tick failed on API weather (reset by a tick that succeeds). */
  readonly #retry = new Backoff({ initialMs: 500, maxMs: 5000 });
  readonly #stopping = new AbortController();
  #running = false;
  #loop: Promise<void> | undefined;
  #unsubscribe: (() => void)[] = [];

  constructor(d: EngineDeps) {
    this.#deps = d;
    this.#max = d.maxAllocations ?? MAX_ALLOCATIONS_PER_EIP;
    const margin = d.leaseMarginMs ?? 1000;
    this.#writeDeps = {
      client: d.client,
      maxAllocations: this.#max,
      now: () => kubeTime(),
      // this replica's speakers see the allocation without waiting for the watch event
      onEipWritten: (eip, base) => d.eips.offerWritten(eip, base),
      ...(d.afterEipStatusWrite ? { afterEipStatusWrite: d.afterEipStatusWrite } : {}),
      guard: () => {
        if (!d.lease.isLeader() || d.lease.remainingMs() < margin)
          throw new LostLeadership('allocator Lease not held (or about to expire)');
      },
    };
    this.#report = new OutcomeReporter(d.events);
    this.#pools = new PoolSync(d.eips, this.claimsFromCache, this.queue);
    this.#env = {
      deps: d,
      writeDeps: this.#writeDeps,
      queue: this.queue,
      pending: this.#pending,
      report: this.#report,
      written: this.#written,
      log: this.#log,
    };
  }

  get state(): AllocState | undefined {
    return this.#state;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    const d = this.#deps;
    this.#unsubscribe = [
      d.services.onEvent((ev) => {
        const key = serviceKey(ev.obj);
        // the echo of our own status write, or a replica's announced summary: nothing new to decide
        if (
          ev.type === 'update' &&
          this.#written.get(key)?.metadata.resourceVersion === ev.obj.metadata.resourceVersion
        )
          return;
        if (onlyReportsChanged(ev)) return;
        this.queue.add(key);
      }),
      d.eips.onEvent(() => this.queue.poke()),
      d.namespaces.onEvent((ev) => {
        if (
          ev.type === 'update' &&
          isDeepStrictEqual(ev.obj.metadata.labels ?? {}, ev.old.metadata.labels ?? {})
        )
          return;
        const prefix = `${ev.obj.metadata.name}/`;
        this.queue.addAll([...this.#pending].filter((k) => k.startsWith(prefix)));
      }),
    ];
    this.#loop = this.run();
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.#stopping.abort();
    for (const u of this.#unsubscribe) u();
    this.queue.clear();
    await this.#loop;
  }

  /** Leadership gained: wake up (the loop rebuilds). Lost: forget everything at once. */
  poke(): void {
    this.queue.poke();
  }
  dropState(reason: string): void {
    if (this.#state) this.#log.info('allocator state dropped', { reason });
    this.#state = undefined;
    this.#written.clear();
  }

  private async run(): Promise<void> {
    const resyncMs = this.#deps.resyncMs ?? 60_000;
    let lastResync = performance.now();
    while (this.#running) {
      if (!this.#deps.lease.isLeader()) {
        if (this.#state) this.dropState('not the allocator Lease holder');
        // Not the holder: keys pile up (deduplicated) until we win; wait for a poke or a short timer.
        await this.queue.waitPoke(500);
        continue;
      }
      await this.queue.wait(this.#state ? Math.max(10, resyncMs - (performance.now() - lastResync)) : 0);
      // Let I/O run between ticks even when the queue never empties.
      await new Promise((r) => setImmediate(r));
      if (!this.#running || !this.#deps.lease.isLeader()) continue;
      try {
        if (!this.#state) {
          await this.startLeading();
          lastResync = performance.now();
        }
        if (performance.now() - lastResync >= resyncMs) {
          this.resync();
          lastResync = performance.now();
        }
        await this.tick();
        this.#retry.reset();
        this.#deps.faults?.recovered('tick');
      } catch (e) {
        this.dropState(e instanceof LostLeadership ? e.message : `error: ${errorMessage(e)}`);
        if (!(e instanceof LostLeadership)) {
          // API errors are the weather (retried); anything else is a bug that must be seen
          const expected = isApiWeather(e);
          if (expected)
            this.#log.warn('allocator tick failed; rebuilding from a fresh LIST', { error: errorMessage(e) });
          const delay =
            !expected && this.#deps.faults ? this.#deps.faults.report('tick', e) : this.#retry.next();
          await sleep(delay, this.#stopping.signal);
        }
      }
    }
  }

  private async startLeading(): Promise<void> {
    const d = this.#deps;
    await Promise.all([d.eips.synced(), d.services.synced(), d.namespaces.synced()]);
    const r = await rebuild(d.client, d.cfg, this.#max);
    if (!d.lease.isLeader()) throw new LostLeadership('Lease lost during rebuild');
    rebuildsTotal.inc();
    this.#state = r.state;
    this.#pools.rebuilt(r.state);
    this.queue.addAll(r.services.map(serviceKey));
    this.queue.addAll(r.state.recordedKeys());
    this.#log.info('allocator state rebuilt from a fresh LIST', {
      eips: r.state.pools.size,
      services: r.services.length,
      adoptedFromStatus: r.adopted,
      droppedRecords: r.dropped,
    });
  }

  private resync(): void {
    const s = this.#state;
    if (!s) return;
    this.queue.addAll(this.#deps.services.list().map(serviceKey));
    this.queue.addAll(s.recordedKeys());
    for (const p of s.pools.values()) p.dirty = true;
  }

  private claimsFromCache: ClaimSource = (key) => {
    const [ns, name] = splitKey(key);
    const svc = this.#deps.services.get(name, ns);
    if (!wantsAddresses(svc, this.#deps.cfg)) return undefined;
    const req = serviceRequest(svc);
    return {
      claim: { key, ports: req.ports, ...(req.sharingKey ? { sharingKey: req.sharingKey } : {}) },
      uid: req.uid,
    };
  };

  async tick(): Promise<void> {
    const state = this.#state;
    if (!state) return;
    this.#pools.sync(state, this.#pending);
    await runTick(this.#env, state);
    this.#deps.onTick?.();
  }
}
