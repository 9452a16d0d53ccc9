// A small JSON client over client-node 2.x's own HTTP layer (RequestContext + the KubeConfig's auth and
// TLS dispatcher + IsomorphicFetchHttpLibrary). Every answer is plain JSON — no generated model classes,
// no Date objects — so list items, GET/PATCH results and watch objects all have one shape. Every write
// names its Content-Type and fieldManager explicitly.
import { HttpMethod, IsomorphicFetchHttpLibrary, RequestContext, type KubeConfig } from '@kubernetes/client-node';
import { KubeApiError, isGone } from './errors.ts';
import { apiVersionOf, resourcePath, type ResourceRef } from './resources.ts';
import type { KubeObject, ObjectList, StatusBody } from './types.ts';
import { VERSION } from '../version.ts';

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

const http = new IsomorphicFetchHttpLibrary();

export class KubeClient {
  readonly kubeConfig: KubeConfig;
  readonly fieldManager: string;
  private readonly userAgent: string;
  private readonly requestTimeoutMs: number;

  constructor(kc: KubeConfig, opts: ClientOptions = {}) {
    this.kubeConfig = kc;
    this.fieldManager = opts.fieldManager ?? 'openelb-manager';
    this.userAgent = opts.userAgent ?? `openelb-manager/${VERSION}`;
    this.requestTimeoutMs = opts.requestTimeoutMs ?? 30_000;
  }

  get server(): string {
    const c = this.kubeConfig.getCurrentCluster();
    if (!c) throw new Error('kubeconfig has no current cluster');
    return c.server.replace(/\/+$/, '');
  }

  /** One HTTP request; resolves to the parsed JSON body, rejects with KubeApiError on non-2xx. */
  async request<T>(method: HttpMethod, path: string, opts: RequestOptions = {}): Promise<T> {
    const url = new URL(this.server + path);
    for (const [k, v] of Object.entries(opts.query ?? {})) {
      if (v !== undefined) url.searchParams.set(k, String(v));
    }
    const ctx = new RequestContext(url.toString(), method);
    ctx.setHeaderParam('Accept', 'application/json');
    ctx.setHeaderParam('User-Agent', this.userAgent);
    if (opts.body !== undefined) {
      ctx.setHeaderParam('Content-Type', opts.contentType ?? 'application/json');
      ctx.setBody(JSON.stringify(opts.body));
    }
    const deadline = AbortSignal.timeout(opts.timeoutMs ?? this.requestTimeoutMs);
    ctx.setSignal(opts.signal ? AbortSignal.any([deadline, opts.signal]) : deadline);
    await this.kubeConfig.applySecurityAuthentication(ctx);
    const res = await http.send(ctx).toPromise();
    const text = await res.body.text();
    if (res.httpStatusCode < 200 || res.httpStatusCode > 299) {
      throw new KubeApiError(method, path, res.httpStatusCode, parseStatus(text), text);
    }
    if (text === '') return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch (e) {
      throw new Error(`${method} ${path}: response is not JSON: ${(e as Error).message}`, { cause: e });
    }
  }

  async get<T extends KubeObject>(r: ResourceRef, name: string, namespace?: string, subresource?: 'status'): Promise<T> {
    const o = await this.request<T>(HttpMethod.GET, resourcePath(r, { namespace, name, subresource }));
    return normalize(r, o);
  }

  /** GET that answers undefined for 404. */
  async getOrUndefined<T extends KubeObject>(r: ResourceRef, name: string, namespace?: string): Promise<T | undefined> {
    try {
      return await this.get<T>(r, name, namespace);
    } catch (e) {
      if (e instanceof KubeApiError && e.code === 404) return undefined;
      throw e;
    }
  }

  /** Full list (all pages), items normalised to carry kind/apiVersion like watch objects do. */
  async list<T extends KubeObject>(r: ResourceRef, opts: ListOptions = {}): Promise<ObjectList<T>> {
    const path = resourcePath(r, { namespace: opts.namespace });
    const limit = opts.limit ?? 500;
    for (let attempt = 0; ; attempt++) {
      const items: T[] = [];
      let cont: string | undefined;
      let first: ObjectList<T> | undefined;
      try {
        do {
          const page = await this.request<ObjectList<T>>(HttpMethod.GET, path, {
            query: {
              labelSelector: opts.labelSelector,
              fieldSelector: opts.fieldSelector,
              limit: limit > 0 ? limit : undefined,
              continue: cont,
            },
            signal: opts.signal,
          });
          first ??= page;
          for (const it of page.items ?? []) items.push(normalize(r, it));
          cont = page.metadata?.continue || undefined;
        } while (cont !== undefined);
      } catch (e) {
        // An expired continue token: start the list again (bounded).
        if (cont !== undefined && isGone(e) && attempt < 3) continue;
        throw e;
      }
      return {
        apiVersion: first?.apiVersion ?? apiVersionOf(r),
        kind: first?.kind ?? `${r.kind}List`,
        metadata: { resourceVersion: first?.metadata?.resourceVersion },
        items,
      };
    }
  }

  async create<T extends KubeObject>(r: ResourceRef, obj: unknown, opts: WriteOptions = {}): Promise<T> {
    const ns = (obj as { metadata?: { namespace?: string } }).metadata?.namespace;
    const o = await this.request<T>(HttpMethod.POST, resourcePath(r, { namespace: ns }), {
      body: obj,
      contentType: 'application/json',
      query: { fieldManager: opts.fieldManager ?? this.fieldManager },
    });
    return normalize(r, o);
  }

  /** PUT; carries the object's metadata.resourceVersion, so a stale copy gets 409. */
  async replace<T extends KubeObject>(r: ResourceRef, obj: T, opts: WriteOptions = {}): Promise<T> {
    const path = resourcePath(r, { namespace: obj.metadata.namespace, name: obj.metadata.name, subresource: opts.subresource });
    const o = await this.request<T>(HttpMethod.PUT, path, {
      body: obj,
      contentType: 'application/json',
      query: { fieldManager: opts.fieldManager ?? this.fieldManager },
    });
    return normalize(r, o);
  }

  /**
   * PATCH with an explicit content type. Custom resources accept only `merge` and `json` (the server
   * answers 415 for `strategic`).
   */
  async patch<T extends KubeObject>(
    r: ResourceRef, name: string, namespace: string | undefined, patch: unknown, kind: PatchKind, opts: WriteOptions = {},
  ): Promise<T> {
    const path = resourcePath(r, { namespace, name, subresource: opts.subresource });
    const o = await this.request<T>(HttpMethod.PATCH, path, {
      body: patch,
      contentType: PatchType[kind],
      query: { fieldManager: opts.fieldManager ?? this.fieldManager },
    });
    return normalize(r, o);
  }

  /** DELETE; answers the object (finalizers pending) or a Success Status. */
  async delete(
    r: ResourceRef, name: string, namespace?: string, opts: { uid?: string; resourceVersion?: string } = {},
  ): Promise<KubeObject | StatusBody> {
    const preconditions = opts.uid !== undefined || opts.resourceVersion !== undefined
      ? { uid: opts.uid, resourceVersion: opts.resourceVersion } : undefined;
    return this.request(HttpMethod.DELETE, resourcePath(r, { namespace, name }), {
      body: preconditions ? { kind: 'DeleteOptions', apiVersion: 'v1', preconditions } : undefined,
    });
  }
}

function parseStatus(text: string): StatusBody | undefined {
  try {
    const j = JSON.parse(text) as { kind?: unknown };
    if (j && j.kind === 'Status') return j as StatusBody;
  } catch { /* not JSON */ }
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
