// Field sets as server-side apply keeps them: each member is a path of FieldsV1 segments
// (`f:spec`, `k:{"port":80,"protocol":"TCP"}`, `v:"a"`), held as one string per path so set
// operations are plain Set operations. Encodes/decodes the FieldsV1 JSON of managedFields.
import { deepEqual, isObj, type Obj } from '../json.ts';
import type { Shape } from './shape.ts';

export type FieldSet = Set<string>;
const SEP = '\u0000';

export const join = (segs: string[]): string => segs.join(SEP);
export const split = (path: string): string[] => (path === '' ? [] : path.split(SEP));

/** Fields apply never tracks: identity and server-owned metadata. */
const IGNORED = new Set([
  'f:apiVersion',
  'f:kind',
  `f:metadata${SEP}f:name`,
  `f:metadata${SEP}f:namespace`,
  `f:metadata${SEP}f:uid`,
  `f:metadata${SEP}f:resourceVersion`,
  `f:metadata${SEP}f:generation`,
  `f:metadata${SEP}f:creationTimestamp`,
  `f:metadata${SEP}f:managedFields`,
  `f:metadata${SEP}f:selfLink`,
  `f:metadata${SEP}f:deletionTimestamp`,
  `f:metadata${SEP}f:deletionGracePeriodSeconds`,
]);

/** List-map keys the apiserver defaults before it merges an applied configuration. */
const KEY_DEFAULTS: Obj = { protocol: 'TCP' };

function keyValue(item: Obj, name: string): unknown {
  return item[name] ?? KEY_DEFAULTS[name];
}

/** `k:{...}` for a list-map item: its key fields, sorted by name as FieldsV1 writes them. */
export function itemKey(item: Obj, keys: string[]): string {
  const k: Obj = {};
  for (const name of [...keys].sort()) if (keyValue(item, name) !== undefined) k[name] = keyValue(item, name);
  return `k:${JSON.stringify(k)}`;
}

/** Does a list item carry this `k:` key? */
export function hasKey(item: unknown, key: Obj): boolean {
  return isObj(item) && Object.entries(key).every(([k, v]) => deepEqual(keyValue(item, k), v));
}

function isMapEntry(schema: Obj | undefined, key: string): boolean {
  if (!isObj(schema) || !isObj(schema.additionalProperties)) return false;
  return !(isObj(schema.properties) && isObj(schema.properties[key]));
}

/** Which top-level fields a walk covers (a /status write looks at status only). */
export type TopScope = (key: string) => boolean;

/**
 * Every field path `obj` sets, with the value there (list items and set members map to
 * themselves: what matters for them is presence).
 */
export function fieldValues(obj: unknown, shape: Shape, top: TopScope = () => true): Map<string, unknown> {
  const out = new Map<string, unknown>();
  const walk = (v: unknown, path: string, names: string[], schema: Obj | undefined): void => {
    const at = (seg: string): string => (path === '' ? seg : `${path}${SEP}${seg}`);
    if (isObj(v) && !shape.atomicMap(names, schema, v)) {
      let any = false;
      for (const k of Object.keys(v)) {
        const x = v[k];
        if (x === null || x === undefined) continue;
        any = true;
        if (path === '' && !top(k)) continue;
        const next = at(`f:${k}`);
        if (IGNORED.has(next)) continue;
        // an entry of a map (additionalProperties, not a declared field) is a member itself, as
        // structured-merge-diff counts it: an applier that stops sending it removes the whole entry
        if (isMapEntry(schema, k)) out.set(next, x);
        walk(x, next, [...names, k], shape.child(schema, k));
      }
      if (!any && path !== '') out.set(path, v);
      return;
    }
    if (Array.isArray(v)) {
      const lt = shape.listType(names, schema);
      if (lt.type === 'set') {
        for (const x of v) out.set(at(`v:${JSON.stringify(x)}`), x);
        if (v.length === 0) out.set(path, v);
        return;
      }
      if (lt.type === 'map' && lt.keys) {
        const keys = lt.keys;
        if (v.length === 0) out.set(path, v);
        for (const item of v) {
          if (!isObj(item)) continue;
          const here = at(itemKey(item, keys));
          out.set(here, item);
          walk(item, here, names, shape.items(schema));
        }
        return;
      }
    }
    if (path !== '') out.set(path, v);
  };
  walk(obj, '', [], shape.root);
  return out;
}

/** Every field path `obj` sets. */
export function fieldsOf(obj: unknown, shape: Shape, top?: TopScope): FieldSet {
  return new Set(fieldValues(obj, shape, top).keys());
}

export function union(...sets: FieldSet[]): FieldSet {
  const out: FieldSet = new Set();
  for (const s of sets) for (const p of s) out.add(p);
  return out;
}

export function minus(a: FieldSet, b: FieldSet): FieldSet {
  const out: FieldSet = new Set();
  for (const p of a) if (!b.has(p)) out.add(p);
  return out;
}

/** FieldsV1 JSON (`{"f:spec":{"f:address":{}}}`) for a set. */
export function toFieldsV1(set: FieldSet): Obj {
  const root: Obj = {};
  for (const path of [...set].sort()) {
    let node = root;
    for (const seg of split(path)) {
      const next = node[seg];
      if (isObj(next)) node = next;
      else {
        const fresh: Obj = {};
        node[seg] = fresh;
        node = fresh;
      }
    }
    node['.'] = {};
  }
  // a member with no children is written as {}; with children it keeps "." beside them
  const tidy = (n: Obj): void => {
    for (const [k, c] of Object.entries(n)) {
      if (k === '.' || !isObj(c)) continue;
      const keys = Object.keys(c);
      if (keys.length === 1 && keys[0] === '.') n[k] = {};
      else tidy(c);
    }
  };
  tidy(root);
  delete root['.'];
  return root;
}

export function fromFieldsV1(tree: unknown): FieldSet {
  const out: FieldSet = new Set();
  const walk = (n: unknown, segs: string[]): void => {
    if (!isObj(n)) return;
    const keys = Object.keys(n);
    if (segs.length > 0 && (keys.length === 0 || keys.includes('.'))) out.add(join(segs));
    for (const k of keys) if (k !== '.') walk(n[k], [...segs, k]);
  };
  walk(tree, []);
  return out;
}

/** The value at a field path (undefined when absent); `present` tells list items apart from null. */
export function valueAt(obj: unknown, path: string): { present: boolean; value: unknown } {
  let cur: unknown = obj;
  for (const seg of split(path)) {
    const kind = seg.slice(0, 2);
    const rest = seg.slice(2);
    if (kind === 'f:') {
      if (!isObj(cur) || !Object.hasOwn(cur, rest)) return { present: false, value: undefined };
      cur = cur[rest];
    } else if (kind === 'k:') {
      const key = JSON.parse(rest) as Obj;
      const found = Array.isArray(cur) ? cur.find((x) => hasKey(x, key)) : undefined;
      if (found === undefined) return { present: false, value: undefined };
      cur = found;
    } else if (kind === 'v:') {
      const want = JSON.parse(rest) as unknown;
      if (!Array.isArray(cur) || !cur.some((x) => deepEqual(x, want)))
        return { present: false, value: undefined };
      cur = want;
    } else return { present: false, value: undefined };
  }
  return { present: true, value: cur };
}

/** `.spec.ports[port=80,protocol="TCP"].targetPort`: how conflicts name a field. */
export function pathString(path: string): string {
  let out = '';
  for (const seg of split(path)) {
    const rest = seg.slice(2);
    if (seg.startsWith('f:')) out += `.${rest}`;
    else if (seg.startsWith('k:')) {
      const key = JSON.parse(rest) as Obj;
      out += `[${Object.entries(key)
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
        .join(',')}]`;
    } else if (seg.startsWith('v:')) out += `[=${rest}]`;
    else out += `[${rest}]`;
  }
  return out;
}
