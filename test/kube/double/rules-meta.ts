// ObjectMeta rules every kind shares (labels, annotations, finalizers) and the value checks
// (qualified names, IP addresses) the per-kind rules use, with the apiserver's messages.
import { isIPv6 } from 'node:net';
import { isObj, type Obj } from './json.ts';
import type { Cause } from './status.ts';

const NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

const NAME_PART_MSG =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const LABEL_VALUE_MSG =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

export const invalid = (field: string, value: unknown, msg: string): Cause => ({
  reason: 'FieldValueInvalid',
  field,
  message: `Invalid value: ${JSON.stringify(value)}: ${msg}`,
});
export const required = (field: string, msg = ''): Cause => ({
  reason: 'FieldValueRequired',
  field,
  message: msg ? `Required value: ${msg}` : 'Required value',
});
export const forbidden = (field: string, msg: string): Cause => ({
  reason: 'FieldValueForbidden',
  field,
  message: `Forbidden: ${msg}`,
});
export const notSupported = (field: string, value: unknown, allowed: string[]): Cause => ({
  reason: 'FieldValueNotSupported',
  field,
  message: `Unsupported value: ${JSON.stringify(value)}: supported values: ${allowed.map((a) => JSON.stringify(a)).join(', ')}`,
});
export const duplicate = (field: string, value: unknown): Cause => ({
  reason: 'FieldValueDuplicate',
  field,
  message: `Duplicate value: ${JSON.stringify(value)}`,
});

/** Problems with a qualified name (`prefix/name` or `name`), as messages. */
export function qualifiedNameProblems(v: string): string[] {
  const parts = v.split('/');
  let name = v;
  const out: string[] = [];
  if (parts.length === 2) {
    const prefix = parts[0] ?? '';
    name = parts[1] ?? '';
    if (prefix === '') out.push('prefix part must be non-empty');
    else if (prefix.length > 253) out.push('prefix part must be no more than 253 characters');
    else if (!SUBDOMAIN.test(prefix)) out.push(`prefix part ${SUBDOMAIN_MSG}`);
  } else if (parts.length > 2) {
    return [
      "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ];
  }
  if (name === '') out.push('name part must be non-empty');
  else if (name.length > 63) out.push('name part must be no more than 63 characters');
  else if (!NAME_PART.test(name)) out.push(NAME_PART_MSG);
  return out;
}

export function qualifiedName(field: string, v: string): Cause[] {
  return qualifiedNameProblems(v).map((m) => invalid(field, v, m));
}

export function isSubdomain(v: string): boolean {
  return v.length <= 253 && SUBDOMAIN.test(v);
}

/** Go's net.ParseIP as the apiserver uses it for legacy fields (IPv4 leading zeros tolerated, no zones). */
export function isIp(v: string): boolean {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(v);
  if (m) return m.slice(1).every((o) => Number(o) <= 255);
  return !v.includes('%') && isIPv6(v);
}

export const IP_MSG = 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)';

export function validCidr(v: string): boolean {
  const [ip, len, extra] = v.split('/');
  if (extra !== undefined || ip === undefined || len === undefined || !/^\d{1,3}$/.test(len) || !isIp(ip))
    return false;
  return Number(len) <= (ip.includes(':') ? 128 : 32);
}

const ANNOTATIONS_MAX = 256 * 1024;

export function metaRules(meta: unknown): Cause[] {
  if (!isObj(meta)) return [];
  const out: Cause[] = [];
  if (isObj(meta.labels)) {
    for (const [k, v] of Object.entries(meta.labels)) {
      out.push(...qualifiedName('metadata.labels', k));
      const value = String(v);
      if (value.length > 63)
        out.push(invalid('metadata.labels', value, 'must be no more than 63 characters'));
      else if (!LABEL_VALUE.test(value)) out.push(invalid('metadata.labels', value, LABEL_VALUE_MSG));
    }
  }
  if (isObj(meta.annotations)) {
    let size = 0;
    for (const [k, v] of Object.entries(meta.annotations)) {
      out.push(...qualifiedName('metadata.annotations', k.toLowerCase()));
      size += k.length + String(v).length;
    }
    if (size > ANNOTATIONS_MAX)
      out.push({
        reason: 'FieldValueTooLong',
        field: 'metadata.annotations',
        message: `Too long: may not be more than ${ANNOTATIONS_MAX} bytes`,
      });
  }
  if (Array.isArray(meta.finalizers)) {
    meta.finalizers.forEach((f, i) => {
      if (typeof f === 'string' && !f.startsWith('kubernetes'))
        out.push(...qualifiedName(`metadata.finalizers[${i}]`, f));
    });
  }
  return out;
}

export function asObj(v: unknown): Obj {
  return isObj(v) ? v : {};
}

export function asList(v: unknown): Obj[] {
  return Array.isArray(v) ? v.filter(isObj) : [];
}

const REASON = /^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/;

/** metav1.Condition lists (ValidateConditions). */
export function conditionRules(field: string, v: unknown): Cause[] {
  const out: Cause[] = [];
  const types = new Set<string>();
  asList(v).forEach((c, i) => {
    const f = `${field}[${i}]`;
    const type = typeof c.type === 'string' ? c.type : '';
    out.push(...qualifiedName(`${f}.type`, type));
    if (types.has(type)) out.push(duplicate(`${f}.type`, type));
    types.add(type);
    if (!['True', 'False', 'Unknown'].includes(String(c.status)))
      out.push(notSupported(`${f}.status`, c.status ?? '', ['False', 'True', 'Unknown']));
    if (typeof c.observedGeneration === 'number' && c.observedGeneration < 0)
      out.push(
        invalid(`${f}.observedGeneration`, c.observedGeneration, 'must be greater than or equal to zero'),
      );
    if (c.lastTransitionTime === undefined || c.lastTransitionTime === null || c.lastTransitionTime === '')
      out.push(required(`${f}.lastTransitionTime`, 'must be set'));
    const reason = typeof c.reason === 'string' ? c.reason : '';
    if (reason === '') out.push(required(`${f}.reason`, 'must be set'));
    else if (reason.length > 1024)
      out.push({
        reason: 'FieldValueTooLong',
        field: `${f}.reason`,
        message: 'Too long: may not be more than 1024 bytes',
      });
    else if (!REASON.test(reason))
      out.push(
        invalid(
          `${f}.reason`,
          reason,
          "a condition reason must start with alphabetic character, optionally followed by a string of alphanumeric characters or '_,:', and must end with an alphanumeric character or '_' (e.g. 'my_name',  or 'MY_NAME',  or 'MyName',  or 'ReasonA,ReasonB',  or 'ReasonA:ReasonB', regex used for validation is '[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?')",
        ),
      );
    if (typeof c.message === 'string' && c.message.length > 32768)
      out.push({
        reason: 'FieldValueTooLong',
        field: `${f}.message`,
        message: 'Too long: may not be more than 32768 bytes',
      });
  });
  return out;
}
