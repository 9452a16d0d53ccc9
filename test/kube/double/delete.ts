// DELETE of one object (finalizers, deletionTimestamp, preconditions) and deletecollection.
import { isNamespaceDef, metaOf } from './api.ts';
import { hasGeneration } from './defaults.ts';
import { isObj, nowRfc3339, str, type Obj } from './json.ts';
import { guaranteedUpdate, StaleWrite } from './guaranteed.ts';
import { isDryRun, type Req } from './request.ts';
import { ApiError, notFound } from './status.ts';
import { dropCustomResources, dropNamespaceContent, type WriteResult } from './write.ts';
import { labelMatcher, fieldMatcher } from './selectors.ts';

function options(text: string): Obj {
  if (text.trim() === '') return {};
  try {
    const v = JSON.parse(text) as unknown;
    return isObj(v) ? v : {};
  } catch {
    return {};
  }
}

// Through GuaranteedUpdate as kube-apiserver's delete: preconditions are checked against the object
// the deletion is computed from, and a write landing while admission ran makes it start again
// (otherwise setting deletionTimestamp on the stale copy would drop that write).
function deleteOne(r: Req, name: string, opts: Obj): Promise<WriteResult> {
  return guaranteedUpdate({ group: r.def.group, plural: r.def.plural, name }, () =>
    deleteAttempt(r, name, opts),
  );
}

async function deleteAttempt(r: Req, name: string, opts: Obj): Promise<WriteResult> {
  const key = r.api.key(r.def);
  const ns = r.def.namespaced ? (r.path.namespace ?? '') : '';
  const stored = r.api.store.get(key, ns, name);
  if (!stored) throw notFound(r.def.group, r.def.plural, name);
  const [cur] = await r.api.toVersion(r.def, [stored], r.version.name);
  const obj = cur ?? stored;
  const m = metaOf(obj);
  const pre = isObj(opts.preconditions) ? opts.preconditions : {};
  if (str(pre.uid) && pre.uid !== m.uid) {
    throw new ApiError(
      409,
      `Precondition failed: UID in precondition: ${String(pre.uid)}, UID in object meta: ${String(m.uid)}`,
      'Conflict',
      { name, group: r.def.group, kind: r.def.plural },
    );
  }
  if (str(pre.resourceVersion) && pre.resourceVersion !== m.resourceVersion) {
    throw new ApiError(
      409,
      `Precondition failed: ResourceVersion in precondition: ${String(pre.resourceVersion)}, ResourceVersion in object meta: ${String(m.resourceVersion)}`,
      'Conflict',
      { name, group: r.def.group, kind: r.def.plural },
    );
  }
  const dry = isDryRun(r) || (Array.isArray(opts.dryRun) && opts.dryRun.includes('All'));
  await r.api.admission.validate({
    def: r.def,
    version: r.version.name,
    operation: 'DELETE',
    name,
    oldObject: obj,
    dryRun: dry,
    ...(r.def.namespaced && r.path.namespace !== undefined ? { namespace: r.path.namespace } : {}),
  });
  if (storedRv(r, key, ns, name) !== metaOf(stored).resourceVersion) throw new StaleWrite();
  if (isNamespaceDef(r.def)) return terminateNamespace(r, obj, dry);
  const finalizers = Array.isArray(m.finalizers) ? m.finalizers : [];
  if (finalizers.length > 0) {
    if (m.deletionTimestamp !== undefined || dry) return { code: 200, body: obj };
    m.deletionTimestamp = nowRfc3339();
    m.deletionGracePeriodSeconds = 0;
    if (hasGeneration(r.def.kind, r.def.builtin)) m.generation = Number(m.generation ?? 0) + 1;
    const storage = await r.api.toStorage(r.def, obj);
    if (storedRv(r, key, ns, name) !== metaOf(stored).resourceVersion) throw new StaleWrite();
    const written = r.api.store.write(key, 'MODIFIED', storage);
    const [out] = await r.api.toVersion(r.def, [written], r.version.name);
    return { code: 200, body: out ?? written };
  }
  const status: Obj = {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    details: { name, group: r.def.group, kind: r.def.plural, uid: m.uid },
  };
  if (dry) return { code: 200, body: status };
  if (r.def.group === 'apiextensions.k8s.io' && r.def.plural === 'customresourcedefinitions')
    dropCustomResources(r, obj);
  r.api.store.write(key, 'DELETED', stored);
  return { code: 200, body: status };
}

function storedRv(r: Req, key: string, ns: string, name: string): unknown {
  const now = r.api.store.get(key, ns, name);
  return now ? metaOf(now).resourceVersion : undefined;
}

/** Namespaces go Terminating first; the content and then the namespace go a little later. */
function terminateNamespace(r: Req, ns: Obj, dry: boolean): WriteResult {
  const m = metaOf(ns);
  const name = String(m.name);
  if (m.deletionTimestamp !== undefined || dry) return { code: 200, body: ns };
  m.deletionTimestamp = nowRfc3339();
  m.deletionGracePeriodSeconds = 0;
  ns.status = { ...(isObj(ns.status) ? ns.status : {}), phase: 'Terminating' };
  const written = r.api.store.write('/namespaces', 'MODIFIED', ns);
  const t = setTimeout(() => {
    const cur = r.api.store.get('/namespaces', '', name);
    if (!cur) return;
    dropNamespaceContent(r, name);
    r.api.store.write('/namespaces', 'DELETED', cur);
  }, r.api.opts.namespaceFinalizeMs);
  t.unref();
  return { code: 200, body: written };
}

export async function remove(r: Req, text: string): Promise<WriteResult> {
  return deleteOne(r, r.path.name ?? '', options(text));
}

export async function removeCollection(r: Req, text: string): Promise<WriteResult> {
  const opts = options(text);
  const labels = labelMatcher(r.query.get('labelSelector') ?? undefined);
  const fields = fieldMatcher(r.query.get('fieldSelector') ?? undefined, r.def.kind);
  const ns = r.def.namespaced ? r.path.namespace : undefined;
  const items: Obj[] = [];
  for (const o of r.api.store.list(r.api.key(r.def), ns)) {
    if (!labels(o) || !fields(o)) continue;
    const res = await deleteOne(r, String(metaOf(o).name), opts);
    if (res.body.kind !== 'Status') items.push(res.body);
  }
  return {
    code: 200,
    body: {
      kind: r.def.listKind,
      apiVersion: r.def.group ? `${r.def.group}/${r.version.name}` : r.version.name,
      metadata: { resourceVersion: String(r.api.store.rv) },
      items,
    },
  };
}
