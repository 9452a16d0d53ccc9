// Object storage with one global resourceVersion and a bounded event log for watch replay.
import { clone, isObj, type Obj } from './json.ts';

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface LogEntry {
  rv: number;
  key: string;
  type: EventType;
  /** Stored objects are never mutated after the write (readers get clones), so entries share them. */
  obj: Obj;
  prev?: Obj;
  /** Approximate bytes this entry keeps alive (JSON length of obj, plus prev's). */
  bytes: number;
}

/** Default byte bound of the event log: a real watch cache is bounded too; big objects age out sooner. */
const LOG_MAX_BYTES = 256 * 1024 * 1024;

export interface StoreWatcher {
  key: string;
  namespace?: string;
  matches(obj: Obj): boolean;
  /** Deliver an event (already filtered for selector transitions). */
  deliver(type: EventType, obj: Obj): void;
}

function objKey(obj: Obj): string {
  const m = isObj(obj.metadata) ? obj.metadata : {};
  return `${typeof m.namespace === 'string' ? m.namespace : ''}/${String(m.name)}`;
}

/** Which event, if any, a watcher with a selector sees for a change (selector transitions). */
export function eventFor(w: StoreWatcher, e: LogEntry): EventType | undefined {
  const inNs = (o: Obj): boolean =>
    w.namespace === undefined || (isObj(o.metadata) && o.metadata.namespace === w.namespace);
  const now = inNs(e.obj) && w.matches(e.obj);
  if (e.type === 'ADDED') return now ? 'ADDED' : undefined;
  const before = e.prev !== undefined && inNs(e.prev) && w.matches(e.prev);
  if (e.type === 'DELETED') return now || before ? 'DELETED' : undefined;
  if (before && now) return 'MODIFIED';
  if (now) return 'ADDED';
  if (before) return 'DELETED';
  return undefined;
}

/** Told of every write to one resource, after the store changed (for indexes kept beside the store). */
export type StoreObserver = (type: EventType, obj: Readonly<Obj>, prev: Readonly<Obj> | undefined) => void;

export class Store {
  private rvCounter: number;
  private readonly data = new Map<string, Map<string, Obj>>();
  private readonly log: LogEntry[] = [];
  private readonly logSize: number;
  private readonly logMaxBytes: number;
  private logBytes = 0;
  /** JSON length of each stored object, for the log's byte bound. */
  private readonly sizes = new WeakMap<Obj, number>();
  /** Watches and exact lists from an RV below this are answered with 410. */
  private oldest: number;
  private readonly watchers = new Set<StoreWatcher>();
  private readonly observers = new Map<string, StoreObserver[]>();

  constructor(logSize: number, firstRv = 100, logMaxBytes = LOG_MAX_BYTES) {
    this.logSize = logSize;
    this.logMaxBytes = logMaxBytes;
    this.rvCounter = firstRv;
    this.oldest = firstRv;
  }

  get rv(): number {
    return this.rvCounter;
  }

  get oldestRv(): number {
    return this.oldest;
  }

  /** Everything at or below the current RV becomes too old to watch from ("compaction"). */
  compact(): void {
    this.oldest = this.rvCounter;
    this.log.length = 0;
    this.logBytes = 0;
  }

  get(key: string, ns: string, name: string): Obj | undefined {
    const o = this.data.get(key)?.get(`${ns}/${name}`);
    return o === undefined ? undefined : clone(o);
  }

  /** Whether an object exists (no copy). */
  has(key: string, ns: string, name: string): boolean {
    return this.data.get(key)?.has(`${ns}/${name}`) ?? false;
  }

  /** Every stored object of `key`, NOT copied: read-only, for scans inside the double. */
  *scan(key: string): Iterable<Readonly<Obj>> {
    const m = this.data.get(key);
    if (m) yield* m.values();
  }

  list(key: string, ns?: string): Obj[] {
    const m = this.data.get(key);
    if (!m) return [];
    const out: Obj[] = [];
    for (const [k, o] of m) if (ns === undefined || k.startsWith(`${ns}/`)) out.push(clone(o));
    return out.sort((a, b) => (objKey(a) < objKey(b) ? -1 : 1));
  }

  /** State of `key` as it was at `rv` (rolls the event log back); undefined when too old. */
  listAt(key: string, rv: number, ns?: string): Obj[] | undefined {
    if (rv < this.oldest) return undefined;
    const state = new Map<string, Obj>();
    for (const o of this.list(key)) state.set(objKey(o), o);
    for (let i = this.log.length - 1; i >= 0; i--) {
      const e = this.log[i];
      if (!e || e.rv <= rv) break;
      if (e.key !== key) continue;
      if (e.type === 'ADDED') state.delete(objKey(e.obj));
      else if (e.prev) state.set(objKey(e.prev), clone(e.prev));
    }
    return [...state.entries()]
      .filter(([k]) => ns === undefined || k.startsWith(`${ns}/`))
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([, o]) => o);
  }

  nextRv(): number {
    return this.rvCounter + 1;
  }

  /**
   * Store a create/update/delete; stamps metadata.resourceVersion and emits the event. The stored
   * object is serialised once; watchers share it (they only render it) and the caller gets its own copy.
   */
  write(key: string, type: EventType, obj: Obj): Obj {
    this.rvCounter += 1;
    const m0 = isObj(obj.metadata) ? obj.metadata : undefined;
    const hadRv = m0 !== undefined && Object.hasOwn(m0, 'resourceVersion');
    const oldRv = m0?.resourceVersion;
    if (m0) m0.resourceVersion = String(this.rvCounter);
    const text = JSON.stringify(m0 ? obj : { ...obj, metadata: { resourceVersion: String(this.rvCounter) } });
    if (m0) {
      if (hadRv) m0.resourceVersion = oldRv;
      else delete m0.resourceVersion;
    }
    const stored = JSON.parse(text) as Obj;
    const k = objKey(stored);
    let bucket = this.data.get(key);
    if (!bucket) {
      bucket = new Map();
      this.data.set(key, bucket);
    }
    const prev = bucket.get(k);
    if (type === 'DELETED') bucket.delete(k);
    else bucket.set(k, stored);
    this.sizes.set(stored, text.length);
    const entry: LogEntry = {
      rv: this.rvCounter,
      key,
      type,
      obj: stored,
      bytes: text.length + (prev ? (this.sizes.get(prev) ?? 0) : 0),
    };
    if (prev) entry.prev = prev;
    this.log.push(entry);
    this.logBytes += entry.bytes;
    let drop = 0;
    while (
      this.log.length - drop > this.logSize ||
      (this.logBytes > this.logMaxBytes && this.log.length - drop > 1)
    ) {
      const dropped = this.log[drop++];
      if (!dropped) break;
      this.logBytes -= dropped.bytes;
      this.oldest = dropped.rv;
    }
    if (drop > 0) this.log.splice(0, drop);
    for (const o of this.observers.get(key) ?? []) o(type, stored, prev);
    for (const w of this.watchers) {
      if (w.key !== key) continue;
      const t = eventFor(w, entry);
      if (t) w.deliver(t, stored);
    }
    return JSON.parse(text) as Obj;
  }

  /** Drop every object of a resource (CRD deleted); no events, like etcd key removal. */
  dropAll(key: string): void {
    this.data.delete(key);
  }

  /** Call `fn` after every write to `key` (never removed: for indexes that live as long as the store). */
  observe(key: string, fn: StoreObserver): void {
    const l = this.observers.get(key) ?? [];
    l.push(fn);
    this.observers.set(key, l);
  }

  /**
   * Register a watcher, first replaying history after `fromRv` (or synthetic ADDED for the current
   * state when `fromRv` is undefined). Synchronous, so nothing is missed or duplicated.
   * Returns false when `fromRv` is too old.
   */
  watch(w: StoreWatcher, fromRv: number | undefined): boolean {
    if (fromRv === undefined) {
      for (const o of this.list(w.key, w.namespace)) if (w.matches(o)) w.deliver('ADDED', o);
    } else {
      if (fromRv < this.oldest) return false;
      for (const e of this.log) {
        if (e.rv <= fromRv || e.key !== w.key) continue;
        const t = eventFor(w, e);
        if (t) w.deliver(t, e.obj);
      }
    }
    this.watchers.add(w);
    return true;
  }

  unwatch(w: StoreWatcher): void {
    this.watchers.delete(w);
  }
}
