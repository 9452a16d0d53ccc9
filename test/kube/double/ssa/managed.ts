// metadata.managedFields: who owns which fields. Every write updates it as the apiserver does —
// an Update gives its manager the fields it changed (taking them from others) and drops removed
// fields from everyone; server-side apply (apply.ts) replaces its manager's set.
import { deepEqual, isObj, nowRfc3339, type Obj } from '../json.ts';
import {
  fieldValues,
  fromFieldsV1,
  minus,
  split,
  toFieldsV1,
  union,
  type FieldSet,
  type TopScope,
} from './fieldset.ts';
import type { Shape } from './shape.ts';

/** One managedFields entry; its field set is parsed from FieldsV1 only when a write needs it. */
export class Owner {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  subresource?: string;
  time: string;
  /** The entry it was read from: written back as is unless the set or time changed. */
  readonly entry: Obj | undefined;
  dirty = false;
  #set: FieldSet | undefined;
  #tree: unknown;

  constructor(init: {
    manager: string;
    operation: 'Apply' | 'Update';
    apiVersion: string;
    time: string;
    subresource?: string | undefined;
    set?: FieldSet;
    entry?: Obj;
  }) {
    this.manager = init.manager;
    this.operation = init.operation;
    this.apiVersion = init.apiVersion;
    this.time = init.time;
    if (init.subresource) this.subresource = init.subresource;
    this.entry = init.entry;
    this.#tree = init.entry?.fieldsV1;
    this.#set = init.set;
    this.dirty = init.entry === undefined;
  }

  get set(): FieldSet {
    this.#set ??= fromFieldsV1(this.#tree);
    return this.#set;
  }

  set set(v: FieldSet) {
    this.#set = v;
    this.dirty = true;
  }

  /** Membership without parsing the whole set. */
  has(path: string): boolean {
    if (this.#set) return this.#set.has(path);
    let node: unknown = this.#tree;
    for (const seg of split(path)) {
      node = isObj(node) ? node[seg] : undefined;
      if (node === undefined) return false;
    }
    return isObj(node) && (Object.keys(node).length === 0 || '.' in node);
  }
}

export function readOwners(meta: unknown): Owner[] {
  const list = isObj(meta) && Array.isArray(meta.managedFields) ? meta.managedFields.filter(isObj) : [];
  return list.map(
    (e) =>
      new Owner({
        manager: String(e.manager ?? ''),
        operation: e.operation === 'Apply' ? 'Apply' : 'Update',
        apiVersion: String(e.apiVersion ?? ''),
        time: String(e.time ?? ''),
        subresource: typeof e.subresource === 'string' ? e.subresource : undefined,
        entry: e,
      }),
  );
}

export function writeOwners(owners: Owner[]): Obj[] | undefined {
  const out: Obj[] = [];
  for (const o of owners) {
    if (!o.dirty && o.entry && o.entry.time === o.time) {
      out.push(o.entry);
      continue;
    }
    if (o.set.size === 0) continue;
    const e: Obj = {
      manager: o.manager,
      operation: o.operation,
      apiVersion: o.apiVersion,
      time: o.time,
      fieldsType: 'FieldsV1',
      fieldsV1: toFieldsV1(o.set),
    };
    if (o.subresource) e.subresource = o.subresource;
    out.push(e);
  }
  return out.length > 0 ? out : undefined;
}

export const sameOwner = (a: Owner, m: string, op: string, sub: string | undefined): boolean =>
  a.manager === m && a.operation === op && (a.subresource ?? '') === (sub ?? '');

/** A conflict names its manager as the apiserver does: Update managers with their apiVersion. */
export function ownerName(o: Owner): string {
  const who = o.subresource
    ? `${JSON.stringify(o.manager)} with subresource ${JSON.stringify(o.subresource)}`
    : JSON.stringify(o.manager);
  return o.operation === 'Apply' ? who : `${who} using ${o.apiVersion}`;
}

/** Fields a write changed (added or given another value) and fields it removed. */
function diff(
  old: Obj | undefined,
  next: Obj,
  shape: Shape,
  top: TopScope,
): { changed: FieldSet; removed: FieldSet } {
  const after = fieldValues(next, shape, top);
  if (!old) return { changed: new Set(after.keys()), removed: new Set() };
  const before = fieldValues(old, shape, top);
  const changed: FieldSet = new Set();
  for (const [p, v] of after) {
    if (!before.has(p)) {
      changed.add(p);
      continue;
    }
    const last = p.slice(p.lastIndexOf('\u0000') + 1);
    if (last.startsWith('k:') || last.startsWith('v:')) continue;
    if (!deepEqual(before.get(p), v)) changed.add(p);
  }
  const removed: FieldSet = new Set();
  for (const p of before.keys()) if (!after.has(p)) removed.add(p);
  return { changed, removed };
}

export interface UpdateWrite {
  manager: string;
  apiVersion: string;
  subresource?: string;
  shape: Shape;
  old?: Obj;
  next: Obj;
}

/** managedFields after a create/update/patch (operation Update). */
export function trackUpdate(w: UpdateWrite): Obj[] | undefined {
  const owners = w.old ? readOwners(w.old.metadata) : [];
  const top: TopScope = w.subresource === 'status' ? (k) => k === 'status' : (k) => k !== 'status';
  const { changed, removed } = diff(w.old, w.next, w.shape, top);
  if (changed.size === 0 && removed.size === 0)
    return w.old
      ? isObj(w.old.metadata)
        ? (w.old.metadata.managedFields as Obj[] | undefined)
        : undefined
      : undefined;
  let mine = owners.find((o) => sameOwner(o, w.manager, 'Update', w.subresource));
  for (const o of owners) {
    const drop = o === mine ? removed : union(removed, changed);
    for (const p of drop) {
      if (!o.has(p)) continue;
      o.set = minus(o.set, drop);
      break;
    }
  }
  if (changed.size > 0) {
    if (!mine) {
      mine = new Owner({
        manager: w.manager,
        operation: 'Update',
        apiVersion: w.apiVersion,
        time: '',
        subresource: w.subresource,
        set: new Set(),
      });
      owners.push(mine);
    }
    mine.set = union(mine.set, changed);
    mine.time = nowRfc3339();
    mine.apiVersion = w.apiVersion;
  }
  return writeOwners(owners);
}
