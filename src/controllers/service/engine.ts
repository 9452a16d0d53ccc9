// The allocator loop (runs only while this replica holds the allocator Lease). Level-triggered:
// Service keys go through a deduplicating queue; each tick takes a batch and
//   1. releases what is no longer wanted (Service status cleared first, so an address is never shown
//      by two Services);
//   2. keeps (sticky) or allocates one address per wanted family in the in-memory ledgers;
//   3. commits every changed pool with ONE conditional Eip status write (many allocations per write);
//   4. writes Service status.loadBalancer.ingress, and Events.
// A 409 on an Eip means someone else wrote it: the pool is re-read and its Services decided again.
// Any other error drops the whole state; the next tick rebuilds it from a fresh LIST.
import { isDeepStrictEqual } from 'node:util';
import type { Eip } from '../../api/v1alpha2.ts';
import { FINALIZER_LB } from '../../api/names.ts';
import type { EventRecorder, Informer, KubeClient } from '../../kube/index.ts';
import { Backoff, sleep } from '../../core/backoff.ts';
import { kubeTime } from '../../core/time.ts';
import { errorMessage, isApiWeather } from '../../kube/index.ts';
import type { FaultGuard } from '../../manager/faults.ts';
import { Resources } from '../../kube/resources.ts';
import type { Namespace, Service } from '../../kube/types.ts';
import { counter, gauge } from '../../obs/metrics.ts';
import { logger } from '../../obs/log.ts';
import { MAX_ALLOCATIONS_PER_EIP } from '../eip/capacity.ts';
import { allocateFor } from './allocate.ts';
import type { DecideContext, Outcome, Release } from './decide.ts';
import { planReleases } from './release.ts';
import { OutcomeReporter } from './events.ts';
import { mapLimit } from './limit.ts';
import { AllocState, PoolEntry, rvNewer, type ClaimSource } from './pools.ts';
import { KeyQueue } from './queue.ts';
import { rebuild, revalidate } from './rebuild.ts';
import { serviceKey, serviceRequest, wantsAddresses, type ClassConfig } from './request.ts';
import {
  LostLeadership,
  commitPool,
  dropFinalizer,
  shownIps,
  writeIngress,
  type WriteDeps,
} from './writes.ts';

const pendingGauge = gauge('allocator_pending_services', 'Services that want an address and have none');
const allocationsTotal = counter('allocator_allocations_total', 'Addresses assigned and released', [
  'action',
]);
const rebuildsTotal = counter('allocator_rebuilds_total', 'Allocator state rebuilt from a fresh LIST');

export interface EngineDeps {
  client: KubeClient;
  events: EventRecorder;
  services: Informer<Service>;
  eips: Informer<Eip>;
  namespaces: Informer<Namespace>;
  lease: { isLeader(): boolean; remainingMs(): number };
  cfg: ClassConfig;
  /** Re-examine every Service this often (default 60 s). */
  resyncMs?: number;
  /** Writes need at least this much Lease time left (default 1 s). */
  leaseMarginMs?: number;
  maxAllocations?: number;
  /** Keys per tick (default 2000). */
  batch?: number;
  /** Parallel Service writes (default 16). */
  concurrency?: number;
  /** Unexpected exceptions of a tick: logged with their stack, counted, readiness false, backoff. */
  faults?: FaultGuard;
  /** Runs right after each Eip status write (see ManagerSeams). */
  afterEipStatusWrite?: (written: Eip) => void;
}

function splitKey(key: string): [string, string] {
  const i = key.indexOf('/');
  return [key.slice(0, i), key.slice(i + 1)];
}

/** What a pool's holders rest on besides its ledger (cached objects are replaced, never mutated). */
function specSignature(e: Eip): readonly unknown[] {
  return [e.spec, e.metadata.annotations ?? {}, e.metadata.deletionTimestamp ?? ''];
}

export class AllocatorEngine {
  readonly queue = new KeyQueue();
  readonly #d: EngineDeps;
  readonly #w: WriteDeps;
  readonly #report: OutcomeReporter;
  readonly #log = logger('allocator');
  readonly #max: number;
  #state: AllocState | undefined;
  readonly #pending = new Set<string>();
  readonly #written = new Map<string, Service>();
  readonly #sigs = new Map<string, readonly unknown[]>();
  /** Waits after a tick failed on API weather (reset by a tick that succeeds). */
  readonly #retry = new Backoff({ initialMs: 500, maxMs: 5000 });
  readonly #stopping = new AbortController();
  #running = false;
  #loop: Promise<void> | undefined;
  #unsubscribe: (() => void)[] = [];
  /** Ticks completed (tests and diagnostics). */
  ticks = 0;

  constructor(d: EngineDeps) {
    this.#d = d;
    this.#max = d.maxAllocations ?? MAX_ALLOCATIONS_PER_EIP;
    const margin = d.leaseMarginMs ?? 1000;
    this.#w = {
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
  }

  get state(): AllocState | undefined {
    return this.#state;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    const d = this.#d;
    this.#unsubscribe = [
      d.services.onEvent((ev) => {
        const key = serviceKey(ev.obj);
        // the echo of our own status write carries nothing new to decide
        if (
          ev.type === 'update' &&
          this.#written.get(key)?.metadata.resourceVersion === ev.obj.metadata.resourceVersion
        )
          return;
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
    const resyncMs = this.#d.resyncMs ?? 60_000;
    let lastResync = performance.now();
    while (this.#running) {
      if (!this.#d.lease.isLeader()) {
        if (this.#state) this.dropState('not the allocator Lease holder');
        // Not the holder: keys pile up (deduplicated) until we win; wait for a poke or a short timer.
        await this.queue.waitPoke(500);
        continue;
      }
      await this.queue.wait(this.#state ? Math.max(10, resyncMs - (performance.now() - lastResync)) : 0);
      // Let I/O run between ticks even when the queue never empties.
      await new Promise((r) => setImmediate(r));
      if (!this.#running || !this.#d.lease.isLeader()) continue;
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
        this.#d.faults?.recovered('tick');
      } catch (e) {
        this.dropState(e instanceof LostLeadership ? e.message : `error: ${errorMessage(e)}`);
        if (!(e instanceof LostLeadership)) {
          // API errors are the weather (retried); anything else is a bug that must be seen
          const expected = isApiWeather(e);
          if (expected)
            this.#log.warn('allocator tick failed; rebuilding from a fresh LIST', { error: errorMessage(e) });
          const delay = !expected && this.#d.faults ? this.#d.faults.report('tick', e) : this.#retry.next();
          await sleep(delay, this.#stopping.signal);
        }
      }
    }
  }

  private async startLeading(): Promise<void> {
    const d = this.#d;
    await Promise.all([d.eips.synced(), d.services.synced(), d.namespaces.synced()]);
    const r = await rebuild(d.client, d.cfg, this.#max);
    if (!d.lease.isLeader()) throw new LostLeadership('Lease lost during rebuild');
    rebuildsTotal.inc();
    this.#state = r.state;
    this.#sigs.clear();
    for (const p of r.state.pools.values()) this.#sigs.set(p.name, specSignature(p.known));
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
    this.queue.addAll(this.#d.services.list().map(serviceKey));
    this.queue.addAll(s.recordedKeys());
    for (const p of s.pools.values()) p.dirty = true;
  }

  private claimsFromCache: ClaimSource = (key) => {
    const [ns, name] = splitKey(key);
    const svc = this.#d.services.get(name, ns);
    if (!wantsAddresses(svc, this.#d.cfg)) return undefined;
    const req = serviceRequest(svc);
    return {
      claim: { key, ports: req.ports, ...(req.sharingKey ? { sharingKey: req.sharingKey } : {}) },
      uid: req.uid,
    };
  };

  /** Follows the Eip cache: new pools, spec edits, writes by others, pools that are gone. */
  private syncPools(state: AllocState): void {
    const eips = this.#d.eips;
    let specChanged = false;
    for (const eip of eips.list()) {
      const name = eip.metadata.name;
      const p = state.pools.get(name);
      const sig = specSignature(eip);
      if (!p) {
        state.pools.set(name, new PoolEntry(eip, this.claimsFromCache));
        this.#sigs.set(name, sig);
        specChanged = true;
        continue;
      }
      if (!rvNewer(eip.metadata.resourceVersion, p.known.metadata.resourceVersion)) continue;
      // the holders are decided again only when what their holdings rest on changed
      if (!p.adoptIfLedgerUnchanged(eip)) {
        p.reset(eip, this.claimsFromCache);
        this.queue.addAll(p.ledger?.keys() ?? []);
      }
      if (!isDeepStrictEqual(this.#sigs.get(name), sig)) {
        this.#sigs.set(name, sig);
        specChanged = true;
      }
    }
    for (const p of [...state.pools.values()]) {
      if (eips.get(p.name) || !rvNewer(eips.resourceVersion, p.known.metadata.resourceVersion)) continue;
      state.pools.delete(p.name);
      this.#sigs.delete(p.name);
      this.queue.addAll(p.ledger?.keys() ?? []);
      specChanged = true;
    }
    if (specChanged) {
      revalidate(state);
      for (const p of state.pools.values()) p.dirty = true;
      this.queue.addAll(this.#pending);
    }
  }

  /** The newest view of each Service; records the cache cannot confirm are checked with a GET. */
  private async resolve(
    state: AllocState,
    keys: readonly string[],
  ): Promise<Map<string, Service | undefined>> {
    const out = new Map<string, Service | undefined>();
    const confirm: string[] = [];
    for (const key of keys) {
      const [ns, name] = splitKey(key);
      const cached = this.#d.services.get(name, ns);
      const written = this.#written.get(key);
      let svc = cached;
      if (written && cached && rvNewer(written.metadata.resourceVersion, cached.metadata.resourceVersion))
        svc = written;
      else this.#written.delete(key);
      out.set(key, svc);
      const held = state.heldBy(key);
      if (
        held.length > 0 &&
        (!svc ||
          held.some((h) => {
            const uid = h.pool.ledger?.uidOf(key);
            return uid !== undefined && uid !== svc.metadata.uid;
          }))
      ) {
        confirm.push(key);
      }
    }
    await mapLimit(confirm, this.#d.concurrency ?? 16, async (key) => {
      const [ns, name] = splitKey(key);
      out.set(key, await this.#d.client.getOrUndefined<Service>(Resources.Service, name, ns));
    });
    return out;
  }

  private noteWritten(key: string, svc: Service): void {
    this.#written.set(key, svc);
  }

  async tick(): Promise<void> {
    const state = this.#state;
    if (!state) return;
    this.syncPools(state);
    const keys = this.queue.drain(this.#d.batch ?? 2000);
    const conc = this.#d.concurrency ?? 16;
    const resolved = await this.resolve(state, keys);
    const touched = new Map<string, Set<string>>();
    const touch = (pool: string, key: string): void => {
      let s = touched.get(pool);
      if (!s) touched.set(pool, (s = new Set()));
      s.add(key);
    };

    const ctx: DecideContext = {
      cfg: this.#d.cfg,
      namespaceLabels: (ns) => this.#d.namespaces.get(ns)?.metadata.labels,
    };

    // 1. Releases: Service status first, then the ledger.
    const released: { key: string; r: Release }[] = [];
    await mapLimit(keys, conc, async (key) => {
      let svc = resolved.get(key);
      const rel = planReleases(state, key, svc, ctx);
      if (rel.length === 0) return;
      if (svc && !svc.metadata.deletionTimestamp) {
        const gone = new Set(rel.map((r) => r.ip));
        const cur = shownIps(svc);
        if (cur.some((ip) => gone.has(ip))) {
          const w = await writeIngress(
            this.#w,
            svc,
            cur.filter((ip) => !gone.has(ip)),
          );
          if (!w.ok && w.why === 'conflict') {
            this.queue.addAfter(key, 100);
            return;
          }
          if (w.ok) {
            svc = w.svc;
            resolved.set(key, svc);
            this.noteWritten(key, svc);
          }
        }
      }
      for (const r of rel) {
        r.pool.ledger?.release(key);
        r.pool.dirty = true;
        touch(r.pool.name, key);
        released.push({ key, r });
      }
    });

    // 2. Keep or allocate (Services that hold something first, so their claims are fresh).
    const results = new Map<string, Outcome[]>();
    const ordered = [...keys].sort(
      (a, b) => Number(state.heldBy(b).length > 0) - Number(state.heldBy(a).length > 0),
    );
    for (const key of ordered) {
      const svc = resolved.get(key);
      if (!wantsAddresses(svc, this.#d.cfg)) {
        this.#pending.delete(key);
        this.#report.forget(key);
        continue;
      }
      const outcomes = allocateFor(state, svc, ctx);
      for (const o of outcomes) {
        if (o.kind !== 'allocated') continue;
        const p = state.pools.get(o.pool);
        if (p) p.dirty = true;
        touch(o.pool, key);
      }
      results.set(key, outcomes);
    }

    // 3. One conditional status write per changed pool.
    const failedPools = new Set<string>();
    await mapLimit(
      [...state.pools.values()].filter((p) => p.dirty),
      4,
      async (pool) => {
        const r = await commitPool(this.#w, pool);
        if (r === 'conflict' || r === 'gone') {
          failedPools.add(pool.name);
          if (r === 'gone') state.pools.delete(pool.name);
          this.queue.addAll(touched.get(pool.name) ?? []);
          this.queue.addAll(pool.ledger?.keys() ?? []);
          this.queue.addAll(this.#pending);
          this.#log.info('Eip changed under us; re-read and deciding again', { eip: pool.name, result: r });
        }
      },
    );
    if (failedPools.size > 0) revalidate(state);
    // Let this replica's speakers act on the new allocations (their recompute is queued by the Eip
    // write) before the Service status writes and Events take the event loop.
    await new Promise((r) => setImmediate(r));

    // 4. Service status, OpenELB's finalizer, Events.
    await mapLimit(keys, conc, async (key) => {
      const svc: Service | undefined = resolved.get(key);
      if (!svc) return;
      const wants: boolean = wantsAddresses(svc, this.#d.cfg);
      if (wants) {
        const fams = serviceRequest(svc).families;
        const want = state
          .heldBy(key)
          .filter((h) => fams.includes(h.family))
          .sort((a, b) => fams.indexOf(a.family) - fams.indexOf(b.family))
          .map((h) => h.ip);
        if (isDeepStrictEqual(want, shownIps(svc))) return;
        const w = await writeIngress(this.#w, svc, want);
        if (w.ok) this.noteWritten(key, w.svc);
        else if (w.why === 'conflict') this.queue.addAfter(key, 100);
      } else if (svc.metadata.finalizers?.includes(FINALIZER_LB) && state.heldBy(key).length === 0) {
        const w = await dropFinalizer(this.#w, svc);
        if (!w.ok && w.why === 'conflict') this.queue.addAfter(key, 100);
      }
    });
    const committed = (pool: string): boolean => !failedPools.has(pool);
    for (const { key, r } of released) {
      if (!committed(r.pool.name)) continue;
      allocationsTotal.inc({ action: 'released' });
      this.#report.released(resolved.get(key), r);
    }
    for (const [key, outcomes] of results) {
      const svc = resolved.get(key);
      if (!svc) continue;
      for (const o of outcomes)
        if (o.kind === 'allocated' && committed(o.pool)) allocationsTotal.inc({ action: 'assigned' });
      if (this.#report.outcomes(key, svc, outcomes, committed)) this.#pending.add(key);
      else this.#pending.delete(key);
    }
    // Room was freed: Services still waiting that were not decided after the release get another go.
    if (released.some(({ r }) => committed(r.pool.name)))
      this.queue.addAll([...this.#pending].filter((k) => !results.has(k)));
    pendingGauge.set(this.#pending.size);
    this.ticks++;
  }
}
