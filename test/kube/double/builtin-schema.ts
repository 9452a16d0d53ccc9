// OpenAPI v3 schemas of the built-in kinds, read from kubernetes-models' type declarations (which
// that package generates from the upstream Kubernetes OpenAPI document): property names,
// descriptions, types, enums and required fields. Parsed on first use and kept for the process.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Obj } from './json.ts';

const MODELS = dirname(fileURLToPath(import.meta.resolve('kubernetes-models')));
const NODE_MODULES = dirname(MODELS);

/** Component schemas by their OpenAPI name (io.k8s.api.core.v1.Service …), shared by every double. */
const components = new Map<string, Obj>();
/** d.ts file → component name it declares. */
const parsedFiles = new Map<string, string>();

const PACKAGES: [string, string][] = [
  ['IoK8sApimachineryPkgApisMetaV1', 'io.k8s.apimachinery.pkg.apis.meta.v1'],
  ['IoK8sApimachineryPkgUtilIntstr', 'io.k8s.apimachinery.pkg.util.intstr'],
  ['IoK8sApimachineryPkgApiResource', 'io.k8s.apimachinery.pkg.api.resource'],
  ['IoK8sApimachineryPkgRuntime', 'io.k8s.apimachinery.pkg.runtime'],
  [
    'IoK8sApiextensionsApiserverPkgApisApiextensionsV1',
    'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1',
  ],
];

/** `IoK8sApiCoreV1ServicePort` → `io.k8s.api.core.v1.ServicePort`. */
export function componentName(alias: string): string {
  for (const [prefix, pkg] of PACKAGES)
    if (alias.startsWith(prefix)) return `${pkg}.${alias.slice(prefix.length)}`;
  const m = /^IoK8sApi([A-Z][a-z]+)(V\d+(?:Alpha\d+|Beta\d+)?)([A-Z]\w*)$/.exec(alias);
  if (m) return `io.k8s.api.${(m[1] ?? '').toLowerCase()}.${(m[2] ?? '').toLowerCase()}.${m[3] ?? ''}`;
  return alias;
}

/** Scalar aliases whose TS type (string, string|number) says too little. */
const SCALARS: Record<string, Obj> = {
  'io.k8s.apimachinery.pkg.apis.meta.v1.Time': { type: 'string', format: 'date-time' },
  'io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime': { type: 'string', format: 'date-time' },
  'io.k8s.apimachinery.pkg.util.intstr.IntOrString': {
    type: 'string',
    format: 'int-or-string',
    'x-kubernetes-int-or-string': true,
  },
  'io.k8s.apimachinery.pkg.api.resource.Quantity': { type: 'string', 'x-kubernetes-int-or-string': true },
};

function docText(comment: string): string {
  return comment
    .replace(/^\/\*\*|\*\/$/g, '')
    .split('\n')
    .map((l) => l.replace(/^\s*\* ?/, '').trim())
    .filter((l) => l !== '')
    .join('\n')
    .trim();
}

function ref(name: string): Obj {
  return { $ref: `#/components/schemas/${name}` };
}

interface FileCtx {
  file: string;
  /** local type name → component name */
  names: Map<string, string>;
}

/** Split `A | B` or `a; b` at nesting depth 0. */
function splitTop(s: string, sep: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '"') quoted = !quoted;
    if (quoted) continue;
    if (c === '<' || c === '{' || c === '(') depth++;
    else if (c === '>' || c === '}' || c === ')') depth--;
    else if (depth === 0 && s.startsWith(sep, i)) {
      out.push(s.slice(start, i));
      start = i + sep.length;
    }
  }
  out.push(s.slice(start));
  return out.map((x) => x.trim()).filter((x) => x !== '');
}

function typeSchema(t: string, ctx: FileCtx): Obj {
  t = t.trim();
  if (t === 'string') return { type: 'string' };
  if (t === 'number') return { type: 'integer' };
  if (t === 'boolean') return { type: 'boolean' };
  if (t === 'any' || t === 'unknown' || t === 'object') return {};
  const arr = /^Array<([\s\S]*)>$/.exec(t);
  if (arr) return { type: 'array', items: typeSchema(arr[1] ?? '', ctx) };
  const map = /^\{\s*\[key: string\]: ([\s\S]*?);?\s*\}$/.exec(t);
  if (map) return { type: 'object', additionalProperties: typeSchema(map[1] ?? '', ctx) };
  if (t.startsWith('{')) return { type: 'object', ...membersOf(t.slice(1, -1), ctx) };
  const union = splitTop(t, '|');
  if (union.length > 0 && union.every((u) => /^"[^"]*"$/.test(u))) {
    const values = union.map((u) => u.slice(1, -1));
    return values.length === 1 ? { type: 'string' } : { type: 'string', enum: values };
  }
  if (union.length > 1) return {};
  const name = ctx.names.get(t);
  if (name !== undefined) return ref(name);
  return {};
}

/** Members of an interface body: `/** doc *\/ "name"?: type;` … */
function membersOf(body: string, ctx: FileCtx): Obj {
  const properties: Obj = {};
  const required: string[] = [];
  const head = /\s*(?:(\/\*\*[\s\S]*?\*\/)\s*)?"([^"]+)"(\?)?:\s*/y;
  let i = 0;
  for (;;) {
    head.lastIndex = i;
    const m = head.exec(body);
    if (!m) break;
    i = head.lastIndex;
    // the type runs to the first `;` outside brackets
    let depth = 0;
    let j = i;
    for (; j < body.length; j++) {
      const c = body[j];
      if (c === '<' || c === '{') depth++;
      else if (c === '>' || c === '}') depth--;
      else if (c === ';' && depth === 0) break;
    }
    const prop = typeSchema(body.slice(i, j), ctx);
    const name = m[2] ?? '';
    const doc = m[1] ? docText(m[1]) : '';
    if (doc) {
      // a $ref cannot carry a description beside it; the apiserver wraps it in allOf the same way
      properties[name] =
        typeof prop.$ref === 'string' ? { allOf: [prop], description: doc } : { ...prop, description: doc };
    } else properties[name] = prop;
    if (m[3] === undefined) required.push(name);
    i = j + 1;
  }
  const out: Obj = { properties };
  if (required.length > 0) out.required = required;
  return out;
}

function resolveImport(from: string, spec: string): string {
  const base = spec.startsWith('.') ? join(dirname(from), spec) : join(NODE_MODULES, spec);
  return base.replace(/\.js$/, '') + '.d.ts';
}

/** Parse one declaration file (and, recursively, what it imports); answers its component name. */
function parseFile(file: string): string {
  const known = parsedFiles.get(file);
  if (known !== undefined) return known;
  const text = readFileSync(file, 'utf8');
  const exported = /export type \{ I(\w+) as I(\w+)/.exec(text);
  if (!exported) throw new Error(`kube-double: no exported model in ${file}`);
  const local = `I${exported[1] ?? ''}`;
  const name = componentName(exported[2] ?? '');
  parsedFiles.set(file, name);
  const ctx: FileCtx = { file, names: new Map([[local, name]]) };
  for (const m of text.matchAll(/import \{ ([^}]+) \} from "([^"]+)";/g)) {
    const spec = m[2] ?? '';
    if (spec === '@kubernetes-models/base') continue;
    for (const n of (m[1] ?? '').split(',').map((x) => x.trim()))
      ctx.names.set(n, parseFile(resolveImport(file, spec)));
  }
  const scalar = SCALARS[name];
  const at = text.indexOf(`export interface ${local} `);
  let schema: Obj;
  let doc: string | undefined;
  if (scalar) schema = { ...scalar };
  else if (at >= 0) {
    const open = text.indexOf('{\n', at);
    const members = membersOf(text.slice(open + 2, text.indexOf('\n}', open)), ctx);
    const props = members.properties as Obj;
    // an empty interface (FieldsV1, JSON, RawExtension …) is free-form JSON
    schema =
      Object.keys(props).length === 0
        ? { type: 'object', 'x-kubernetes-preserve-unknown-fields': true }
        : { type: 'object', ...members };
  } else {
    const alias = new RegExp(`export type ${local} = ([^;]+);`).exec(text);
    schema = alias ? typeSchema(alias[1] ?? '', ctx) : {};
  }
  const before = at >= 0 ? text.slice(0, at) : text;
  const start = before.lastIndexOf('/**');
  if (start >= 0 && /^\s*$/.test(before.slice(before.indexOf('*/', start) + 2)))
    doc = before.slice(start, before.indexOf('*/', start) + 2);
  if (doc) schema.description = docText(doc);
  components.set(name, schema);
  return name;
}

function groupDir(group: string, version: string): string {
  return group === '' ? version : `${group}/${version}`;
}

/** The component name of a built-in kind, parsing its declarations on first use. */
export function kindComponent(group: string, version: string, kind: string): string | undefined {
  const file = join(MODELS, groupDir(group, version), `${kind}.d.ts`);
  try {
    return parseFile(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/** ObjectMeta's component (what CRD schemas' metadata points at in published OpenAPI). */
export function objectMetaComponent(): string {
  return parseFile(join(NODE_MODULES, '@kubernetes-models/apimachinery/apis/meta/v1/ObjectMeta.d.ts'));
}

export function component(name: string): Obj | undefined {
  return components.get(name);
}

/** Follow `$ref` / `allOf: [{$ref}]` to the component it names. */
export function deref(s: Obj | undefined): Obj | undefined {
  if (!s) return undefined;
  if (typeof s.$ref === 'string') return components.get(s.$ref.slice('#/components/schemas/'.length));
  const all = s.allOf;
  if (Array.isArray(all) && all.length === 1) return deref(all[0] as Obj);
  return s;
}

/** Every component reachable from `name` (itself included): what an OpenAPI document must carry. */
export function closure(name: string, into = new Map<string, Obj>()): Map<string, Obj> {
  const s = components.get(name);
  if (!s || into.has(name)) return into;
  into.set(name, s);
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (k === '$ref' && typeof x === 'string') closure(x.slice('#/components/schemas/'.length), into);
        else walk(x);
      }
    }
  };
  walk(s);
  return into;
}

/** Alias of the kubernetes-models validator module for a component (`IoK8sApiCoreV1Service`). */
export function validatorModule(name: string): string {
  for (const [prefix, pkg] of PACKAGES)
    if (name.startsWith(`${pkg}.`)) return `${prefix}${name.slice(pkg.length + 1)}`;
  const m = /^io\.k8s\.api\.([a-z]+)\.(v\d+(?:alpha\d+|beta\d+)?)\.(\w+)$/.exec(name);
  if (!m) return name;
  const cap = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);
  return `IoK8sApi${cap(m[1] ?? '')}${cap((m[2] ?? '').replace(/(alpha|beta)/, (x) => cap(x)))}${m[3] ?? ''}`;
}
