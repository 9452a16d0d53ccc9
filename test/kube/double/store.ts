// Object storage with one global resourceVersion and a bounded event log for watch replay.
import { clone, isObj, type Obj } from './json.ts';

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface LogEntry {
  rv: number;
  key: string;
  type: EventType;
  obj: Obj;
  prev?: Obj;
}

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
  const inNs = (o: Obj): boolean => w.namespace === undefined || (isObj(o.metadata) && o.metadata.namespace === w.namespace);
  const now = inNs(e.obj) && w.matches(e.obj);
  if (e.type === 'ADDED') return now ? 'ADDED' : undefined;
  const before = e.prev !== undefined && inNs(e.prev) && w.matches(e.prev);
  if (e.type === 'DELETED') return now || before ? 'DELETED' : undefined;
  if (before && now) return 'MODIFIED';
  if (now) return 'ADDED';
  if (before) return 'DELETED';
  return undefined;
}

export class Store {
  private rvCounter: number;
  private readonly data = new Map<string, Map<string, Obj>>();
  private readonly log: LogEntry[] = [];
  private readonly logSize: number;
  /** Watches and exact lists from an RV below this are answered with 410. */
  private oldest: number;
  private readonly watchers = new Set<StoreWatcher>();

  constructor(logSize: number, firstRv = 100) {
    this.logSize = logSize;
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
  }

  get(key: string, ns: string, name: string): Obj | undefined {
    const o = this.data.get(key)?.get(`${ns}/${name}`);
    return o === undefined ? undefined : clone(o);
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

  /** Store a create/update/delete; stamps metadata.resourceVersion and emits the event. */
  write(key: string, type: EventType, obj: Obj): Obj {
    this.rvCounter += 1;
    const stored = clone(obj);
    const m = isObj(stored.metadata) ? stored.metadata : {};
    m.resourceVersion = String(this.rvCounter);
    stored.metadata = m;
    const k = objKey(stored);
    let bucket = this.data.get(key);
    if (!bucket) {
      bucket = new Map();
      this.data.set(key, bucket);
    }
    const prev = bucket.get(k);
    if (type === 'DELETED') bucket.delete(k);
    else bucket.set(k, stored);
    const entry: LogEntry = { rv: this.rvCounter, key, type, obj: stored };
    if (prev) entry.prev = prev;
    this.log.push(entry);
    while (this.log.length > this.logSize) {
      const dropped = this.log.shift();
      if (dropped) this.oldest = dropped.rv;
    }
    for (const w of this.watchers) {
      if (w.key !== key) continue;
      const t = eventFor(w, entry);
      if (t) w.deliver(t, clone(stored));
    }
    return clone(stored);
  }

  /** Drop every object of a resource (CRD deleted); no events, like etcd key removal. */
  dropAll(key: string): void {
    this.data.delete(key);
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
        if (t) w.deliver(t, clone(e.obj));
      }
    }
    this.watchers.add(w);
    return true;
  }

  unwatch(w: StoreWatcher): void {
    this.watchers.delete(w);
  }
}
