// Answers from the API server made uniform: list items and single objects carry kind/apiVersion as watch
// objects do, and an error body is recognised as a Status.
import { apiVersionOf, type ResourceRef } from './resources.ts';
import type { StatusBody } from './types.ts';

export function parseStatus(text: string): StatusBody | undefined {
  try {
    const j = JSON.parse(text) as { kind?: unknown };
    if (j && j.kind === 'Status') return j as StatusBody;
  } catch {
    /* not JSON */
  }
  return undefined;
}

/** Give list items and single objects the kind/apiVersion that watch objects carry. */
export function normalize<T>(r: ResourceRef, o: T): T {
  if (o === null || typeof o !== 'object') return o;
  const obj = o as { kind?: string; apiVersion?: string };
  if (obj.kind === 'Status') return o;
  if (!obj.kind) obj.kind = r.kind;
  if (!obj.apiVersion) obj.apiVersion = apiVersionOf(r);
  return o;
}
