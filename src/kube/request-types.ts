// The shapes of requests KubeClient sends: patch content types, query, per-request and per-call options.
export const PatchType = Object.freeze({
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
  strategic: 'application/strategic-merge-patch+json',
});
export type PatchKind = keyof typeof PatchType;

export type Query = Record<string, string | number | boolean | undefined>;

export interface RequestOptions {
  query?: Query;
  /** Serialised as JSON. */
  body?: unknown;
  contentType?: string;
  /** Per-request deadline; default the client's requestTimeoutMs. */
  timeoutMs?: number;
  /** Cancels the request (e.g. on shutdown). */
  signal?: AbortSignal;
}

export interface ClientOptions {
  /** Default field manager for writes. */
  fieldManager?: string;
  userAgent?: string;
  requestTimeoutMs?: number;
}

export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Page size; pages are fetched until the list is complete. 0 = no paging. */
  limit?: number;
  signal?: AbortSignal;
}

export interface WriteOptions {
  fieldManager?: string;
  subresource?: 'status';
}

export interface JsonPatchOp {
  op: 'add' | 'remove' | 'replace' | 'test' | 'move' | 'copy';
  path: string;
  value?: unknown;
  from?: string;
}
