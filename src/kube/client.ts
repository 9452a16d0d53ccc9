// A small JSON client: requests go over node:http(s) with keep-alive pools (transport.ts), with
// credentials and TLS material from client-node's KubeConfig (client-node's own fetch layer only for
// clusters behind a proxy). Every answer is plain JSON — no generated model classes, no Date
// objects — so list items, GET/PATCH results and watch objects all have one shape. Every write names
// its Content-Type and fieldManager explicitly.
import { HttpMethod, type KubeConfig } from '@kubernetes/client-node';
import { Timer } from '../core/timer.ts';
import { ClientNodeFetch } from './client-node-fetch.ts';
import { KubeApiError, isGone } from './errors.ts';
import { normalize, parseStatus } from './normalize.ts';
import {
  PatchType,
  type ClientOptions,
  type ListOptions,
  type PatchKind,
  type RequestOptions,
  type WriteOptions,
} from './request-types.ts';
import { ApiTransport } from './transport.ts';
import { apiVersionOf, resourcePath, type ResourceRef } from './resources.ts';
import type { KubeObject, ObjectList, StatusBody } from './types.ts';
import { VERSION } from '../version.ts';
import { OpenelbError, errorMessage } from '../core/errors.ts';

export { PatchType } from './request-types.ts';
export type {
  ClientOptions,
  JsonPatchOp,
  ListOptions,
  PatchKind,
  Query,
  RequestOptions,
  WriteOptions,
} from './request-types.ts';
export { normalize } from './normalize.ts';

export class KubeClient {
  readonly kubeConfig: KubeConfig;
  readonly fieldManager: string;
  private readonly userAgent: string;
  private readonly requestTimeoutMs: number;
  private readonly transport: ApiTransport | undefined;
  private readonly viaClientNode: ClientNodeFetch;

  constructor(kc: KubeConfig, opts: ClientOptions = {}) {
    this.kubeConfig = kc;
    this.fieldManager = opts.fieldManager ?? 'openelb-manager';
    this.userAgent = opts.userAgent ?? `openelb-manager/${VERSION}`;
    this.requestTimeoutMs = opts.requestTimeoutMs ?? 30_000;
    this.transport = ApiTransport.supports(kc) ? new ApiTransport(kc) : undefined;
    this.viaClientNode = new ClientNodeFetch(kc);
  }

  /** Closes idle keep-alive connections (the process can exit without waiting for them). */
  close(): void {
    this.transport?.close();
  }

  get server(): string {
    const c = this.kubeConfig.getCurrentCluster();
    if (!c) throw new OpenelbError('OE_KUBECONFIG', 'kubeconfig has no current cluster');
    return c.server.replace(/\/+$/, '');
  }

  private headers(contentType: string | undefined): Record<string, string> {
    const h: Record<string, string> = { accept: 'application/json', 'user-agent': this.userAgent };
    if (contentType) h['content-type'] = contentType;
    return h;
  }

  /** One HTTP request; resolves to the parsed JSON body, rejects with KubeApiError on non-2xx. */
  async request<T>(method: HttpMethod, path: string, opts: RequestOptions = {}): Promise<T> {
    const url = new URL(this.server + path);
    for (const [k, v] of Object.entries(opts.query ?? {})) {
      if (v !== undefined) url.searchParams.set(k, String(v));
    }
    // not AbortSignal.timeout: its timer cannot be cleared and would outlive every request by the
    // whole deadline (thousands of live timers after a burst)
    const deadline = new AbortController();
    const timeoutMs = opts.timeoutMs ?? this.requestTimeoutMs;
    const timer = new Timer(
      () =>
        deadline.abort(
          new DOMException(`${method} ${path}: no answer within ${timeoutMs} ms`, 'TimeoutError'),
        ),
      { unref: false },
    );
    timer.restart(timeoutMs);
    const signal = opts.signal ? AbortSignal.any([deadline.signal, opts.signal]) : deadline.signal;
    const body = opts.body !== undefined ? JSON.stringify(opts.body) : undefined;
    const headers = this.headers(body !== undefined ? (opts.contentType ?? 'application/json') : undefined);
    let answer: { status: number; text: string };
    try {
      answer = await (this.transport ?? this.viaClientNode).send(method, url, headers, body, signal);
    } finally {
      timer.cancel();
    }
    const { status, text } = answer;
    if (status < 200 || status > 299) {
      throw new KubeApiError(method, path, status, parseStatus(text), text);
    }
    if (text === '') return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch (e) {
      throw new OpenelbError(
        'OE_API_RESPONSE',
        `${method} ${path}: response is not JSON: ${errorMessage(e)}`,
        {
          context: { method, path },
          cause: e,
        },
      );
    }
  }

  async get<T extends KubeObject>(
    r: ResourceRef,
    name: string,
    namespace?: string,
    subresource?: 'status',
  ): Promise<T> {
    const o = await this.request<T>(HttpMethod.GET, resourcePath(r, { namespace, name, subresource }));
    return normalize(r, o);
  }

  /** GET that answers undefined for 404. */
  async getOrUndefined<T extends KubeObject>(
    r: ResourceRef,
    name: string,
    namespace?: string,
  ): Promise<T | undefined> {
    try {
      return await this.get<T>(r, name, namespace);
    } catch (e) {
      if (e instanceof KubeApiError && e.httpStatus === 404) return undefined;
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
    const path = resourcePath(r, {
      namespace: obj.metadata.namespace,
      name: obj.metadata.name,
      subresource: opts.subresource,
    });
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
    r: ResourceRef,
    name: string,
    namespace: string | undefined,
    patch: unknown,
    kind: PatchKind,
    opts: WriteOptions = {},
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
    r: ResourceRef,
    name: string,
    namespace?: string,
    opts: { uid?: string; resourceVersion?: string } = {},
  ): Promise<KubeObject | StatusBody> {
    const preconditions =
      opts.uid !== undefined || opts.resourceVersion !== undefined
        ? { uid: opts.uid, resourceVersion: opts.resourceVersion }
        : undefined;
    return this.request(HttpMethod.DELETE, resourcePath(r, { namespace, name }), {
      body: preconditions ? { kind: 'DeleteOptions', apiVersion: 'v1', preconditions } : undefined,
    });
  }
}
