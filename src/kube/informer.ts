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
import { Backoff, sleep } from '../core/backoff.ts';
import { normalize, type KubeClient } from './client.ts';
import { errorMessage, isGone } from './errors.ts';
import { InformerCache } from './informer-cache.ts';
import type { InformerActivity, InformerOptions } from './informer-options.ts';
import { objectsGauge, relistsTotal, restartsTotal, syncedGauge } from './informer-metrics.ts';
import { statusCodeOf, watchOnce, type WatchOutcome } from './informer-watch.ts';
import { resourcePath, type ResourceRef } from './resources.ts';
import { slimForCache } from './slim.ts';
import { objectKey, type KubeObject, type StatusBody } from './types.ts';
import { OpenelbError } from '../core/errors.ts';

export type { InformerEvent, Refusal } from './informer-cache.ts';
export type { InformerActivity, InformerOptions } from './informer-options.ts';

export class Informer<T extends KubeObject> extends InformerCache<T> {
  readonly ref: ResourceRef;
  private readonly client: KubeClient;
  private readonly opts: InformerOptions;
  private readonly backoff: Backoff;
  private readonly stallTimeoutMs: number;
  private readonly minWatchMs: number;
  private readonly transform: (obj: T) => T;
  private rv = '';
  private attemptProgressed = false;
  private stopped = true;
  private loop: Promise<void> | undefined;
  private stopCtl = new AbortController();
  private abortAttempt: (() => void) | undefined;
  private syncedFlag = false;
  private syncedResolve!: () => void;
  private readonly syncedPromise: Promise<void>;
  private readonly observe: (a: InformerActivity) => void;
  lastError: string | undefined;

  constructor(client: KubeClient, ref: ResourceRef, opts: InformerOptions = {}) {
    super(opts.name ?? ref.plural, opts.admit);
    this.client = client;
    this.ref = ref;
    this.opts = opts;
    this.observe = opts.observe ?? (() => undefined);
    this.backoff = new Backoff(opts.backoff);
    this.stallTimeoutMs = opts.stallTimeoutMs ?? 90_000;
    this.minWatchMs = opts.minWatchMs ?? 1000;
    const t = opts.transform === undefined ? slimForCache : opts.transform;
    this.transform = t === null ? (o) => o : (o) => t(o) as T;
    this.syncedPromise = new Promise((resolve) => {
      this.syncedResolve = resolve;
    });
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
        const out = await this.watch();
        if (this.stopped || out.kind === 'stopped') break;
        if (this.attemptProgressed) this.backoff.reset();
        if (out.kind === 'closed' && out.healthy) {
          this.backoff.reset();
          continue; // normal roll-over: watch again from the last resourceVersion
        }
        if (out.kind === 'expired') {
          this.observe('expired');
          this.rv = '';
          this.count('expired');
          this.log.info('watch expired (410), relisting');
          continue; // relist right away
        }
        if (out.kind === 'stall') {
          this.observe('stall');
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
      this.observe('error');
      this.count(reason);
      const delay = this.backoff.next();
      this.log.warn('informer restarting after error', { reason, delayMs: delay, error: this.lastError });
      await sleep(delay, this.stopCtl.signal);
    }
  }

  private count(reason: string): void {
    this.observe('restart');
    restartsTotal.inc({ resource: this.name, reason });
  }

  private async relist(): Promise<void> {
    this.observe('list');
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
    for (const k of this.refusedKeys()) if (!fresh.has(k)) this.setRefusal(k, undefined);
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

  /** Applies one watch event; answers an outcome when the event ends the watch. */
  private onWatchEvent(type: string, raw: unknown): WatchOutcome | undefined {
    if (raw === null || typeof raw !== 'object') return undefined;
    if (type === 'ERROR') {
      const st = raw as StatusBody;
      if (st.code === 410) return { kind: 'expired' };
      return {
        kind: 'error',
        err: new OpenelbError(
          'OE_WATCH_ERROR',
          `watch ERROR event: ${st.code ?? '?'} ${st.reason ?? ''} ${st.message ?? ''}`,
          { context: { resource: this.ref.plural, code: st.code, reason: st.reason } },
        ),
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

  private watch(): Promise<WatchOutcome> {
    this.observe('watch');
    this.attemptProgressed = false;
    return watchOnce({
      kubeConfig: this.client.kubeConfig,
      path: resourcePath(this.ref, { namespace: this.opts.namespace }),
      query: {
        resourceVersion: this.rv,
        allowWatchBookmarks: true,
        timeoutSeconds: this.opts.watchTimeoutSeconds ?? 300 + Math.floor(Math.random() * 300),
        labelSelector: this.opts.labelSelector,
        fieldSelector: this.opts.fieldSelector,
      },
      stallTimeoutMs: this.stallTimeoutMs,
      minWatchMs: this.minWatchMs,
      onEvent: (type, obj) => {
        this.attemptProgressed = true;
        return this.onWatchEvent(type, obj);
      },
      setAbort: (abort) => {
        this.abortAttempt = abort;
      },
    });
  }
}
