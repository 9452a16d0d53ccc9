// Patch engines: RFC 7386 merge patch, RFC 6902 JSON patch, and strategic merge patch.
import jsonPatch from 'fast-json-patch';
import type { Operation } from 'fast-json-patch';
import { clone, isObj, type Obj } from './json.ts';
import { ApiError, badRequest } from './status.ts';
import { mergeStrategy } from './merge-keys.ts';

export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObj(patch)) return clone(patch);
  return mergeInto(isObj(target) ? clone(target) : {}, patch);
}

/** Merge `patch` into `out`, which is already a private copy (so one copy per patch, not one per level). */
function mergeInto(out: Obj, patch: Obj): Obj {
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else if (isObj(v)) {
      const t = out[k];
      out[k] = mergeInto(isObj(t) ? t : {}, v);
    } else out[k] = clone(v);
  }
  return out;
}

export function jsonPatchApply(target: Obj, patch: unknown): Obj {
  if (!Array.isArray(patch)) {
    const what = isObj(patch) ? 'object' : typeof patch;
    throw badRequest(`json: cannot unmarshal ${what} into Go value of type jsonpatch.Patch`);
  }
  try {
    let doc: unknown = clone(target);
    (patch as Operation[]).forEach((op, i) => {
      doc = jsonPatch.applyOperation(
        doc,
        isObj(doc) ? replaceOfMissingKeyAsAdd(doc, op) : op,
        true,
        true,
        true,
        i,
      ).newDocument;
    });
    if (!isObj(doc)) throw new Error('patch result is not an object');
    return doc;
  } catch (e) {
    const err = e as Error & { name?: string; operation?: Operation };
    let msg = err.message.split('\n')[0] ?? String(e);
    if (err.name === 'TEST_OPERATION_FAILED')
      msg = `testing value ${err.operation?.path ?? ''} failed: test failed`;
    else if (err.name === 'OPERATION_PATH_UNRESOLVABLE')
      msg = `doc is missing path: "${err.operation?.path ?? ''}": missing value`;
    throw new ApiError(422, `the server rejected our request due to an error in our request`, 'Invalid', {
      causes: [{ reason: 'FieldValueInvalid', message: msg, field: '' }],
    });
  }
}

/**
 * The apiserver applies JSON patches with evanphx/json-patch v4, where `replace` of a key that an
 * existing object lacks sets it (like `add`) instead of failing; array indexes must still exist.
 */
function replaceOfMissingKeyAsAdd(doc: Obj, op: Operation): Operation {
  if (op.op !== 'replace' || typeof op.path !== 'string' || op.path === '') return op;
  const parts = op.path
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  const key = parts.pop();
  let parent: unknown = doc;
  for (const p of parts)
    parent = Array.isArray(parent) ? parent[Number(p)] : isObj(parent) ? parent[p] : undefined;
  if (key === undefined || !isObj(parent) || Object.hasOwn(parent, key)) return op;
  return { op: 'add', path: op.path, value: op.value };
}

const DIRECTIVE = '$patch';
const ORDER = '$setElementOrder/';
const DELETE_PRIMITIVE = '$deleteFromPrimitiveList/';
const RETAIN = '$retainKeys';

/** Strategic merge patch for built-in kinds; `path` is the field path from the object root. */
export function strategicMerge(kind: string, target: unknown, patch: unknown, path: string[] = []): unknown {
  if (!isObj(patch)) return clone(patch);
  if (patch[DIRECTIVE] === 'replace') {
    const rest = clone(patch);
    delete rest[DIRECTIVE];
    return rest;
  }
  if (patch[DIRECTIVE] === 'delete') return undefined;
  const out: Obj = isObj(target) ? clone(target) : {};
  const retain = Array.isArray(patch[RETAIN]) ? (patch[RETAIN] as unknown[]).map(String) : undefined;
  for (const [k, v] of Object.entries(patch)) {
    if (k === DIRECTIVE || k === RETAIN || k.startsWith(ORDER)) continue;
    if (k.startsWith(DELETE_PRIMITIVE)) {
      const field = k.slice(DELETE_PRIMITIVE.length);
      const gone = Array.isArray(v) ? v : [];
      const cur = out[field];
      if (Array.isArray(cur)) out[field] = cur.filter((x) => !gone.some((g) => g === x));
      continue;
    }
    if (v === null) {
      delete out[k];
      continue;
    }
    const strat = mergeStrategy(kind, [...path, k]);
    if (Array.isArray(v) && strat) {
      out[k] = mergeList(kind, out[k], v, strat, [...path, k]);
    } else if (isObj(v)) {
      const merged = strategicMerge(kind, out[k], v, [...path, k]);
      if (merged === undefined) delete out[k];
      else out[k] = merged;
    } else out[k] = clone(v);
  }
  if (retain) for (const k of Object.keys(out)) if (!retain.includes(k)) delete out[k];
  return out;
}

function mergeList(
  kind: string,
  cur: unknown,
  patch: unknown[],
  strat: { key?: string },
  path: string[],
): unknown[] {
  const base = Array.isArray(cur) ? clone(cur) : [];
  if (patch.some((p) => isObj(p) && p[DIRECTIVE] === 'replace')) {
    return patch.filter((p) => !(isObj(p) && p[DIRECTIVE] === 'replace'));
  }
  if (strat.key === undefined) {
    // merge of a primitive list: union, keeping order
    for (const p of patch) if (!base.some((b) => b === p)) base.push(p);
    return base;
  }
  const key = strat.key;
  for (const p of patch) {
    if (!isObj(p)) continue;
    const idx = base.findIndex((b) => isObj(b) && b[key] === p[key]);
    if (p[DIRECTIVE] === 'delete') {
      if (idx >= 0) base.splice(idx, 1);
      continue;
    }
    if (idx >= 0) base[idx] = strategicMerge(kind, base[idx], p, path);
    else base.push(strategicMerge(kind, undefined, p, path));
  }
  return base;
}
