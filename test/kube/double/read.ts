// GET of one object and LIST (with resourceVersion semantics, limit/continue and Table output).
import { metaOf } from './api.ts';
import { isObj, type Obj } from './json.ts';
import type { Req } from './request.ts';
import { apiVersion } from './resource.ts';
import { fieldMatcher, labelMatcher } from './selectors.ts';
import { ApiError, badRequest, expired, LIST_TOO_OLD, notFound } from './status.ts';
import { toTable, wantsTable, type IncludeObject } from './table.ts';

export function includeObject(r: Req): IncludeObject {
  const v = r.query.get('includeObject');
  return v === 'None' || v === 'Object' ? v : 'Metadata';
}

export async function getOne(r: Req): Promise<Obj> {
  const name = r.path.name ?? '';
  const ns = r.def.namespaced ? (r.path.namespace ?? '') : '';
  const stored = r.api.store.get(r.api.key(r.def), ns, name);
  if (!stored) throw notFound(r.def.group, r.def.plural, name);
  const [obj] = await r.api.toVersion(r.def, [stored], r.version.name);
  const out = obj ?? stored;
  if (wantsTable(r.accept))
    return toTable(
      r.def,
      r.version.printerColumns,
      [out],
      { resourceVersion: String(metaOf(out).resourceVersion ?? '') },
      includeObject(r),
    );
  return out;
}

function listOptionsInvalid(field: string, message: string): ApiError {
  return new ApiError(422, `ListOptions.meta.k8s.io "" is invalid: ${field}: ${message}`, 'Invalid', {
    group: 'meta.k8s.io',
    kind: 'ListOptions',
    causes: [{ reason: 'FieldValueForbidden', message, field }],
  });
}

function parseRv(v: string | null): number | undefined {
  if (v === null || v === '') return undefined;
  if (!/^\d+$/.test(v)) throw badRequest(`invalid resource version: ${v}`);
  return Number(v);
}

const CONTINUE_TOO_OLD =
  'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.';

interface ContinueToken {
  rv: number;
  start: string;
}

function encodeContinue(t: ContinueToken): string {
  return Buffer.from(JSON.stringify(t)).toString('base64url');
}

function decodeContinue(s: string): ContinueToken {
  try {
    const v = JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as unknown;
    if (isObj(v) && typeof v.rv === 'number' && typeof v.start === 'string')
      return { rv: v.rv, start: v.start };
  } catch {
    // fall through
  }
  throw badRequest(
    'continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)',
  );
}

function sortKey(o: Obj): string {
  const m = metaOf(o);
  return `${String(m.namespace ?? '')}/${String(m.name)}`;
}

/** Wait a little for a future RV, like the watch cache does, before giving up. */
async function waitForRv(r: Req, rv: number): Promise<void> {
  const deadline = Date.now() + 3000;
  while (r.api.store.rv < rv) {
    if (Date.now() > deadline) {
      throw new ApiError(504, `Too large resource version: ${rv}, current: ${r.api.store.rv}`, 'Timeout', {
        causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version', field: '' }],
        retryAfterSeconds: 1,
      });
    }
    await new Promise((res) => setTimeout(res, 50));
  }
}

export async function list(r: Req): Promise<Obj> {
  const q = r.query;
  const labels = labelMatcher(q.get('labelSelector') ?? undefined);
  const fields = fieldMatcher(q.get('fieldSelector') ?? undefined, r.def.kind);
  const rvParam = q.get('resourceVersion');
  const match = q.get('resourceVersionMatch');
  const rv = parseRv(rvParam);
  if (match !== null && match !== '') {
    if (rv === undefined)
      throw listOptionsInvalid(
        'resourceVersionMatch',
        'Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided',
      );
    if (match !== 'Exact' && match !== 'NotOlderThan') {
      throw listOptionsInvalid(
        'resourceVersionMatch',
        `Unsupported value: "${match}": supported values: "Exact", "NotOlderThan"`,
      );
    }
    if (match === 'Exact' && rv === 0)
      throw listOptionsInvalid(
        'resourceVersionMatch',
        'Forbidden: resourceVersionMatch "exact" is forbidden for resourceVersion "0"',
      );
  }
  const ns = r.def.namespaced ? r.path.namespace : undefined;
  const key = r.api.key(r.def);
  const cont = q.get('continue');
  let listRv = r.api.store.rv;
  let items: Obj[];
  let start = '';
  if (cont) {
    const t = decodeContinue(cont);
    const at = r.api.store.listAt(key, t.rv, ns);
    if (!at) throw new ApiError(410, CONTINUE_TOO_OLD, 'Expired', {});
    items = at;
    listRv = t.rv;
    start = t.start;
  } else if (match === 'Exact' && rv !== undefined) {
    if (rv > r.api.store.rv) await waitForRv(r, rv);
    const at = r.api.store.listAt(key, rv, ns);
    if (!at) throw expired(LIST_TOO_OLD);
    items = at;
    listRv = rv;
  } else {
    if (rv !== undefined && rv > r.api.store.rv) await waitForRv(r, rv);
    items = r.api.store.list(key, ns);
    listRv = r.api.store.rv;
  }
  items = items.filter((o) => labels(o) && fields(o) && sortKey(o) > start);
  const listMeta: Obj = { resourceVersion: String(listRv) };
  const limit = Number(q.get('limit') ?? 0);
  if (limit > 0 && items.length > limit) {
    const rest = items.length - limit;
    items = items.slice(0, limit);
    const last = items[items.length - 1];
    listMeta.continue = encodeContinue({ rv: listRv, start: last ? sortKey(last) : '' });
    listMeta.remainingItemCount = rest;
  }
  const converted = await r.api.toVersion(r.def, items, r.version.name);
  if (wantsTable(r.accept))
    return toTable(r.def, r.version.printerColumns, converted, listMeta, includeObject(r));
  return {
    kind: r.def.listKind,
    apiVersion: apiVersion(r.def.group, r.version.name),
    metadata: listMeta,
    items: converted.map((o) => r.api.listItem(r.def, o)),
  };
}
