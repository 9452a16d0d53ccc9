// metadata.managedFields: who owns which fields. Every write updates it as the apiserver does —
// an Update gives its manager the fields it changed (taking them from others) and drops removed
// fields from everyone; server-side apply (apply.ts) replaces its manager's set.
import { deepEqual, isObj, nowRfc3339, type Obj } from '../json.ts';
import { fieldsOf, fromFieldsV1, minus, split, toFieldsV1, union, valueAt, type FieldSet } from './fieldset.ts';
import type { Shape } from './shape.ts';

export interface Owner {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  subresource?: string;
  time: string;
  set: FieldSet;
}

export function readOwners(meta: unknown): Owner[] {
  const list = isObj(meta) && Array.isArray(meta.managedFields) ? meta.managedFields.filter(isObj) : [];
  return list.map((e) => {
    const o: Owner = {
      manager: String(e.manager ?? ''),
      operation: e.operation === 'Apply' ? 'Apply' : 'Update',
      apiVersion: String(e.apiVersion ?? ''),
      time: String(e.time ?? ''),
      set: fromFieldsV1(e.fieldsV1),
    };
    if (typeof e.subresource === 'string' && e.subresource !== '') o.subresource = e.subresource;
    return o;
  });
}

export function writeOwners(owners: Owner[]): Obj[] | undefined {
  const out = owners
    .filter((o) => o.set.size > 0)
    .map((o) => {
      const e: Obj = { manager: o.manager, operation: o.operation, apiVersion: o.apiVersion, time: o.time, fieldsType: 'FieldsV1', fieldsV1: toFieldsV1(o.set) };
      if (o.subresource) e.subresource = o.subresource;
      return e;
    });
  return out.length > 0 ? out : undefined;
}

export const sameOwner = (a: Owner, m: string, op: string, sub: string | undefined): boolean => a.manager === m && a.operation === op && (a.subresource ?? '') === (sub ?? '');

/** A conflict names its manager as the apiserver does: Update managers with their apiVersion. */
export function ownerName(o: Owner): string {
  return o.operation === 'Apply' ? JSON.stringify(o.manager) : `${JSON.stringify(o.manager)} using ${o.apiVersion}`;
}

/** Fields a write changed (added or given another value) and fields it removed. */
function diff(old: Obj | undefined, next: Obj, shape: Shape, scope: (path: string) => boolean): { changed: FieldSet; removed: FieldSet } {
  const after = new Set([...fieldsOf(next, shape)].filter(scope));
  if (!old) return { changed: after, removed: new Set() };
  const before = new Set([...fieldsOf(old, shape)].filter(scope));
  const changed: FieldSet = new Set();
  for (const p of after) {
    if (!before.has(p)) {
      changed.add(p);
      continue;
    }
    const last = split(p).pop() ?? '';
    if (last.startsWith('k:') || last.startsWith('v:')) continue;
    if (!deepEqual(valueAt(old, p).value, valueAt(next, p).value)) changed.add(p);
  }
  return { changed, removed: minus(before, after) };
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
  const status = (p: string): boolean => p.startsWith('f:status');
  const scope = w.subresource === 'status' ? status : (p: string): boolean => !status(p);
  const { changed, removed } = diff(w.old, w.next, w.shape, scope);
  if (changed.size === 0 && removed.size === 0) return w.old ? (isObj(w.old.metadata) ? (w.old.metadata.managedFields as Obj[] | undefined) : undefined) : undefined;
  let mine = owners.find((o) => sameOwner(o, w.manager, 'Update', w.subresource));
  for (const o of owners) o.set = minus(minus(o.set, removed), o === mine ? new Set() : changed);
  if (changed.size > 0) {
    if (!mine) {
      mine = { manager: w.manager, operation: 'Update', apiVersion: w.apiVersion, time: '', set: new Set() };
      if (w.subresource) mine.subresource = w.subresource;
      owners.push(mine);
    }
    mine.set = union(mine.set, changed);
    mine.time = nowRfc3339();
    mine.apiVersion = w.apiVersion;
  }
  return writeOwners(owners);
}
