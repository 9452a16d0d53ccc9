// Server-side apply (application/apply-patch+yaml): merge the applied configuration into the live
// object by the kind's list/map semantics, refuse with 409 when it would change a field another
// manager owns (unless force=true, which takes the field over), drop fields this manager applied
// before and no one owns any more, and record the manager's set in managedFields.
import yaml from 'js-yaml';
import { metaOf } from '../api.ts';
import { clone, deepEqual, isObj, nowRfc3339, type Obj } from '../json.ts';
import type { Req } from '../request.ts';
import { ApiError, badRequest } from '../status.ts';
import { create, updateWith, type WriteResult } from '../write.ts';
import {
  fieldsOf,
  hasKey,
  itemKey,
  join,
  minus,
  pathString,
  split,
  union,
  valueAt,
  type FieldSet,
} from './fieldset.ts';
import { Owner, ownerName, readOwners, sameOwner, writeOwners } from './managed.ts';
import { shapeOf, type Shape } from './shape.ts';

function mergeInto(
  live: unknown,
  cfg: unknown,
  names: string[],
  schema: Obj | undefined,
  shape: Shape,
): unknown {
  if (isObj(cfg) && isObj(live) && !shape.atomicMap(names, schema, cfg)) {
    const out: Obj = { ...live };
    for (const [k, v] of Object.entries(cfg)) {
      if (v === null || v === undefined) continue;
      out[k] = mergeInto(live[k], v, [...names, k], shape.child(schema, k), shape);
    }
    return out;
  }
  if (Array.isArray(cfg) && Array.isArray(live)) {
    const lt = shape.listType(names, schema);
    if (lt.type === 'set') return [...live, ...cfg.filter((x) => !live.some((y) => deepEqual(x, y)))];
    if (lt.type === 'map' && lt.keys) {
      const keys = lt.keys;
      const out = [...live];
      for (const item of cfg) {
        const idx = isObj(item)
          ? out.findIndex((x) => isObj(x) && itemKey(x, keys) === itemKey(item, keys))
          : -1;
        if (idx >= 0) out[idx] = mergeInto(out[idx], item, names, shape.items(schema), shape);
        else out.push(clone(item));
      }
      return out;
    }
  }
  return clone(cfg);
}

function removePath(obj: Obj, path: string): void {
  const segs = split(path);
  const last = segs.pop();
  if (last === undefined) return;
  const parent = segs.length === 0 ? { present: true, value: obj } : valueAt(obj, join(segs));
  if (!parent.present) return;
  const p = parent.value;
  const rest = last.slice(2);
  if (last.startsWith('f:') && isObj(p)) delete p[rest];
  else if (Array.isArray(p) && (last.startsWith('k:') || last.startsWith('v:'))) {
    const key = JSON.parse(rest) as unknown;
    const idx = last.startsWith('k:')
      ? p.findIndex((x) => isObj(key) && hasKey(x, key))
      : p.findIndex((x) => deepEqual(x, key));
    if (idx >= 0) p.splice(idx, 1);
  }
}

function conflictError(r: Req, name: string, found: { owner: Owner; path: string }[]): ApiError {
  const byManager = new Map<string, string[]>();
  for (const c of found)
    byManager.set(ownerName(c.owner), [...(byManager.get(ownerName(c.owner)) ?? []), pathString(c.path)]);
  const first = found[0];
  const text =
    found.length === 1 && first
      ? `conflict with ${ownerName(first.owner)}: ${pathString(first.path)}`
      : [...byManager.entries()]
          .sort(([a], [b]) => (a < b ? -1 : 1))
          .flatMap(([m, paths]) => [`conflicts with ${m}:`, ...paths.map((p) => `- ${p}`)])
          .join('\n');
  return new ApiError(
    409,
    `Apply failed with ${found.length} conflict${found.length === 1 ? '' : 's'}: ${text}`,
    'Conflict',
    {
      name,
      group: r.def.group,
      kind: r.def.plural,
      causes: found.map((c) => ({
        reason: 'FieldManagerConflict',
        message: `conflict with ${ownerName(c.owner)}`,
        field: pathString(c.path),
      })),
    },
  );
}

export async function applyPatch(r: Req, text: string): Promise<WriteResult> {
  const manager = r.query.get('fieldManager') ?? '';
  if (manager === '') {
    throw new ApiError(
      422,
      'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
      'Invalid',
      {
        group: 'meta.k8s.io',
        kind: 'PatchOptions',
        causes: [
          {
            reason: 'FieldValueRequired',
            message: 'Required value: is required for apply patch',
            field: 'fieldManager',
          },
        ],
      },
    );
  }
  const force = r.query.get('force') === 'true';
  let body: unknown;
  try {
    body = yaml.load(text);
  } catch (e) {
    throw badRequest(`error decoding YAML: ${(e as Error).message}`);
  }
  if (!isObj(body)) throw badRequest('apply patch must be an object');
  const name = r.path.name ?? '';
  const bm = metaOf(body);
  if (bm.name !== undefined && bm.name !== name)
    throw badRequest(
      `the name of the object (${String(bm.name)}) does not match the name on the URL (${name})`,
    );
  const statusApply = r.path.subresource === 'status';
  const config = clone(body);
  if (statusApply)
    for (const k of Object.keys(config))
      if (!['apiVersion', 'kind', 'metadata', 'status'].includes(k)) delete config[k];
  if (!statusApply && r.version.hasStatus) delete config.status;
  const shape = shapeOf(r.def, r.version);
  const applied = new Set(
    [...fieldsOf(config, shape)].filter((p) =>
      statusApply ? p.startsWith('f:status') || p.startsWith('f:metadata') : !p.startsWith('f:status'),
    ),
  );
  const sub = statusApply ? 'status' : undefined;
  const ns = r.def.namespaced ? (r.path.namespace ?? '') : '';
  const stored = r.api.store.get(r.api.key(r.def), ns, name);
  const apiVersion = r.def.group === '' ? r.version.name : `${r.def.group}/${r.version.name}`;
  const entry = (set: FieldSet, time: string): Owner =>
    new Owner({ manager, operation: 'Apply', apiVersion, time, set, subresource: sub });
  if (!stored) {
    if (statusApply)
      throw new ApiError(404, `${r.def.plural} "${name}" not found`, 'NotFound', {
        name,
        group: r.def.group,
        kind: r.def.plural,
      });
    metaOf(config).name = name;
    r.managedFields = writeOwners([entry(applied, nowRfc3339())]);
    return create(r, config);
  }
  const [live] = await r.api.toVersion(r.def, [stored], r.version.name);
  const cur = live ?? stored;
  const owners = readOwners(cur.metadata);
  const mine = owners.find((o) => sameOwner(o, manager, 'Apply', sub));
  const others = owners.filter((o) => o !== mine);
  const found: { owner: Owner; path: string }[] = [];
  for (const o of others) {
    for (const p of applied) {
      if (!o.has(p)) continue;
      // owning a list item is not owning its values: those are separate paths
      const last = split(p).pop() ?? '';
      if (last.startsWith('k:') || last.startsWith('v:')) continue;
      const want = valueAt(config, p);
      // a map entry's values are its own paths too: the entry conflicts only through them
      if (isObj(want.value) && Object.keys(want.value).length > 0) continue;
      const have = valueAt(cur, p);
      if (have.present && !deepEqual(want.value, have.value)) found.push({ owner: o, path: p });
    }
  }
  if (found.length > 0 && !force) throw conflictError(r, name, found);
  for (const c of found) c.owner.set = minus(c.owner.set, new Set([c.path]));
  let next = mergeInto(cur, config, [], shape.root, shape) as Obj;
  next = clone(next);
  const stillOwned = union(applied, ...others.map((o) => o.set));
  const dropped = [...minus(mine?.set ?? new Set(), stillOwned)].sort(
    (a, b) => split(b).length - split(a).length,
  );
  for (const p of dropped) removePath(next, p);
  const same =
    mine !== undefined && mine.set.size === applied.size && [...applied].every((p) => mine.set.has(p));
  const updated = [...others, entry(applied, same && mine ? mine.time : nowRfc3339())];
  if (mine) updated.splice(owners.indexOf(mine), 0, updated.pop() as Owner);
  r.managedFields = writeOwners(updated);
  return updateWith(r, cur, next, false);
}
