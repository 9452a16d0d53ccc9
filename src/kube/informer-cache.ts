// The cache half of an informer: objects by key, the entry check's refusals, and the handlers told
// of every change. The list/watch half (informer.ts) feeds it.
import { errorMessage } from './errors.ts';
import { eventsTotal, refusedGauge, refusedTotal } from './informer-metrics.ts';
import { objectKey, type KubeObject } from './types.ts';
import { logger } from '../obs/log.ts';

export type InformerEvent<T> =
  { type: 'add'; obj: T } | { type: 'update'; obj: T; old: T } | { type: 'delete'; obj: T };

/** A version the entry check refused, with the reason. */
export interface Refusal<T> {
  obj: T;
  reason: string;
}

export class InformerCache<T extends KubeObject> {
  readonly name: string;
  protected readonly log;
  protected readonly cache = new Map<string, T>();
  private readonly refusals = new Map<string, Refusal<T>>();
  private readonly handlers = new Set<(ev: InformerEvent<T>) => void>();
  private readonly refusalHandlers = new Set<(r: Refusal<T> | undefined, key: string) => void>();
  private readonly admit: ((obj: T) => string | undefined) | undefined;

  constructor(name: string, admit: ((obj: KubeObject) => string | undefined) | undefined) {
    this.name = name;
    this.admit = admit ? (o) => admit(o) : undefined;
    this.log = logger(`informer/${name}`);
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

  /** Keys whose refusal is held but which the server no longer lists. */
  protected refusedKeys(): string[] {
    return [...this.refusals.keys()];
  }

  protected upsert(key: string, obj: T): void {
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

  protected setRefusal(key: string, r: Refusal<T> | undefined): void {
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

  protected emit(ev: InformerEvent<T>): void {
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
}
