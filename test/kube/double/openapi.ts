// /openapi/v3: per group-version documents with paths (for kubectl's fieldValidation probe) and
// component schemas (CRD schemas, and built-ins from kubernetes-models, for `kubectl explain`).
import { createHash } from 'node:crypto';
import { clone, isObj, type Obj } from './json.ts';
import { closure, component, kindComponent, objectMetaComponent } from './builtin-schema.ts';
import type { Registry, Resolved } from './registry.ts';

/** io.kubesphere.network.v1alpha2.Eip; core kinds as io.k8s.api.<group>.<version>.<Kind>. */
function schemaName(group: string, version: string, kind: string, builtin: boolean): string {
  if (builtin) {
    const g = group === '' ? 'core' : group.replace(/\.k8s\.io$/, '').replace(/\./g, '');
    return `io.k8s.api.${g}.${version}.${kind}`;
  }
  return `${group.split('.').reverse().join('.')}.${version}.${kind}`;
}

const OBJECT_META_DOC =
  "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";

/** The kind's schema; the components it refers to are added to `components`. */
function kindSchema(r: Resolved, components: Map<string, Obj>): Obj {
  const gvk = { group: r.def.group, version: r.version.name, kind: r.def.kind };
  let s: Obj;
  const builtin = r.def.builtin ? kindComponent(r.def.group, r.version.name, r.def.kind) : undefined;
  if (builtin) {
    closure(builtin, components);
    s = clone(component(builtin) ?? {});
  } else if (r.version.schema) {
    s = clone(r.version.schema);
    const props: Obj = isObj(s.properties) ? s.properties : {};
    props.apiVersion = {
      description: 'APIVersion defines the versioned schema of this representation of an object.',
      type: 'string',
    };
    props.kind = {
      description: 'Kind is a string value representing the REST resource this object represents.',
      type: 'string',
    };
    // as the apiserver publishes a CRD: metadata is ObjectMeta
    const meta = objectMetaComponent();
    closure(meta, components);
    props.metadata = { allOf: [{ $ref: `#/components/schemas/${meta}` }], description: OBJECT_META_DOC };
    s.properties = props;
  } else {
    s = {
      description: `${r.def.kind} (schema not published by the test double).`,
      type: 'object',
      'x-kubernetes-preserve-unknown-fields': true,
    };
  }
  s['x-kubernetes-group-version-kind'] = [gvk];
  return s;
}

const QUERY = (name: string, type = 'string'): Obj => ({
  name,
  in: 'query',
  schema: { type, uniqueItems: true },
});

function ops(r: Resolved, ref: string, listRef: string): Obj {
  const gvk = { group: r.def.group, version: r.version.name, kind: r.def.kind };
  const json = (schemaRef: string): Obj => ({
    '200': { description: 'OK', content: { 'application/json': { schema: { $ref: schemaRef } } } },
  });
  const body = (types: string[]): Obj => ({
    content: Object.fromEntries(types.map((t) => [t, { schema: { type: 'object' } }])),
    required: true,
  });
  const op = (action: string, extra: Obj): Obj => ({
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': gvk,
    tags: [r.def.group || 'core'],
    ...extra,
  });
  const writeParams = [QUERY('dryRun'), QUERY('fieldManager'), QUERY('fieldValidation')];
  // no strategic-merge content type: kubectl then computes its patches from its compiled-in types
  const patchTypes = ['application/json-patch+json', 'application/merge-patch+json'];
  return {
    item: {
      get: op('get', { operationId: `read${r.def.kind}`, responses: json(ref) }),
      put: op('put', {
        operationId: `replace${r.def.kind}`,
        parameters: writeParams,
        requestBody: { content: { 'application/json': { schema: { $ref: ref } } }, required: true },
        responses: json(ref),
      }),
      patch: op('patch', {
        operationId: `patch${r.def.kind}`,
        parameters: [...writeParams, QUERY('force', 'boolean')],
        requestBody: body(patchTypes),
        responses: json(ref),
      }),
      delete: op('delete', {
        operationId: `delete${r.def.kind}`,
        parameters: [QUERY('dryRun')],
        responses: json('#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.Status'),
      }),
      parameters: [
        { name: 'name', in: 'path', required: true, schema: { type: 'string', uniqueItems: true } },
      ],
    },
    collection: {
      get: op('list', {
        operationId: `list${r.def.kind}`,
        parameters: [QUERY('labelSelector'), QUERY('fieldSelector'), QUERY('watch', 'boolean')],
        responses: json(listRef),
      }),
      post: op('post', {
        operationId: `create${r.def.kind}`,
        parameters: writeParams,
        requestBody: { content: { 'application/json': { schema: { $ref: ref } } }, required: true },
        responses: json(ref),
      }),
    },
  };
}

const docs = new WeakMap<Registry, Map<string, { revision: number; doc: Obj | undefined; hash: string }>>();

/** The document of one group-version and its hash, rebuilt only when what is served changed. */
function cachedDoc(reg: Registry, group: string, version: string): { doc: Obj | undefined; hash: string } {
  let byGv = docs.get(reg);
  if (!byGv) {
    byGv = new Map();
    docs.set(reg, byGv);
  }
  const key = `${group}/${version}`;
  const have = byGv.get(key);
  if (have && have.revision === reg.revision) return have;
  const doc = buildGroupVersionDoc(reg, group, version);
  const entry = { revision: reg.revision, doc, hash: doc ? hashOf(doc) : '' };
  byGv.set(key, entry);
  return entry;
}

export function groupVersionDoc(reg: Registry, group: string, version: string): Obj | undefined {
  return cachedDoc(reg, group, version).doc;
}

function buildGroupVersionDoc(reg: Registry, group: string, version: string): Obj | undefined {
  const served = reg.inGroupVersion(group, version);
  if (served.length === 0) return undefined;
  const components = new Map<string, Obj>();
  const schemas: Obj = {
    'io.k8s.apimachinery.pkg.apis.meta.v1.Status': {
      type: 'object',
      'x-kubernetes-preserve-unknown-fields': true,
    },
  };
  const paths: Obj = {};
  const prefix = group === '' ? `/api/${version}` : `/apis/${group}/${version}`;
  for (const r of served) {
    const name =
      (r.def.builtin ? kindComponent(group, version, r.def.kind) : undefined) ??
      schemaName(group, version, r.def.kind, r.def.builtin);
    schemas[name] = kindSchema(r, components);
    schemas[`${name}List`] = {
      type: 'object',
      properties: { items: { type: 'array', items: { $ref: `#/components/schemas/${name}` } } },
      'x-kubernetes-group-version-kind': [{ group, version, kind: r.def.listKind }],
    };
    const o = ops(r, `#/components/schemas/${name}`, `#/components/schemas/${name}List`);
    const base = r.def.namespaced
      ? `${prefix}/namespaces/{namespace}/${r.def.plural}`
      : `${prefix}/${r.def.plural}`;
    paths[base] = o.collection;
    paths[`${base}/{name}`] = o.item;
    if (r.version.hasStatus) paths[`${base}/{name}/status`] = o.item;
  }
  for (const [n, c] of components) if (!(n in schemas)) schemas[n] = c;
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'v1.32.0' },
    paths,
    components: { schemas },
  };
}

export function hashOf(doc: Obj): string {
  return createHash('sha512').update(JSON.stringify(doc)).digest('hex').toUpperCase().slice(0, 128);
}

export function rootDoc(reg: Registry): Obj {
  const paths: Obj = {};
  for (const [group, versions] of reg.groups()) {
    for (const v of versions) {
      const { doc, hash } = cachedDoc(reg, group, v);
      if (!doc) continue;
      const p = group === '' ? `api/${v}` : `apis/${group}/${v}`;
      paths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=${hash}` };
    }
  }
  return { paths };
}
