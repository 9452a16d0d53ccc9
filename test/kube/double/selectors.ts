// Label selectors (full syntax) and field selectors (metadata.name / metadata.namespace).
import { badRequest } from './status.ts';
import { isObj, strMap, type Obj } from './json.ts';

type Req =
  | { op: 'eq' | 'ne'; key: string; value: string }
  | { op: 'in' | 'notin'; key: string; values: string[] }
  | { op: 'exists' | 'notexists'; key: string };

export type Matcher = (obj: Obj) => boolean;

/** Split on commas that are not inside parentheses. */
function splitTop(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out.map((x) => x.trim()).filter((x) => x !== '');
}

function parseLabelReq(term: string, whole: string): Req {
  let m = /^!\s*([A-Za-z0-9./_-]+)$/.exec(term);
  if (m?.[1]) return { op: 'notexists', key: m[1] };
  m = /^([A-Za-z0-9./_-]+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(term);
  if (m?.[1] && m[2] && m[3] !== undefined) {
    const values = m[3].split(',').map((v) => v.trim());
    return { op: m[2] === 'in' ? 'in' : 'notin', key: m[1], values };
  }
  m = /^([A-Za-z0-9./_-]+)\s*(==|=|!=)\s*([A-Za-z0-9._-]*)$/.exec(term);
  if (m?.[1] && m[2]) return { op: m[2] === '!=' ? 'ne' : 'eq', key: m[1], value: m[3] ?? '' };
  m = /^([A-Za-z0-9./_-]+)$/.exec(term);
  if (m?.[1]) return { op: 'exists', key: m[1] };
  throw badRequest(
    `unable to parse requirement: found '${term}', expected: identifier (in selector "${whole}")`,
  );
}

function matchReq(r: Req, labels: Record<string, string>): boolean {
  const has = Object.hasOwn(labels, r.key);
  const v = labels[r.key];
  switch (r.op) {
    case 'eq':
      return has && v === r.value;
    case 'ne':
      return !has || v !== r.value;
    case 'in':
      return has && r.values.includes(v ?? '');
    case 'notin':
      return !has || !r.values.includes(v ?? '');
    case 'exists':
      return has;
    case 'notexists':
      return !has;
  }
}

export function labelMatcher(selector: string | undefined): Matcher {
  if (!selector) return () => true;
  const reqs = splitTop(selector).map((t) => parseLabelReq(t, selector));
  return (obj) => {
    const labels = strMap(isObj(obj.metadata) ? obj.metadata.labels : undefined);
    return reqs.every((r) => matchReq(r, labels));
  };
}

/** Field paths a kind accepts beyond metadata.name / metadata.namespace. */
const EXTRA_FIELDS: Record<string, string[]> = {
  Pod: ['spec.nodeName', 'status.phase'],
  Event: [
    'involvedObject.kind',
    'involvedObject.name',
    'involvedObject.namespace',
    'involvedObject.uid',
    'involvedObject.apiVersion',
    'involvedObject.resourceVersion',
    'involvedObject.fieldPath',
    'reason',
    'reportingComponent',
    'source',
    'type',
  ],
  Secret: ['type'],
  Node: ['spec.unschedulable'],
};

/** Selector fields that are not plain paths. */
const ALIASES: Record<string, string> = { source: 'source.component' };

function fieldValue(obj: Obj, path: string): string {
  let cur: unknown = obj;
  path = ALIASES[path] ?? path;
  for (const p of path.split('.')) cur = isObj(cur) ? cur[p] : undefined;
  if (cur === undefined || cur === null) return '';
  return String(cur);
}

export function fieldMatcher(selector: string | undefined, kind: string): Matcher {
  if (!selector) return () => true;
  const allowed = ['metadata.name', 'metadata.namespace', ...(EXTRA_FIELDS[kind] ?? [])];
  const reqs: { key: string; neg: boolean; value: string }[] = [];
  for (const term of splitTop(selector)) {
    const m = /^([^=!]+)(==|=|!=)(.*)$/.exec(term);
    if (!m?.[1] || !m[2]) throw badRequest(`invalid selector: '${selector}'; can't understand '${term}'`);
    const key = m[1].trim();
    if (!allowed.includes(key)) {
      throw badRequest(`"${key}" is not a known field selector: only "metadata.name", "metadata.namespace"`);
    }
    reqs.push({ key, neg: m[2] === '!=', value: (m[3] ?? '').trim() });
  }
  return (obj) => reqs.every((r) => (fieldValue(obj, r.key) === r.value) !== r.neg);
}

/** Does a metav1.LabelSelector ({matchLabels, matchExpressions}) select these labels? */
export function labelSelectorMatches(sel: unknown, labels: Record<string, string>): boolean {
  if (!isObj(sel)) return true;
  for (const [k, v] of Object.entries(strMap(sel.matchLabels))) if (labels[k] !== v) return false;
  const exprs = Array.isArray(sel.matchExpressions) ? sel.matchExpressions : [];
  for (const e of exprs) {
    if (!isObj(e) || typeof e.key !== 'string') continue;
    const values = Array.isArray(e.values) ? e.values.map(String) : [];
    const has = Object.hasOwn(labels, e.key);
    const v = labels[e.key] ?? '';
    const ok =
      e.operator === 'In'
        ? has && values.includes(v)
        : e.operator === 'NotIn'
          ? !has || !values.includes(v)
          : e.operator === 'Exists'
            ? has
            : e.operator === 'DoesNotExist'
              ? !has
              : false;
    if (!ok) return false;
  }
  return true;
}
