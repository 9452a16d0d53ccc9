// A resilient list+watch informer with a cache, written directly on client-node 2.x's `Watch` instead of
// its `ListWatch`/`makeInformer`, because 2.x's ListWatch (dist/cache.js):
//   - stops for good after a list failure or any watch error other than 410/TimeoutError (it only emits
//     `error`), so every caller would need its own restart logic around it anyway;
//   - cannot request bookmarks (no allowWatchBookmarks) and has no watchdog besides Watch's fixed
//     inactivity timer, so a stall cannot be tuned or observed;
//   - on an ERROR 410 event only clears the resourceVersion and waits for the server to close the stream;
//   - calls update handlers without the old object and lists through the generated typed APIs (class
//     instances with Date fields) while watch objects are plain JSON.
// This loop: list (plain JSON, normalised) → diff against the cache (DELETE for what vanished, ADD only
// for keys never seen, UPDATE on a resourceVersion change) → watch from the list's resourceVersion with
// bookmarks → on any error restart with capped exponential backoff, on 410 relist, on silence (no event
// or bookmark for stallTimeoutMs) restart the watch. Errors after our own stop()/abort are ignored.
import { Watch } from '@kubernetes/client-node';
import { Backoff, sleep, type BackoffOptions } from '../core/backoff.ts';
import { normalize, type KubeClient } from './client.ts';
import { errorMessage, errorName, isGone } from './errors.ts';
import { resourcePath, type ResourceRef } from './resources.ts';
import { slimForCache } from './slim.ts';
import { objectKey, type KubeObject, type StatusBody } from './types.ts';
import { counter, gauge } from '../obs/metrics.ts';
import { logger } from '../obs/log.ts';

export type InformerEvent<T> =
  { type: 'add'; obj: T } | { type: 'update'; obj: T; old: T } | { type: 'delete'; obj: T };

export interface InformerOptions {
  /** Watch one namespace; default all namespaces (or cluster-scoped). */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Restart backoff after errors; default 500 ms doubling to 30 s. */
  backoff?: BackoffOptions;
  /** A watch with no event and no bookmark for this long is restarted. Default 90 s. */
  stallTimeoutMs?: number;
  /** Server-side watch timeout; default random in [300, 600) s so watches roll over. */
  watchTimeoutSeconds?: number;
  /** A watch that ends cleanly sooner than this without any event counts as a failure. Default 1 s. */
  minWatchMs?: number;
  /** Name in logs and metrics; default the resource plural. */
  name?: string;
  /**
   * Applied to every object before it enters the cache (list items, watch objects, offerWritten),
   * so handlers and readers see its result. Default slimForCache (managedFields dropped, repeated
   * strings shared); null keeps objects exactly as the server sent them.
   */
  transform?: ((obj: KubeObject) => KubeObject) | null;
  /**
   * The entry check: every version is judged before it enters the cache. A refused version never
   * reaches handlers or readers — the cache keeps the last admitted version of that object (or
   * none), so whatever was in force stays in force — and is held aside (`refused`) for the status
   * writers that must report why. Answers undefined to admit, else the reason.
   */
  admit?: (obj: KubeObject) => string | undefined;
}

/** A version the entry check refused, with the reason. */
export interface Refusal<T> {
  obj: T;
  reason: string;
}

type WatchOutcome =
  | { kind: 'closed'; healthy: boolean }
  | { kind: 'expired' }
  | { kind: 'stall' }
  | { kind: 'error'; err: unknown }
  | { kind: 'stopped' };

const restartsTotal = counter('informer_restarts_total', 'Informer watch restarts by reason', [
  'resource',
  'reason',
]);
const relistsTotal = counter('informer_relists_total', 'Informer full lists', ['resource']);
const eventsTotal = counter('informer_events_total', 'Cache changes delivered to handlers', [
  'resource',
  'type',
]);
const syncedGauge = gauge('informer_synced', '1 once the informer has listed at least once', ['resource']);
const objectsGauge = gauge('informer_objects', 'Objects in the informer cache', ['resource']);
const refusedTotal = counter(
  'informer_refused_total',
  'Object versions refused by the entry check (invalid; the last valid version stays in force)',
  ['resource'],
);
const refusedGauge = gauge(
  'informer_refused_objects',
  'Objects whose newest version the entry check refused',
  ['resource'],
);

export class Informer<T extends KubeObject> {
  readonly ref: ResourceRef;
  readonly name: string;
  private readonly client: KubeClient;
  private readonly opts: InformerOptions;
  private readonly backoff: Backoff;
  private readonly stallTimeoutMs: number;
  private readonly minWatchMs: number;
  private readonly transform: (obj: T) => T;
  private readonly log;
  private readonly cache = new Map<string, T>();
  private readonly refusals = new Map<string, Refusal<T>>();
  private readonly handlers = new Set<(ev: InformerEvent<T>) => void>();
  private readonly refusalHandlers = new Set<(r: Refusal<T> | undefined, key: string) => void>();
  private readonly admit: ((obj: T) => string | undefined) | undefined;
  private rv = '';
  private attemptProgressed = false;
  private stopped = true;
  private loop: Promise<void> | undefined;
  private stopCtl = new AbortController();
  private abortAttempt: (() => void) | undefined;
  private syncedFlag = false;
  private syncedResolve!: () => void;
  private readonly syncedPromise: Promise<void>;
  /** Counters for tests and diagnostics. */
  readonly stats = { lists: 0, watches: 0, restarts: 0, stalls: 0, expired: 0, errors: 0 };
  lastError: string | undefined;

  constructor(client: KubeClient, ref: ResourceRef, opts: InformerOptions = {}) {
    this.client = client;
    this.ref = ref;
    this.opts = opts;
    this.name = opts.name ?? ref.plural;
    this.backoff = new Backoff(opts.backoff);
    this.stallTimeoutMs = opts.stallTimeoutMs ?? 90_000;
    this.minWatchMs = opts.minWatchMs ?? 1000;
    const t = opts.transform === undefined ? slimForCache : opts.transform;
    this.transform = t === null ? (o) => o : (o) => t(o) as T;
    this.admit = opts.admit ? (o) => opts.admit?.(o) : undefined;
    this.log = logger(`informer/${this.name}`);
    this.syncedPromise = new Promise((resolve) => {
      this.syncedResolve = resolve;
    });
  }

  // ---- cache reads (objects are shared: treat them as read-only) ----

  get(name: string, namespace?: string): T | undefined {
    return this.cache.get(namespace ? `${namespace}/${name}` : name);
  }
  list(): T[] {
    return [...this.cache.values()];
  }
  keys(): string[] {
    return [...this.cache.keys()];
  }
  get size(): number {
    return this.cache.size;
  }
  /** The newest version the server holds, admitted or not (status writers report on it). */
  latest(name: string, namespace?: string): T | undefined {
    const key = namespace ? `${namespace}/${name}` : name;
    return this.refusals.get(key)?.obj ?? this.cache.get(key);
  }
  /** Every object's newest version, admitted or not. */
  listLatest(): T[] {
    const out = new Map(this.cache);
    for (const [k, r] of this.refusals) out.set(k, r.obj);
    return [...out.values()];
  }
  /** Why the newest version of this object was refused (undefined: admitted or unknown). */
  refusal(name: string, namespace?: string): Refusal<T> | undefined {
    return this.refusals.get(namespace ? `${namespace}/${name}` : name);
  }
  refused(): Refusal<T>[] {
    return [...this.refusals.values()];
  }
  /** Called when an object's newest version is refused, or (undefined) when its refusal ends. */
  onRefusal(h: (r: Refusal<T> | undefined, key: string) => void): () => void {
    this.refusalHandlers.add(h);
    return () => this.refusalHandlers.delete(h);
  }
  get hasSynced(): boolean {
    return this.syncedFlag;
  }
  get resourceVersion(): string {
    return this.rv;
  }
  get running(): boolean {
    return !this.stopped;
  }

  /** Resolves once the first list has filled the cache (handlers have seen every initial ADD). */
  synced(): Promise<void> {
    return this.syncedPromise;
  }

  /**
   * Our own write's answer, before its watch event arrives: taken into the cache (and handlers
   * told) only when the cache still holds the version the write was conditioned on, so it is the
   * very next version. The watch event for it later finds the same resourceVersion and is not
   * delivered twice. Saves one watch round trip for this replica's other controllers.
   */
  offerWritten(obj: T, baseResourceVersion: string): boolean {
    if (this.stopped || !this.syncedFlag) return false;
    const key = objectKey(obj);
    const cur = this.cache.get(key);
    if (
      !cur ||
      cur.metadata.resourceVersion !== baseResourceVersion ||
      obj.metadata.resourceVersion === baseResourceVersion
    )
      return false;
    this.upsert(key, this.transform(obj));
    return true;
  }

  /** Subscribe to every cache change; returns an unsubscribe function. */
  onEvent(h: (ev: InformerEvent<T>) => void): () => void {
    this.handlers.add(h);
    return () => this.handlers.delete(h);
  }
  on(type: 'add' | 'delete', h: (obj: T) => void): () => void;
  on(type: 'update', h: (obj: T, old: T) => void): () => void;
  on(type: InformerEvent<T>['type'], h: (obj: T, old: T) => void): () => void {
    return this.onEvent((ev) => {
      if (ev.type !== type) return;
      if (ev.type === 'update') h(ev.obj, ev.old);
      else h(ev.obj, ev.obj);
    });
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.stopCtl = new AbortController();
    this.loop = this.run().catch((e: unknown) => {
      this.log.error('informer loop crashed', { error: errorMessage(e) });
    });
  }

  /** Stops the loop and the open watch; the cache stays readable. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.stopCtl.abort();
    this.abortAttempt?.();
    await this.loop;
  }

  // ---- the loop ----

  private async run(): Promise<void> {
    while (!this.stopped) {
      let reason: string;
      try {
        if (this.rv === '') await this.relist();
        if (this.stopped) break;
        const out = await this.watchOnce();
        if (this.stopped || out.kind === 'stopped') break;
        if (this.attemptProgressed) this.backoff.reset();
        if (out.kind === 'closed' && out.healthy) {
          this.backoff.reset();
          continue; // normal roll-over: watch again from the last resourceVersion
        }
        if (out.kind === 'expired') {
          this.stats.expired++;
          this.rv = '';
          this.count('expired');
          this.log.info('watch expired (410), relisting');
          continue; // relist right away
        }
        if (out.kind === 'stall') {
          this.stats.stalls++;
          this.count('stall');
          this.log.warn('watch silent, restarting', { stallTimeoutMs: this.stallTimeoutMs });
          // The silence itself throttled us; only back off when stalls repeat without progress.
          if (this.backoff.failures === 0) {
            this.backoff.next();
            continue;
          }
          reason = 'stall';
        } else if (out.kind === 'closed') {
          reason = 'closed-early';
        } else {
          reason = 'watch-error';
          this.lastError = errorMessage(out.err);
          if (isGone(out.err) || statusCodeOf(out.err) === 410) {
            this.rv = '';
            this.count('expired');
            continue;
          }
        }
      } catch (e) {
        if (this.stopped) break;
        reason = 'list-error';
        this.lastError = errorMessage(e);
      }
      this.stats.errors++;
      this.count(reason);
      const delay = this.backoff.next();
      this.log.warn('informer restarting after error', { reason, delayMs: delay, error: this.lastError });
      await sleep(delay, this.stopCtl.signal);
    }
  }

  private count(reason: string): void {
    this.stats.restarts++;
    restartsTotal.inc({ resource: this.name, reason });
  }

  private async relist(): Promise<void> {
    this.stats.lists++;
    relistsTotal.inc({ resource: this.name });
    const list = await this.client.list<T>(this.ref, {
      namespace: this.opts.namespace,
      labelSelector: this.opts.labelSelector,
      fieldSelector: this.opts.fieldSelector,
      signal: this.stopCtl.signal,
    });
    if (this.stopped) return;
    const fresh = new Map<string, T>();
    for (const it of list.items) fresh.set(objectKey(it), this.transform(it));
    for (const [k, old] of [...this.cache]) {
      if (!fresh.has(k)) {
        this.cache.delete(k);
        this.emit({ type: 'delete', obj: old });
      }
    }
    for (const k of [...this.refusals.keys()]) if (!fresh.has(k)) this.setRefusal(k, undefined);
    for (const [k, obj] of fresh) this.upsert(k, obj);
    this.rv = list.metadata.resourceVersion ?? '';
    this.backoff.reset();
    objectsGauge.set({ resource: this.name }, this.cache.size);
    if (!this.syncedFlag) {
      this.syncedFlag = true;
      syncedGauge.set({ resource: this.name }, 1);
      this.log.info('synced', { objects: this.cache.size, resourceVersion: this.rv });
      this.syncedResolve();
    }
  }

  private upsert(key: string, obj: T): void {
    if (this.admit) {
      const prev = this.refusals.get(key);
      if (prev && prev.obj.metadata.resourceVersion === obj.metadata.resourceVersion) return;
      let reason: string | undefined;
      try {
        reason = this.admit(obj);
      } catch (e) {
        reason = `entry check failed: ${errorMessage(e)}`;
      }
      if (reason !== undefined) {
        refusedTotal.inc({ resource: this.name });
        this.setRefusal(key, { obj, reason });
        return;
      }
      if (prev) this.setRefusal(key, undefined);
    }
    const old = this.cache.get(key);
    if (old === undefined) {
      this.cache.set(key, obj);
      this.emit({ type: 'add', obj });
    } else if (old.metadata.resourceVersion !== obj.metadata.resourceVersion) {
      this.cache.set(key, obj);
      this.emit({ type: 'update', obj, old });
    }
  }

  private setRefusal(key: string, r: Refusal<T> | undefined): void {
    const had = this.refusals.get(key);
    if (r) {
      if (had?.reason !== r.reason)
        this.log.warn('object refused by the entry check; the last admitted version stays in force', {
          object: key,
          reason: r.reason,
          resourceVersion: r.obj.metadata.resourceVersion,
        });
      this.refusals.set(key, r);
    } else {
      if (!had) return;
      this.refusals.delete(key);
    }
    refusedGauge.set({ resource: this.name }, this.refusals.size);
    for (const h of this.refusalHandlers) {
      try {
        h(r, key);
      } catch (e) {
        this.log.error('refusal handler threw', {
          object: key,
          error: errorMessage(e),
          stack: e instanceof Error ? e.stack : undefined,
        });
      }
    }
  }

  private emit(ev: InformerEvent<T>): void {
    eventsTotal.inc({ resource: this.name, type: ev.type });
    for (const h of this.handlers) {
      try {
        h(ev);
      } catch (e) {
        this.log.error('informer handler threw', {
          event: ev.type,
          object: objectKey(ev.obj),
          error: errorMessage(e),
        });
      }
    }
  }

  /** Applies one watch event; answers an outcome when the event ends the watch. */
  private onWatchEvent(type: string, raw: unknown): WatchOutcome | undefined {
    if (raw === null || typeof raw !== 'object') return undefined;
    if (type === 'ERROR') {
      const st = raw as StatusBody;
      if (st.code === 410) return { kind: 'expired' };
      return {
        kind: 'error',
        err: new Error(`watch ERROR event: ${st.code ?? '?'} ${st.reason ?? ''} ${st.message ?? ''}`),
      };
    }
    const obj = normalize(this.ref, raw as T);
    const rv = obj.metadata?.resourceVersion;
    if (type === 'BOOKMARK') {
      if (rv) this.rv = rv;
      return undefined;
    }
    if (!obj.metadata?.name) return undefined;
    const key = objectKey(obj);
    if (type === 'ADDED' || type === 'MODIFIED') {
      // an event for the version we already hold (e.g. our own write, taken by offerWritten) is
      // dropped before transforming: it changes nothing
      const cur = this.cache.get(key);
      if (cur === undefined || cur.metadata.resourceVersion !== rv) this.upsert(key, this.transform(obj));
    } else if (type === 'DELETED') {
      this.setRefusal(key, undefined);
      const old = this.cache.get(key);
      if (old !== undefined) {
        this.cache.delete(key);
        this.emit({ type: 'delete', obj: this.transform(obj) });
      }
    }
    if (rv) this.rv = rv;
    objectsGauge.set({ resource: this.name }, this.cache.size);
    return undefined;
  }

  private watchOnce(): Promise<WatchOutcome> {
    this.stats.watches++;
    const watch = new Watch(this.client.kubeConfig);
    // Watch aborts after requestTimeoutMs without any byte (30 s in 2.0.1). Our watchdog is the
    // authority on silence, so push Watch's own timer beyond it when the field exists.
    const w = watch as unknown as { requestTimeoutMs?: unknown };
    if (typeof w.requestTimeoutMs === 'number') w.requestTimeoutMs = this.stallTimeoutMs + 5000;
    const timeoutSeconds = this.opts.watchTimeoutSeconds ?? 300 + Math.floor(Math.random() * 300);
    const query = {
      resourceVersion: this.rv,
      allowWatchBookmarks: true,
      timeoutSeconds,
      labelSelector: this.opts.labelSelector,
      fieldSelector: this.opts.fieldSelector,
    };
    const path = resourcePath(this.ref, { namespace: this.opts.namespace });
    const startedAt = performance.now();
    let sawEvent = false;
    this.attemptProgressed = false;

    return new Promise<WatchOutcome>((resolve) => {
      let finished = false;
      let controller: AbortController | undefined;
      let dog: NodeJS.Timeout | undefined;
      const finish = (o: WatchOutcome): void => {
        if (finished) return;
        finished = true;
        clearTimeout(dog);
        this.abortAttempt = undefined;
        controller?.abort(); // the AbortError this causes reaches `done` after `finished`: ignored
        resolve(o);
      };
      const kick = (): void => {
        clearTimeout(dog);
        dog = setTimeout(() => finish({ kind: 'stall' }), this.stallTimeoutMs);
      };
      this.abortAttempt = () => finish({ kind: 'stopped' });
      kick();
      watch
        .watch(
          path,
          query,
          (type: string, obj: unknown) => {
            if (finished) return;
            sawEvent = true;
            this.attemptProgressed = true;
            kick();
            const out = this.onWatchEvent(type, obj);
            if (out) finish(out);
          },
          (err: unknown) => {
            if (finished) return;
            if (err === null || err === undefined) {
              finish({
                kind: 'closed',
                healthy: sawEvent || performance.now() - startedAt >= this.minWatchMs,
              });
            } else if (errorName(err) === 'TimeoutError') {
              finish({ kind: 'stall' });
            } else if (statusCodeOf(err) === 410) {
              finish({ kind: 'expired' });
            } else {
              finish({ kind: 'error', err });
            }
          },
        )
        .then(
          (c) => {
            controller = c;
            if (finished) c.abort();
          },
          (err: unknown) => finish({ kind: 'error', err }),
        );
    });
  }
}

function statusCodeOf(e: unknown): number | undefined {
  if (e !== null && typeof e === 'object' && 'statusCode' in e && typeof e.statusCode === 'number')
    return e.statusCode;
  return undefined;
}
