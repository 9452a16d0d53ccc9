// The per-request context handlers share.
import type { KubeApi } from './api.ts';
import type { ResourcePath } from './paths.ts';
import type { ResourceDef, VersionDef } from './resource.ts';

export interface Req {
  api: KubeApi;
  def: ResourceDef;
  version: VersionDef;
  path: ResourcePath;
  query: URLSearchParams;
  contentType: string;
  accept: string;
  /** Values for `Warning: 299 - "..."` response headers. */
  warnings: string[];
}

export function isDryRun(r: Req): boolean {
  return r.query.getAll('dryRun').includes('All');
}

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export function fieldValidation(r: Req): FieldValidation {
  const v = r.query.get('fieldValidation');
  return v === 'Strict' || v === 'Ignore' ? v : 'Warn';
}
