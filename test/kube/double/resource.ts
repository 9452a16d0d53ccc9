// What the double knows about one served resource (built-in or from a CRD).
import type { Obj } from './json.ts';

export interface PrinterColumn {
  name: string;
  type: string;
  format?: string;
  description?: string;
  priority?: number;
  jsonPath: string;
}

export interface VersionDef {
  name: string;
  served: boolean;
  storage: boolean;
  /** openAPIV3Schema of this version (CRDs); built-ins have none. */
  schema?: Obj;
  printerColumns: PrinterColumn[];
  hasStatus: boolean;
  hasScale?: boolean;
  /** Set for a deprecated version: every request to it gets this as a `Warning` header. */
  deprecationWarning?: string;
}

export interface ConversionDef {
  strategy: 'None' | 'Webhook';
  clientConfig?: Obj;
  reviewVersions?: string[];
}

export interface ResourceDef {
  group: string;
  plural: string;
  singular: string;
  kind: string;
  listKind: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  verbs: string[];
  versions: VersionDef[];
  builtin: boolean;
  /** CRD name for custom resources. */
  crd?: string;
  conversion?: ConversionDef;
}

export function storageVersion(def: ResourceDef): string {
  return (def.versions.find((v) => v.storage) ?? def.versions[0])?.name ?? 'v1';
}

export function apiVersion(group: string, version: string): string {
  return group === '' ? version : `${group}/${version}`;
}

export function resourceKey(def: { group: string; plural: string }): string {
  return `${def.group}/${def.plural}`;
}

export const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
