// /openapi/v3: per group-version documents with paths (for kubectl's fieldValidation probe) and
// component schemas (CRD schemas for `kubectl explain`; built-ins are left open).
import { createHash } from 'node:crypto';
import { clone, isObj, type Obj } from './json.ts';
import type { Registry, Resolved } from './registry.ts';

/** io.kubesphere.network.v1alpha2.Eip; core kinds as io.k8s.api.<group>.<version>.<Kind>. */
function schemaName(group: string, version: string, kind: string, builtin: boolean): string {
  if (builtin) {
    const g = group === '' ? 'core' : group.replace(/\.k8s\.io$/, '').replace(/\./g, '');
    return `io.k8s.api.${g}.${version}.${kind}`;
  }
  return `${group.split('.').reverse().join('.')}.${version}.${kind}`;
}

const OBJECT_META: Obj = {
  description: "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata",
  type: 'object',
  'x-kubernetes-preserve-unknown-fields': true,
};

function kindSchema(r: Resolved): Obj {
  const gvk = { group: r.def.group, version: r.version.name, kind: r.def.kind };
  let s: Obj;
  if (r.version.schema) {
    s = clone(r.version.schema);
    const props: Obj = isObj(s.properties) ? s.properties : {};
    props.apiVersion = { description: 'APIVersion defines the versioned schema of this representation of an object.', type: 'string' };
    props.kind = { description: 'Kind is a string value representing the REST resource this object represents.', type: 'string' };
    props.metadata = OBJECT_META;
    s.properties = props;
  } else {
    s = { description: `${r.def.kind} (schema not published by the test double).`, type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
  }
  s['x-kubernetes-group-version-kind'] = [gvk];
  return s;
}

const QUERY = (name: string, type = 'string'): Obj => ({ name, in: 'query', schema: { type, uniqueItems: true } });

function ops(r: Resolved, ref: string, listRef: string): Obj {
  const gvk = { group: r.def.group, version: r.version.name, kind: r.def.kind };
  const json = (schemaRef: string): Obj => ({ '200': { description: 'OK', content: { 'application/json': { schema: { $ref: schemaRef } } } } });
  const body = (types: string[]): Obj => ({ content: Object.fromEntries(types.map((t) => [t, { schema: { type: 'object' } }])), required: true });
  const op = (action: string, extra: Obj): Obj => ({ 'x-kubernetes-action': action, 'x-kubernetes-group-version-kind': gvk, tags: [r.def.group || 'core'], ...extra });
  const writeParams = [QUERY('dryRun'), QUERY('fieldManager'), QUERY('fieldValidation')];
  // no strategic-merge content type: kubectl then computes its patches from its compiled-in types
  const patchTypes = ['application/json-patch+json', 'application/merge-patch+json'];
  return {
    item: {
      get: op('get', { operationId: `read${r.def.kind}`, responses: json(ref) }),
      put: op('put', { operationId: `replace${r.def.kind}`, parameters: writeParams, requestBody: { content: { 'application/json': { schema: { $ref: ref } } }, required: true }, responses: json(ref) }),
      patch: op('patch', { operationId: `patch${r.def.kind}`, parameters: [...writeParams, QUERY('force', 'boolean')], requestBody: body(patchTypes), responses: json(ref) }),
      delete: op('delete', { operationId: `delete${r.def.kind}`, parameters: [QUERY('dryRun')], responses: json('#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.Status') }),
      parameters: [{ name: 'name', in: 'path', required: true, schema: { type: 'string', uniqueItems: true } }],
    },
    collection: {
      get: op('list', { operationId: `list${r.def.kind}`, parameters: [QUERY('labelSelector'), QUERY('fieldSelector'), QUERY('watch', 'boolean')], responses: json(listRef) }),
      post: op('post', { operationId: `create${r.def.kind}`, parameters: writeParams, requestBody: { content: { 'application/json': { schema: { $ref: ref } } }, required: true }, responses: json(ref) }),
    },
  };
}

export function groupVersionDoc(reg: Registry, group: string, version: string): Obj | undefined {
  const served = reg.inGroupVersion(group, version);
  if (served.length === 0) return undefined;
  const schemas: Obj = {
    'io.k8s.apimachinery.pkg.apis.meta.v1.Status': { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
  };
  const paths: Obj = {};
  const prefix = group === '' ? `/api/${version}` : `/apis/${group}/${version}`;
  for (const r of served) {
    const name = schemaName(group, version, r.def.kind, r.def.builtin);
    schemas[name] = kindSchema(r);
    schemas[`${name}List`] = {
      type: 'object',
      properties: { items: { type: 'array', items: { $ref: `#/components/schemas/${name}` } } },
      'x-kubernetes-group-version-kind': [{ group, version, kind: r.def.listKind }],
    };
    const o = ops(r, `#/components/schemas/${name}`, `#/components/schemas/${name}List`);
    const base = r.def.namespaced ? `${prefix}/namespaces/{namespace}/${r.def.plural}` : `${prefix}/${r.def.plural}`;
    paths[base] = o.collection;
    paths[`${base}/{name}`] = o.item;
    if (r.version.hasStatus) paths[`${base}/{name}/status`] = o.item;
  }
  return { openapi: '3.0.0', info: { title: 'Kubernetes', version: 'v1.32.0' }, paths, components: { schemas } };
}

export function hashOf(doc: Obj): string {
  return createHash('sha512').update(JSON.stringify(doc)).digest('hex').toUpperCase().slice(0, 128);
}

export function rootDoc(reg: Registry): Obj {
  const paths: Obj = {};
  for (const [group, versions] of reg.groups()) {
    for (const v of versions) {
      const doc = groupVersionDoc(reg, group, v);
      if (!doc) continue;
      const p = group === '' ? `api/${v}` : `apis/${group}/${v}`;
      paths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=${hashOf(doc)}` };
    }
  }
  return { paths };
}
