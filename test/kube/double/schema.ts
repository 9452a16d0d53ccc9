// CRD structural schemas: pruning (with unknown-field reporting), defaulting and validation.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { clone, isObj, type Obj } from './json.ts';
import type { Cause } from './status.ts';

const addFormats = addFormatsModule as unknown as (ajv: Ajv, formats?: string[]) => Ajv;

const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
addFormats(ajv, [
  'ipv4',
  'ipv6',
  'date-time',
  'date',
  'uuid',
  'hostname',
  'uri',
  'email',
  'byte',
  'duration',
]);
ajv.addFormat('cidr', /^[0-9a-fA-F:.]+\/\d{1,3}$/);
ajv.addFormat('mac', /^([0-9a-fA-F]{2}[:-]){5}[0-9a-fA-F]{2}$/);
for (const f of ['int32', 'int64', 'float', 'double', 'password', 'quantity']) ajv.addFormat(f, () => true);

/** Translate the Kubernetes OpenAPI dialect into what ajv understands. */
function toAjv(s: unknown): unknown {
  if (Array.isArray(s)) return s.map(toAjv);
  if (!isObj(s)) return s;
  const out: Obj = {};
  for (const [k, v] of Object.entries(s)) {
    if (k === 'default' || k === 'example' || k === 'description') continue;
    out[k] = k === 'properties' || k === 'patternProperties' ? mapValues(v, toAjv) : toAjv(v);
  }
  if (s['x-kubernetes-int-or-string'] === true) {
    delete out.type;
    out.anyOf = [{ type: 'integer' }, { type: 'string' }];
  }
  if (s.nullable === true && typeof out.type === 'string') out.type = [out.type, 'null'];
  delete out.nullable;
  return out;
}

function mapValues(v: unknown, f: (x: unknown) => unknown): unknown {
  if (!isObj(v)) return v;
  const o: Obj = {};
  for (const [k, x] of Object.entries(v)) o[k] = f(x);
  return o;
}

const compiled = new WeakMap<Obj, ValidateFunction>();

function validatorFor(schema: Obj): ValidateFunction {
  let fn = compiled.get(schema);
  if (!fn) {
    const s = toAjv(schema);
    // the root's metadata is ObjectMeta, validated separately
    if (isObj(s) && isObj(s.properties)) delete s.properties.metadata;
    fn = ajv.compile(s as object);
    compiled.set(schema, fn);
  }
  return fn;
}

function fieldPath(instancePath: string): string {
  return instancePath
    .split('/')
    .filter((p) => p !== '')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), '');
}

function shown(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v === null) return 'null';
  return Array.isArray(v) ? '"array"' : '"object"';
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

/** The value a JSON pointer (an ajv instancePath) names inside `root`. */
export function valueAt(root: unknown, instancePath: string): unknown {
  let cur = root;
  for (const p of instancePath.split('/').filter((x) => x !== '')) {
    const key = p.replace(/~1/g, '/').replace(/~0/g, '~');
    cur = Array.isArray(cur) ? cur[Number(key)] : isObj(cur) ? cur[key] : undefined;
  }
  return cur;
}

export function causeOf(e: ErrorObject, root: unknown): Cause | undefined {
  const field = fieldPath(e.instancePath);
  const v = valueAt(root, e.instancePath);
  const p = e.params as Record<string, unknown>;
  const inv = (msg: string): Cause => ({
    reason: 'FieldValueInvalid',
    field,
    message: `Invalid value: ${shown(v)}: ${field} in body ${msg}`,
  });
  switch (e.keyword) {
    case 'required': {
      const f = field ? `${field}.${String(p.missingProperty)}` : String(p.missingProperty);
      return { reason: 'FieldValueRequired', field: f, message: 'Required value' };
    }
    case 'enum': {
      const allowed = (Array.isArray(p.allowedValues) ? p.allowedValues : [])
        .map((x) => JSON.stringify(x))
        .join(', ');
      return {
        reason: 'FieldValueNotSupported',
        field,
        message: `Unsupported value: ${shown(v)}: supported values: ${allowed}`,
      };
    }
    case 'pattern':
      return inv(`should match '${String(p.pattern)}'`);
    case 'type':
      return {
        reason: 'FieldValueInvalid',
        field,
        message: `Invalid value: "${typeName(v)}": ${field} in body must be of type ${String(p.type)}: "${typeName(v)}"`,
      };
    case 'minimum':
      return inv(`should be greater than or equal to ${String(p.limit)}`);
    case 'maximum':
      return inv(`should be less than or equal to ${String(p.limit)}`);
    case 'exclusiveMinimum':
      return inv(`should be greater than ${String(p.limit)}`);
    case 'exclusiveMaximum':
      return inv(`should be less than ${String(p.limit)}`);
    case 'minLength':
      return inv(`should be at least ${String(p.limit)} chars long`);
    case 'maxLength':
      return {
        reason: 'FieldValueTooLong',
        field,
        message: `Too long: may not be longer than ${String(p.limit)}`,
      };
    case 'minItems':
      return inv(`should have at least ${String(p.limit)} items`);
    case 'maxItems':
      return {
        reason: 'FieldValueTooMany',
        field,
        message: `Too many: ${Array.isArray(v) ? v.length : 0}: must have at most ${String(p.limit)} items`,
      };
    case 'format':
      return inv(`must be of type ${String(p.format)}: ${shown(v)}`);
    case 'anyOf':
    case 'oneOf':
    case 'if':
      return undefined;
    default:
      return inv(e.message ?? e.keyword);
  }
}

export function validate(schema: Obj, obj: Obj): Cause[] {
  const fn = validatorFor(schema);
  if (fn(obj)) return [];
  const out: Cause[] = [];
  for (const e of fn.errors ?? []) {
    const c = causeOf(e, obj);
    if (c && !out.some((x) => x.field === c.field && x.message === c.message)) out.push(c);
  }
  return out;
}

/** Remove fields the schema does not know; returns their paths (for fieldValidation). */
export function prune(obj: Obj, schema: Obj): string[] {
  const unknown: string[] = [];
  const walk = (v: unknown, s: unknown, path: string, root: boolean): void => {
    if (!isObj(s)) return;
    if (Array.isArray(v)) {
      v.forEach((x, i) => walk(x, s.items, `${path}[${i}]`, false));
      return;
    }
    if (!isObj(v)) return;
    const props = isObj(s.properties) ? s.properties : undefined;
    const preserve = s['x-kubernetes-preserve-unknown-fields'] === true;
    const additional = s.additionalProperties;
    for (const key of Object.keys(v)) {
      const p = path ? `${path}.${key}` : key;
      if (root && (key === 'apiVersion' || key === 'kind' || key === 'metadata')) continue;
      if (props && Object.hasOwn(props, key)) walk(v[key], props[key], p, false);
      else if (isObj(additional)) walk(v[key], additional, p, false);
      else if (additional === true || preserve || (!props && s.type !== 'object')) continue;
      else {
        unknown.push(p);
        delete v[key];
      }
    }
  };
  walk(obj, schema, '', true);
  return unknown;
}

/** Fill `default`s for absent fields (recursively, also inside arrays and maps). */
export function applyDefaults(obj: Obj, schema: Obj): void {
  const walk = (v: unknown, s: unknown): void => {
    if (!isObj(s)) return;
    if (Array.isArray(v)) {
      for (const x of v) walk(x, s.items);
      return;
    }
    if (!isObj(v)) return;
    if (isObj(s.properties)) {
      for (const [key, ps] of Object.entries(s.properties)) {
        if (v[key] === undefined && isObj(ps) && ps.default !== undefined) v[key] = clone(ps.default);
        if (v[key] !== undefined) walk(v[key], ps);
      }
    }
    if (isObj(s.additionalProperties)) for (const x of Object.values(v)) walk(x, s.additionalProperties);
  };
  walk(obj, schema);
}
