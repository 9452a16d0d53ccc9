// The result shape every validator returns, and the small helpers they share. Validators are pure:
// objects in (as JSON, already through the CRD's structural schema on a real API server, but checked
// defensively so the reconcilers can run them on anything they find), field-named findings out.

export interface FieldIssue {
  /** Path in the object, Kubernetes style: `spec.conf.peerAs`, `spec.afiSafis[0].config`, `metadata.annotations[key]`. */
  field: string;
  message: string;
}

export interface ValidationResult {
  /** Any error denies the request. */
  errors: FieldIssue[];
  /** Returned to the client as admission warnings (kubectl prints them); never deny. */
  warnings: FieldIssue[];
}

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type JsonRecord = Record<string, unknown>;

export class Issues {
  readonly errors: FieldIssue[] = [];
  readonly warnings: FieldIssue[] = [];
  error(field: string, message: string): void {
    this.errors.push({ field, message });
  }
  warn(field: string, message: string): void {
    this.warnings.push({ field, message });
  }
  result(): ValidationResult {
    return { errors: this.errors, warnings: this.warnings };
  }
}

export function formatIssue(i: FieldIssue): string {
  return `${i.field}: ${i.message}`;
}

export function isRecord(v: unknown): v is JsonRecord {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function recordAt(o: unknown, key: string): JsonRecord | undefined {
  if (!isRecord(o)) return undefined;
  const v = o[key];
  return isRecord(v) ? v : undefined;
}

/** JSON rendering for messages: strings quoted, everything else as JSON. */
export function show(v: unknown): string {
  return JSON.stringify(v) ?? String(v);
}

/** Integer check with an inclusive range; records an error and answers undefined when it fails. */
export function intInRange(
  issues: Issues,
  field: string,
  v: unknown,
  min: number,
  max: number,
  hint = '',
): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    issues.error(field, `Invalid value: ${show(v)}: must be an integer${hint}`);
    return undefined;
  }
  if (v < min || v > max) {
    issues.error(field, `Invalid value: ${v}: must be between ${min} and ${max}${hint}`);
    return undefined;
  }
  return v;
}

/** Follows a field path as written in FieldIssue.field; undefined when any step is missing. */
export function valueAt(obj: unknown, field: string): unknown {
  let cur: unknown = obj;
  const re = /([^.[\]]+)|\[([^\]]*)\]/g;
  for (let m = re.exec(field); m !== null; m = re.exec(field)) {
    const key = m[1] ?? m[2] ?? '';
    if (Array.isArray(cur)) {
      if (!/^\d+$/.test(key)) return undefined;
      cur = cur[Number(key)];
    } else if (isRecord(cur)) {
      cur = cur[key];
    } else {
      return undefined;
    }
  }
  return cur;
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => deepEqual(x, b[i]));
  }
  if (isRecord(a) && isRecord(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => deepEqual(a[k], b[k]));
  }
  return false;
}

/**
 * Ratcheting for updates: an error the stored object already had, on a field the update does not
 * change (an older manager, a direct etcd write, a rule added later). Denying it would block every
 * unrelated edit, including the finalizer removal that lets the object go, so it becomes a warning
 * instead. `stored` is the stored object's own verdict: an error reported on an unchanged field that
 * the stored object did not have is new — a rule across fields or list elements (keepaliveInterval
 * against holdTime, a duplicate family) reports where it looks, not what changed — and is denied.
 */
export function ratchet(
  result: ValidationResult,
  obj: unknown,
  oldObj: unknown,
  stored: ValidationResult,
): ValidationResult {
  if (oldObj === undefined || oldObj === null) return result;
  const had = new Set(stored.errors.map((e) => e.field));
  const errors: FieldIssue[] = [];
  const warnings = [...result.warnings];
  for (const e of result.errors) {
    if (had.has(e.field) && deepEqual(valueAt(obj, e.field), valueAt(oldObj, e.field))) {
      warnings.push({
        field: e.field,
        message: `${e.message} (already stored; allowed because this update does not change it)`,
      });
    } else {
      errors.push(e);
    }
  }
  return { errors, warnings };
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

export function isDnsLabel(s: string): boolean {
  return s.length <= 63 && DNS_LABEL.test(s);
}

export function isDnsSubdomain(s: string): boolean {
  return s.length <= 253 && DNS_SUBDOMAIN.test(s);
}

/** A label key: optional DNS-subdomain prefix + "/" + a name of at most 63 characters. */
export function isLabelKey(s: string): boolean {
  const slash = s.lastIndexOf('/');
  const name = slash >= 0 ? s.slice(slash + 1) : s;
  if (slash >= 0 && !isDnsSubdomain(s.slice(0, slash))) return false;
  return name.length <= 63 && LABEL_NAME.test(name);
}

export function isLabelValue(s: string): boolean {
  return s === '' || (s.length <= 63 && LABEL_NAME.test(s));
}

/** How many orphaned addresses / overlapping pools a message lists before "and N more". */
const LIST_MAX = 8;

export function listMore(items: string[]): string {
  const shown = items.slice(0, LIST_MAX).join(', ');
  return items.length > LIST_MAX ? `${shown} and ${items.length - LIST_MAX} more` : shown;
}
