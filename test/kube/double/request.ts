// The per-request context handlers share.
import type { KubeApi } from './api.ts';
import type { Obj } from './json.ts';
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
  /** The client's User-Agent: the default field manager is its product part. */
  userAgent?: string;
  /** Set by server-side apply: the managedFields the write stores (instead of Update tracking). */
  managedFields?: Obj[] | undefined;
}

/** fieldManager from the query, else what the apiserver derives from the User-Agent. */
export function fieldManager(r: Req): string {
  const m = r.query.get('fieldManager');
  if (m) return m;
  return (r.userAgent ?? '').split('/')[0]?.slice(0, 128) || 'unknown';
}

export function isDryRun(r: Req): boolean {
  return r.query.getAll('dryRun').includes('All');
}

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export function fieldValidation(r: Req): FieldValidation {
  const v = r.query.get('fieldValidation');
  return v === 'Strict' || v === 'Ignore' ? v : 'Warn';
}
