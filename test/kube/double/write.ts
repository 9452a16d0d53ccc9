// Create / update (PUT) / status writes: the apiserver's write pipeline.
import { randomUUID } from 'node:crypto';
import { isNamespaceDef, metaOf } from './api.ts';
import { crdStatus, crdToDef, defaultCrd, validateCrd } from './crd.ts';
import { allocationCauses, applyBuiltinDefaults, applyStatusDefaults, hasGeneration } from './defaults.ts';
import { builtinSchema, decodeBuiltin, loadBuiltin, schemaCauses } from './builtin-validate.ts';
import { kindRules } from './rules-kinds.ts';
import { metaRules } from './rules-meta.ts';
import { serviceRules } from './rules-service.ts';
import { clone, deepEqual, isObj, nowRfc3339, str, type Obj } from './json.ts';
import { generateName, validateName } from './names.ts';
import { fieldManager, fieldValidation, isDryRun, type Req } from './request.ts';
import { trackUpdate, type UpdateWrite } from './ssa/managed.ts';
import { shapeOf } from './ssa/shape.ts';
import { apiVersion } from './resource.ts';
import { applyDefaults, prune, validate } from './schema.ts';
import { alreadyExists, ApiError, badRequest, conflict, invalid, notFound, type Cause } from './status.ts';
import { guaranteedUpdate, StaleWrite } from './guaranteed.ts';

export interface WriteResult {
  code: number;
  body: Obj;
}

const CRD_GROUP = 'apiextensions.k8s.io';
/** Built-in kinds whose status cannot be set on create. */
const STATUS_RESET_ON_CREATE = new Set(['Service', 'Deployment', 'DaemonSet', 'PodDisruptionBudget']);

function isCrdDef(r: Req): boolean {
  return r.def.group === CRD_GROUP && r.def.plural === 'customresourcedefinitions';
}

function nameOf(o: Obj): string {
  return str(metaOf(o).name) ?? '';
}

/** Built-in kinds: decode errors are 400s; returns the unknown fields (already dropped). */
function decodeBuiltinBody(r: Req, obj: Obj, wrap: boolean): string[] {
  const s = builtinSchema(r.def.group, r.version.name, r.def.kind);
  if (!s) return [];
  const { unknown, errors } = decodeBuiltin(s, obj);
  const first = errors[0];
  if (first !== undefined) {
    const v = r.version.name;
    throw badRequest(
      wrap ? `${r.def.kind} in version "${v}" cannot be handled as a ${r.def.kind}: ${first}` : first,
    );
  }
  return unknown;
}

/** Prune unknown fields and apply schema defaults; unknown fields are reported per fieldValidation. */
function schemaFields(r: Req, obj: Obj, wrap: boolean): void {
  const schema = r.version.schema;
  if (!schema && !r.def.builtin) return;
  const unknown = schema ? prune(obj, schema) : decodeBuiltinBody(r, obj, wrap);
  if (unknown.length > 0) {
    const mode = fieldValidation(r);
    const list = unknown.map((u) => `unknown field "${u}"`);
    if (mode === 'Strict') {
      const v = r.version.name;
      const msg = `strict decoding error: ${list.join(', ')}`;
      throw badRequest(
        wrap ? `${r.def.kind} in version "${v}" cannot be handled as a ${r.def.kind}: ${msg}` : msg,
      );
    }
    if (mode === 'Warn') r.warnings.push(...list);
  }
  if (schema) applyDefaults(obj, schema);
}

function validateObject(r: Req, obj: Obj, old: Obj | undefined): void {
  const causes: Cause[] = [];
  const name = nameOf(obj);
  causes.push(...validateName(r.def.kind, r.def.group, name));
  causes.push(...metaRules(obj.metadata));
  if (r.version.schema) causes.push(...validate(r.version.schema, obj));
  if (r.def.builtin) causes.push(...builtinCauses(r, obj, old));
  if (isCrdDef(r)) causes.push(...validateCrd(obj));
  if (causes.length > 0) throw invalid(r.def.kind, r.def.group, name, causes);
}

function builtinCauses(r: Req, obj: Obj, old: Obj | undefined): Cause[] {
  const s = builtinSchema(r.def.group, r.version.name, r.def.kind);
  const causes = s ? schemaCauses(s, obj) : [];
  if (r.def.group === '' && r.def.kind === 'Service') {
    causes.push(...serviceRules(obj, old, r.path.subresource === 'status'));
    if (r.path.subresource !== 'status') causes.push(...allocationCauses(obj, old, r.api.store));
  } else causes.push(...kindRules(r.def.group, r.def.kind, obj, old));
  return causes;
}

function setManagedFields(m: Obj, v: unknown): void {
  if (Array.isArray(v) && v.length > 0) m.managedFields = v;
  else delete m.managedFields;
}

function tracking(r: Req): Omit<UpdateWrite, 'next'> {
  const w: Omit<UpdateWrite, 'next'> = {
    manager: fieldManager(r),
    apiVersion: apiVersion(r.def.group, r.version.name),
    shape: shapeOf(r.def, r.version),
  };
  if (r.path.subresource) w.subresource = r.path.subresource;
  return w;
}

/** Schemas and validators of built-in kinds load on first use (once per process). */
async function prepare(r: Req): Promise<void> {
  if (r.def.builtin) await loadBuiltin(r.def.group, r.version.name, r.def.kind);
}

function checkTypeMeta(r: Req, body: Obj): void {
  const want = apiVersion(r.def.group, r.version.name);
  if (body.apiVersion !== undefined && body.apiVersion !== want) {
    throw badRequest(
      `the API version in the data (${String(body.apiVersion)}) does not match the expected API version (${want})`,
    );
  }
  if (body.kind !== undefined && body.kind !== r.def.kind) {
    throw badRequest(
      `the kind in the data (${String(body.kind)}) does not match the expected kind (${r.def.kind})`,
    );
  }
  body.apiVersion = want;
  body.kind = r.def.kind;
}

function checkNamespace(r: Req, body: Obj): void {
  const m = metaOf(body);
  if (!r.def.namespaced) {
    delete m.namespace;
    return;
  }
  if (r.path.namespace === undefined)
    throw new ApiError(
      405,
      'the server does not allow this method on the requested resource',
      'MethodNotAllowed',
    );
  if (m.namespace !== undefined && m.namespace !== '' && m.namespace !== r.path.namespace) {
    throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
  m.namespace = r.path.namespace;
}

function requireNamespace(r: Req, name: string): void {
  if (!r.def.namespaced || r.path.namespace === undefined) return;
  const ns = r.api.store.get('/namespaces', '', r.path.namespace);
  if (!ns) throw notFound('', 'namespaces', r.path.namespace);
  if (isObj(ns.metadata) && ns.metadata.deletionTimestamp !== undefined) {
    throw new ApiError(
      403,
      `${r.def.plural} "${name}" is forbidden: unable to create new content in namespace ${r.path.namespace} because it is being terminated`,
      'Forbidden',
    );
  }
}

/** Everything except metadata and status: what bumps metadata.generation. */
function specPart(o: Obj): Obj {
  const c = { ...o };
  delete c.metadata;
  delete c.status;
  delete c.apiVersion;
  delete c.kind;
  return c;
}

async function admit(r: Req, op: 'CREATE' | 'UPDATE', obj: Obj, old?: Obj): Promise<Obj> {
  const base = {
    def: r.def,
    version: r.version.name,
    operation: op,
    name: nameOf(obj),
    dryRun: isDryRun(r),
    warnings: r.warnings,
    ...(r.path.subresource ? { subresource: r.path.subresource } : {}),
    ...(r.def.namespaced && r.path.namespace !== undefined ? { namespace: r.path.namespace } : {}),
    ...(old ? { oldObject: old } : {}),
  };
  const mutated = (await r.api.admission.mutate({ ...base, object: obj })) ?? obj;
  validateObject(r, mutated, old);
  await r.api.admission.validate({ ...base, object: mutated });
  return mutated;
}

/** After a CRD write: serve (or re-serve) its resource. */
function afterCrdWrite(r: Req, stored: Obj): void {
  if (!isCrdDef(r)) return;
  const def = crdToDef(stored);
  if (def) r.api.registry.put(def);
}

export async function create(r: Req, body: unknown): Promise<WriteResult> {
  if (!isObj(body)) throw badRequest("Object 'Kind' is missing in request body");
  if (r.path.subresource)
    throw new ApiError(
      405,
      'the server does not allow this method on the requested resource',
      'MethodNotAllowed',
    );
  const obj = clone(body);
  await prepare(r);
  checkTypeMeta(r, obj);
  checkNamespace(r, obj);
  const m = metaOf(obj);
  if (!str(m.name)) {
    if (str(m.generateName)) m.name = generateName(String(m.generateName));
    else {
      throw invalid(r.def.kind, r.def.group, '', [
        {
          reason: 'FieldValueRequired',
          field: 'metadata.name',
          message: 'Required value: name or generateName is required',
        },
      ]);
    }
  }
  requireNamespace(r, String(m.name));
  schemaFields(r, obj, true);
  for (const k of [
    'uid',
    'resourceVersion',
    'deletionTimestamp',
    'deletionGracePeriodSeconds',
    'generation',
    'managedFields',
    'selfLink',
  ])
    delete m[k];
  m.uid = randomUUID();
  m.creationTimestamp = nowRfc3339();
  if (hasGeneration(r.def.kind, r.def.builtin)) m.generation = 1;
  if ((!r.def.builtin && r.version.hasStatus) || STATUS_RESET_ON_CREATE.has(r.def.kind)) delete obj.status;
  if (r.def.builtin) applyBuiltinDefaults(r.def.kind, obj, r.api.store);
  if (isCrdDef(r)) {
    defaultCrd(obj);
    obj.status = crdStatus(obj);
  }
  setManagedFields(m, r.managedFields ?? trackUpdate({ ...tracking(r), next: obj }));
  const admitted = await admit(r, 'CREATE', obj);
  const key = r.api.key(r.def);
  const ns = r.def.namespaced ? (r.path.namespace ?? '') : '';
  if (r.api.store.has(key, ns, nameOf(admitted)))
    throw alreadyExists(r.def.group, r.def.plural, nameOf(admitted));
  if (isDryRun(r)) return { code: 201, body: admitted };
  const stored = r.api.store.write(key, 'ADDED', await r.api.toStorage(r.def, admitted));
  afterCrdWrite(r, stored);
  const [out] = await r.api.toVersion(r.def, [stored], r.version.name);
  return { code: 201, body: out ?? stored };
}

/** The current object in the request's version (404 when missing). */
export async function current(r: Req, name: string): Promise<Obj> {
  const ns = r.def.namespaced ? (r.path.namespace ?? '') : '';
  const cur = r.api.store.get(r.api.key(r.def), ns, name);
  if (!cur) throw notFound(r.def.group, r.def.plural, name);
  const [out] = await r.api.toVersion(r.def, [cur], r.version.name);
  return out ?? cur;
}

/**
 * Shared by PUT and PATCH: `incoming` is the full desired object, `cur` the stored one (request
 * version). `wrap` selects the create/update style of strict-decoding message.
 */
export async function updateWith(r: Req, cur: Obj, incoming: Obj, wrap: boolean): Promise<WriteResult> {
  const name = nameOf(cur);
  const obj = clone(incoming);
  await prepare(r);
  checkTypeMeta(r, obj);
  const m = metaOf(obj);
  if (m.name !== undefined && m.name !== name) {
    throw badRequest(
      `the name of the object (${String(m.name)}) does not match the name on the URL (${name})`,
    );
  }
  checkNamespace(r, obj);
  const cm = metaOf(cur);
  if (str(m.resourceVersion) && m.resourceVersion !== cm.resourceVersion)
    throw conflict(r.def.group, r.def.plural, name);
  if (str(m.uid) && m.uid !== cm.uid) {
    throw new ApiError(
      409,
      `Precondition failed: UID in precondition: ${String(m.uid)}, UID in object meta: ${String(cm.uid)}`,
      'Conflict',
      { name, group: r.def.group, kind: r.def.plural },
    );
  }
  schemaFields(r, obj, wrap);
  let next: Obj;
  const statusWrite = r.path.subresource === 'status';
  if (statusWrite) {
    // cur is this request's own copy and is only read from here on: share all but metadata and status
    next = isCrdDef(r) ? clone(cur) : { ...cur, metadata: { ...metaOf(cur) } };
    if (obj.status === undefined) delete next.status;
    else next.status = obj.status;
  } else {
    next = obj;
    if (r.version.hasStatus && !isCrdDef(r)) {
      if (cur.status === undefined) delete next.status;
      else next.status = clone(cur.status);
    }
  }
  const nm = metaOf(next);
  nm.name = name;
  for (const k of [
    'uid',
    'creationTimestamp',
    'deletionTimestamp',
    'deletionGracePeriodSeconds',
    'generation',
    'namespace',
  ]) {
    if (cm[k] === undefined) delete nm[k];
    else nm[k] = cm[k];
  }
  nm.resourceVersion = cm.resourceVersion;
  if (r.def.builtin && !statusWrite) applyBuiltinDefaults(r.def.kind, next, r.api.store, cur);
  if (r.def.builtin) applyStatusDefaults(r.def.kind, next, statusWrite);
  if (isCrdDef(r)) {
    defaultCrd(next);
    next.status = crdStatus(next, cur);
  }
  if (cm.deletionTimestamp !== undefined) {
    const before = Array.isArray(cm.finalizers) ? cm.finalizers.map(String) : [];
    const added = (Array.isArray(nm.finalizers) ? nm.finalizers.map(String) : []).filter(
      (f) => !before.includes(f),
    );
    if (added.length > 0) {
      throw invalid(r.def.kind, r.def.group, name, [
        {
          reason: 'FieldValueForbidden',
          field: 'metadata.finalizers',
          message: `Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{${added.map((f) => JSON.stringify(f)).join(', ')}}`,
        },
      ]);
    }
  }
  if (hasGeneration(r.def.kind, r.def.builtin) && !deepEqual(specPart(next), specPart(cur)))
    nm.generation = Number(cm.generation ?? 0) + 1;
  if (Array.isArray(nm.finalizers) && nm.finalizers.length === 0) delete nm.finalizers;
  setManagedFields(nm, r.managedFields ?? cm.managedFields);
  if (deepEqual(next, cur)) return { code: 200, body: cur };
  if (!r.managedFields) setManagedFields(nm, trackUpdate({ ...tracking(r), old: cur, next }));
  const admitted = await admit(r, 'UPDATE', next, cur);
  if (isDryRun(r)) return { code: 200, body: admitted };
  const key = r.api.key(r.def);
  const am = metaOf(admitted);
  const finalizers = Array.isArray(am.finalizers) ? am.finalizers : [];
  const type = am.deletionTimestamp !== undefined && finalizers.length === 0 ? 'DELETED' : 'MODIFIED';
  const storage = await r.api.toStorage(r.def, admitted);
  // compare-and-swap: another write may have landed while this one was admitted or converted
  const ns = r.def.namespaced ? (r.path.namespace ?? '') : '';
  if (metaOf(r.api.store.get(key, ns, name) ?? {}).resourceVersion !== cm.resourceVersion)
    throw new StaleWrite();
  if (type === 'DELETED' && isCrdDef(r)) dropCustomResources(r, admitted);
  const stored = r.api.store.write(key, type, storage);
  if (type === 'MODIFIED') afterCrdWrite(r, stored);
  const [out] = await r.api.toVersion(r.def, [stored], r.version.name);
  return { code: 200, body: out ?? stored };
}

export async function update(r: Req, body: unknown): Promise<WriteResult> {
  if (!isObj(body)) throw badRequest("Object 'Kind' is missing in request body");
  const name = r.path.name ?? '';
  const bm = isObj(body.metadata) ? body.metadata : {};
  if (bm.name !== undefined && bm.name !== name)
    throw badRequest(
      `the name of the object (${String(bm.name)}) does not match the name on the URL (${name})`,
    );
  // a PUT without resourceVersion is unconditional: recomputed on a concurrent write; with one, the
  // retry finds the newer version and answers 409
  return guaranteedUpdate({ group: r.def.group, plural: r.def.plural, name }, async () =>
    updateWith(r, await current(r, name), body, true),
  );
}

/** Delete every custom resource of a CRD that is going away (emits DELETED for each). */
export function dropCustomResources(r: Req, crd: Obj): void {
  const def = crdToDef(crd);
  if (!def) return;
  const key = r.api.key(def);
  for (const o of r.api.store.list(key)) r.api.store.write(key, 'DELETED', o);
  r.api.registry.remove(def.group, def.plural);
  r.api.store.dropAll(key);
}

/** Namespace deletion removes its content (no namespace controller to wait for). */
export function dropNamespaceContent(r: Req, ns: string): void {
  if (!isNamespaceDef(r.def)) return;
  for (const def of r.api.registry.all()) {
    if (!def.namespaced) continue;
    const key = r.api.key(def);
    for (const o of r.api.store.list(key, ns)) r.api.store.write(key, 'DELETED', o);
  }
}
