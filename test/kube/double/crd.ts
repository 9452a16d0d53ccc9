// CustomResourceDefinition objects → served resources, plus the status a real apiserver writes.
import { isObj, nowRfc3339, str, type Obj } from './json.ts';
import {
  ALL_VERBS,
  type ConversionDef,
  type PrinterColumn,
  type ResourceDef,
  type VersionDef,
} from './resource.ts';
import type { Cause } from './status.ts';

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

function columnsOf(v: unknown): PrinterColumn[] {
  if (!Array.isArray(v)) return [];
  return v.filter(isObj).map((c) => {
    const pc: PrinterColumn = {
      name: String(c.name ?? ''),
      type: String(c.type ?? 'string'),
      jsonPath: String(c.jsonPath ?? ''),
    };
    if (typeof c.format === 'string') pc.format = c.format;
    if (typeof c.description === 'string') pc.description = c.description;
    if (typeof c.priority === 'number') pc.priority = c.priority;
    return pc;
  });
}

/** Basic structural checks a real apiserver makes before accepting a CRD. */
export function validateCrd(crd: Obj): Cause[] {
  const causes: Cause[] = [];
  const spec = isObj(crd.spec) ? crd.spec : {};
  const names = isObj(spec.names) ? spec.names : {};
  const group = str(spec.group) ?? '';
  const plural = str(names.plural) ?? '';
  const name = isObj(crd.metadata) ? str(crd.metadata.name) : undefined;
  if (!group) causes.push({ reason: 'FieldValueRequired', field: 'spec.group', message: 'Required value' });
  if (!plural)
    causes.push({ reason: 'FieldValueRequired', field: 'spec.names.plural', message: 'Required value' });
  if (!str(names.kind))
    causes.push({ reason: 'FieldValueRequired', field: 'spec.names.kind', message: 'Required value' });
  if (name !== `${plural}.${group}`) {
    causes.push({
      reason: 'FieldValueInvalid',
      field: 'metadata.name',
      message: `Invalid value: "${name ?? ''}": must be spec.names.plural+"."+spec.group`,
    });
  }
  const scope = spec.scope;
  if (scope !== 'Cluster' && scope !== 'Namespaced') {
    causes.push({
      reason: 'FieldValueNotSupported',
      field: 'spec.scope',
      message: `Unsupported value: "${String(scope ?? '')}": supported values: "Cluster", "Namespaced"`,
    });
  }
  const versions = Array.isArray(spec.versions) ? spec.versions.filter(isObj) : [];
  if (versions.length === 0)
    causes.push({
      reason: 'FieldValueInvalid',
      field: 'spec.versions',
      message: 'Invalid value: null: must have exactly one version marked as storage version',
    });
  else if (versions.filter((v) => v.storage === true).length !== 1) {
    causes.push({
      reason: 'FieldValueInvalid',
      field: 'spec.versions',
      message: `Invalid value: ${JSON.stringify(versions.map((v) => ({ name: v.name })))}: must have exactly one version marked as storage version`,
    });
  }
  versions.forEach((v, i) => {
    const schema = isObj(v.schema) ? v.schema.openAPIV3Schema : undefined;
    if (!isObj(schema))
      causes.push({
        reason: 'FieldValueRequired',
        field: `spec.versions[${i}].schema.openAPIV3Schema`,
        message: 'Required value: schemas are required',
      });
    else if (schema.type !== 'object')
      causes.push({
        reason: 'FieldValueRequired',
        field: `spec.versions[${i}].schema.openAPIV3Schema.type`,
        message: 'Required value: must not be empty at the root',
      });
  });
  return causes;
}

export function crdToDef(crd: Obj): ResourceDef | undefined {
  const spec = isObj(crd.spec) ? crd.spec : undefined;
  const names = spec && isObj(spec.names) ? spec.names : undefined;
  if (!spec || !names) return undefined;
  const kind = str(names.kind) ?? '';
  const versions: VersionDef[] = (Array.isArray(spec.versions) ? spec.versions : [])
    .filter(isObj)
    .map((v) => {
      const sub = isObj(v.subresources) ? v.subresources : {};
      const vd: VersionDef = {
        name: String(v.name),
        served: v.served !== false,
        storage: v.storage === true,
        printerColumns: columnsOf(v.additionalPrinterColumns),
        hasStatus: isObj(sub.status),
        hasScale: isObj(sub.scale),
      };
      if (isObj(v.schema) && isObj(v.schema.openAPIV3Schema)) vd.schema = v.schema.openAPIV3Schema;
      if (v.deprecated === true)
        vd.deprecationWarning =
          str(v.deprecationWarning) ?? `${String(spec.group)}/${vd.name} ${kind} is deprecated`;
      return vd;
    });
  const conv = isObj(spec.conversion) ? spec.conversion : {};
  const conversion: ConversionDef = { strategy: conv.strategy === 'Webhook' ? 'Webhook' : 'None' };
  if (isObj(conv.webhook)) {
    if (isObj(conv.webhook.clientConfig)) conversion.clientConfig = conv.webhook.clientConfig;
    conversion.reviewVersions = strings(conv.webhook.conversionReviewVersions);
  }
  return {
    group: String(spec.group),
    plural: String(names.plural),
    singular: str(names.singular) ?? kind.toLowerCase(),
    kind,
    listKind: str(names.listKind) ?? `${kind}List`,
    namespaced: spec.scope === 'Namespaced',
    shortNames: strings(names.shortNames),
    categories: strings(names.categories),
    verbs: ALL_VERBS,
    versions,
    builtin: false,
    crd: isObj(crd.metadata) ? String(crd.metadata.name) : '',
    conversion,
  };
}

/** Defaults the apiserver fills into a CRD object. */
export function defaultCrd(crd: Obj): void {
  const spec = isObj(crd.spec) ? crd.spec : undefined;
  if (!spec) return;
  const names = isObj(spec.names) ? spec.names : undefined;
  if (names) {
    if (names.singular === undefined && typeof names.kind === 'string')
      names.singular = names.kind.toLowerCase();
    if (names.listKind === undefined && typeof names.kind === 'string') names.listKind = `${names.kind}List`;
  }
  // additionalPrinterColumns[].priority is not filled in: it is `omitempty` in the apiserver's types,
  // so a real server never shows `priority: 0` (and a stored 0 would make an identical server-side
  // apply of the manifest conflict on the atomic spec.versions list).
  if (!isObj(spec.conversion)) spec.conversion = { strategy: 'None' };
}

/** The status a controller-less apiserver still writes: accepted names, Established, storedVersions. */
export function crdStatus(crd: Obj, previous?: Obj): Obj {
  const spec = isObj(crd.spec) ? crd.spec : {};
  const names = isObj(spec.names) ? spec.names : {};
  const now = nowRfc3339();
  const prevStatus = previous && isObj(previous.status) ? previous.status : {};
  const stored = new Set(strings(prevStatus.storedVersions));
  for (const v of Array.isArray(spec.versions) ? spec.versions.filter(isObj) : [])
    if (v.storage === true) stored.add(String(v.name));
  const prevConds = Array.isArray(prevStatus.conditions) ? prevStatus.conditions.filter(isObj) : [];
  // a condition that stays True keeps the time it became True
  const since = (type: string): string => {
    const p = prevConds.find((c) => c.type === type && c.status === 'True');
    return typeof p?.lastTransitionTime === 'string' ? p.lastTransitionTime : now;
  };
  const cond = (type: string, reason: string, message: string): Obj => ({
    type,
    status: 'True',
    lastTransitionTime: since(type),
    reason,
    message,
  });
  return {
    acceptedNames: { ...names },
    conditions: [
      cond('NamesAccepted', 'NoConflicts', 'no conflicts found'),
      cond('Established', 'InitialNamesAccepted', 'the initial names have been accepted'),
    ],
    storedVersions: [...stored],
  };
}
