// Built-in kinds decoded and validated as the apiserver does: JSON of the wrong type, bad base64 or
// out-of-range integers are 400s ("cannot be handled as a …"), unknown fields are dropped and
// reported per fieldValidation, enum and required violations are 422 causes. Types, enums,
// required fields and formats come from kubernetes-models' validators (generated from the upstream
// OpenAPI document); the structure for unknown fields and messages from its declarations.
import type { ErrorObject } from 'ajv';
import { component, deref, kindComponent, validatorModule } from './builtin-schema.ts';
import { isObj, type Obj } from './json.ts';
import { causeOf, valueAt } from './schema.ts';
import type { Cause } from './status.ts';

type Validator = ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };

export interface BuiltinSchema {
  /** OpenAPI component name of the kind. */
  name: string;
  validate: Validator;
}

const loaded = new Map<string, Promise<BuiltinSchema | undefined>>();
const ready = new Map<string, BuiltinSchema | undefined>();

const keyOf = (group: string, version: string, kind: string): string => `${group}/${version}/${kind}`;

/** Load (once per process) the schema and compiled validator of a built-in kind. */
export function loadBuiltin(
  group: string,
  version: string,
  kind: string,
): Promise<BuiltinSchema | undefined> {
  const key = keyOf(group, version, kind);
  let p = loaded.get(key);
  if (!p) {
    p = (async () => {
      const name = kindComponent(group, version, kind);
      if (!name) return undefined;
      const mod = (await import(`kubernetes-models/_schemas/${validatorModule(name)}`)) as {
        validate: Validator;
      };
      const s = { name, validate: mod.validate };
      ready.set(key, s);
      return s;
    })();
    loaded.set(key, p);
  }
  return p;
}

/** The schema if loadBuiltin() has finished for this kind. */
export function builtinSchema(group: string, version: string, kind: string): BuiltinSchema | undefined {
  return ready.get(keyOf(group, version, kind));
}

const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/i;

interface WalkOut {
  unknown: string[];
  decode: string[];
}

function shortName(component: string): string {
  return component.slice(component.lastIndexOf('.') + 1);
}

/** `spec.ports[0].foo` from the walk's stack of keys (numbers are list indexes, `[k]` map keys). */
function pathOf(stack: (string | number)[]): string {
  let out = '';
  for (const k of stack) {
    if (typeof k === 'number') out += `[${k}]`;
    else if (k.startsWith('[')) out += k;
    else out += out === '' ? k : `.${k}`;
  }
  return out;
}

/** Remove unknown fields (recording their paths) and check time formats. */
function walk(v: unknown, schemaIn: Obj | undefined, stack: (string | number)[], out: WalkOut): void {
  const s = deref(schemaIn);
  if (!s || v === null || v === undefined) return;
  if (s.format === 'date-time' && typeof v === 'string' && !RFC3339.test(v)) {
    out.decode.push(
      `parsing time ${JSON.stringify(v)} as "2006-01-02T15:04:05Z07:00": cannot parse ${JSON.stringify(v)} as "2006"`,
    );
    return;
  }
  if (s['x-kubernetes-preserve-unknown-fields'] === true) return;
  if (Array.isArray(v)) {
    if (!isObj(s.items)) return;
    for (let i = 0; i < v.length; i++) {
      stack.push(i);
      walk(v[i], s.items, stack, out);
      stack.pop();
    }
    return;
  }
  if (!isObj(v)) return;
  if (isObj(s.additionalProperties)) {
    for (const k of Object.keys(v)) {
      stack.push(`[${k}]`);
      walk(v[k], s.additionalProperties, stack, out);
      stack.pop();
    }
    return;
  }
  const props = isObj(s.properties) ? s.properties : undefined;
  if (!props) return;
  for (const key of Object.keys(v)) {
    const ps = props[key];
    stack.push(key);
    if (isObj(ps)) walk(v[key], ps, stack, out);
    else {
      out.unknown.push(pathOf(stack));
      delete v[key];
    }
    stack.pop();
  }
}

interface Located {
  /** Go struct that holds the field, e.g. ServicePort. */
  parent: string;
  /** JSON field path without list indexes or map keys, e.g. spec.ports.port. */
  fieldPath: string;
  schema: Obj | undefined;
}

function locate(root: string, instancePath: string): Located {
  let s: Obj | undefined = component(root);
  let parent = shortName(root);
  const names: string[] = [];
  for (const raw of instancePath.split('/').filter((x) => x !== '')) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    const here = deref(s);
    if (!here) return { parent, fieldPath: names.join('.'), schema: undefined };
    if (here.type === 'array') s = isObj(here.items) ? here.items : undefined;
    else if (isObj(here.additionalProperties)) s = here.additionalProperties;
    else {
      const props = isObj(here.properties) ? here.properties : {};
      const ref = (isObj(s) && typeof s.$ref === 'string') || (isObj(s) && Array.isArray(s.allOf));
      if (ref && isObj(s)) {
        const target = Array.isArray(s.allOf) ? (s.allOf[0] as Obj).$ref : s.$ref;
        if (typeof target === 'string') parent = shortName(target);
      }
      s = isObj(props[seg]) ? props[seg] : undefined;
      names.push(seg);
    }
  }
  return { parent, fieldPath: names.join('.'), schema: s };
}

function goType(s: Obj | undefined, field: string): string {
  const t = deref(s);
  if (!t) return 'interface {}';
  if (isObj(s) && (typeof s.$ref === 'string' || Array.isArray(s.allOf))) {
    const target = Array.isArray(s.allOf) ? (s.allOf[0] as Obj).$ref : s.$ref;
    if (typeof target === 'string' && t.type === 'object') return `v1.${shortName(target)}`;
  }
  switch (t.type) {
    case 'string':
      return 'string';
    case 'integer':
      return /generation|GracePeriodSeconds|DeadlineSeconds|runAs|fsGroup|expirationSeconds/i.test(field)
        ? 'int64'
        : 'int32';
    case 'boolean':
      return 'bool';
    case 'array':
      return `[]${goType(isObj(t.items) ? t.items : undefined, field)}`;
    case 'object':
      return isObj(t.additionalProperties)
        ? `map[string]${goType(t.additionalProperties, field)}`
        : 'map[string]interface {}';
    default:
      return 'interface {}';
  }
}

function jsonKind(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  if (typeof v === 'boolean') return 'bool';
  return typeof v === 'object' ? 'object' : typeof v;
}

function base64Problem(v: string): string {
  const bad = v.search(/[^A-Za-z0-9+/=]/);
  if (bad >= 0) return `illegal base64 data at input byte ${bad}`;
  return `illegal base64 data at input byte ${Math.max(0, v.length - (v.length % 4 || 4))}`;
}

function decodeMessage(s: BuiltinSchema, e: ErrorObject, obj: Obj): string {
  const v = valueAt(obj, e.instancePath);
  const where = locate(s.name, e.instancePath);
  const params = e.params as Record<string, unknown>;
  if (e.keyword === 'format' && params.format === 'byte') return base64Problem(String(v));
  const shown = typeof v === 'number' ? `number ${String(v)}` : jsonKind(v);
  return `json: cannot unmarshal ${shown} into Go struct field ${where.parent}.${where.fieldPath} of type ${goType(where.schema, where.fieldPath)}`;
}

export interface Decoded {
  /** Unknown fields (already removed from the object), for fieldValidation. */
  unknown: string[];
  /** Decoding errors: the request is a 400. */
  errors: string[];
}

/** What decoding JSON into the kind's Go struct finds; unknown fields are removed from `obj`. */
export function decodeBuiltin(s: BuiltinSchema, obj: Obj): Decoded {
  const out: WalkOut = { unknown: [], decode: [] };
  walk(obj, component(s.name), [], out);
  if (out.decode.length > 0) return { unknown: out.unknown, errors: out.decode };
  if (s.validate(obj)) return { unknown: out.unknown, errors: [] };
  const errors: string[] = [];
  for (const e of s.validate.errors ?? []) {
    if (e.keyword === 'type' || e.keyword === 'format') errors.push(decodeMessage(s, e, obj));
  }
  return { unknown: out.unknown, errors };
}

/** Enum and required violations as 422 causes. */
export function schemaCauses(s: BuiltinSchema, obj: Obj): Cause[] {
  if (s.validate(obj)) return [];
  const out: Cause[] = [];
  for (const e of s.validate.errors ?? []) {
    if (e.keyword !== 'enum' && e.keyword !== 'required') continue;
    const c = causeOf(e, obj);
    if (c && !out.some((x) => x.field === c.field && x.message === c.message)) out.push(c);
  }
  return out;
}
