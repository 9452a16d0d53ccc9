// Writers for status, metadata and finalizers: explicit merge-patch content type, an explicit field
// manager, patches that name only the writer's own keys, and optimistic concurrency (the patch carries
// the resourceVersion it was computed from; a 409 means re-read, recompute, retry).
import { isDeepStrictEqual } from 'node:util';
import { Backoff, sleep } from '../core/backoff.ts';
import { OpenelbError } from '../core/errors.ts';
import type { KubeClient } from './client.ts';
import { isConflict, isNotFound } from './errors.ts';
import type { ResourceRef } from './resources.ts';
import type { KubeObject } from './types.ts';

export type MergePatch = Record<string, unknown>;

/** Between attempts after a 409: short (the next read is fresh) and jittered (replicas spread out). */
const CONFLICT_BACKOFF = { initialMs: 50, maxMs: 200, jitter: 0.6 };

export interface WriteTarget {
  name: string;
  namespace?: string;
}

export interface RetryOptions {
  /** Attempts after the first conflict. Default 5. */
  retries?: number;
  fieldManager?: string;
  /** Send the patch to /status. */
  subresource?: 'status';
  /**
   * Carry the read resourceVersion as a precondition (default true). Turn off only for keys no other
   * writer touches (e.g. this node's entry in a per-node status map).
   */
  precondition?: boolean;
}

/** Merge patch that turns map `from` into map `to`, naming only keys that change (null = remove). */
export function mapDiffPatch<V>(
  from: Record<string, V> | undefined,
  to: Record<string, V> | undefined,
): Record<string, V | null> {
  const out: Record<string, V | null> = {};
  const a = from ?? {};
  const b = to ?? {};
  for (const k of Object.keys(a)) if (!(k in b)) out[k] = null;
  for (const [k, v] of Object.entries(b)) if (!isDeepStrictEqual(a[k], v)) out[k] = v;
  return out;
}

export function isEmptyPatch(p: object): boolean {
  return Object.keys(p).length === 0;
}

export class ObjectWriter {
  private readonly client: KubeClient;
  readonly fieldManager: string;

  constructor(client: KubeClient, fieldManager?: string) {
    this.client = client;
    this.fieldManager = fieldManager ?? client.fieldManager;
  }

  /** One merge patch, optionally conditioned on `resourceVersion` (409 if stale). */
  mergePatch<T extends KubeObject>(
    ref: ResourceRef,
    target: WriteTarget,
    patch: MergePatch,
    opts: { subresource?: 'status'; resourceVersion?: string; fieldManager?: string } = {},
  ): Promise<T> {
    const body =
      opts.resourceVersion === undefined ? patch : withResourceVersion(patch, opts.resourceVersion);
    return this.client.patch<T>(ref, target.name, target.namespace, body, 'merge', {
      subresource: opts.subresource,
      fieldManager: opts.fieldManager ?? this.fieldManager,
    });
  }

  /**
   * Read → compute → conditional merge patch, retried on 409 with a fresh read. `compute` answers the
   * merge patch (own keys only) or undefined when nothing needs writing. Answers the written object,
   * the unchanged current object, or undefined when the object does not exist.
   */
  async update<T extends KubeObject>(
    ref: ResourceRef,
    target: WriteTarget,
    compute: (cur: T) => MergePatch | undefined,
    opts: RetryOptions = {},
  ): Promise<T | undefined> {
    const retries = opts.retries ?? 5;
    const backoff = new Backoff(CONFLICT_BACKOFF);
    for (let attempt = 0; ; attempt++) {
      let cur: T;
      try {
        cur = await this.client.get<T>(ref, target.name, target.namespace);
      } catch (e) {
        if (isNotFound(e)) return undefined;
        throw e;
      }
      const patch = compute(cur);
      if (patch === undefined || isEmptyPatch(patch)) return cur;
      try {
        return await this.mergePatch<T>(ref, target, patch, {
          subresource: opts.subresource,
          resourceVersion: opts.precondition === false ? undefined : cur.metadata.resourceVersion,
          fieldManager: opts.fieldManager,
        });
      } catch (e) {
        if (isNotFound(e)) return undefined;
        if (!isConflict(e) || attempt >= retries) throw e;
        await sleep(backoff.next());
      }
    }
  }

  /** Status write through /status; `compute` answers the `status` merge patch only. */
  updateStatus<T extends KubeObject>(
    ref: ResourceRef,
    target: WriteTarget,
    compute: (cur: T) => MergePatch | undefined,
    opts: Omit<RetryOptions, 'subresource'> = {},
  ): Promise<T | undefined> {
    if (!ref.hasStatus)
      throw new OpenelbError('OE_NO_STATUS', `${ref.kind} has no status subresource`, {
        context: { kind: ref.kind, name: target.name },
      });
    return this.update<T>(
      ref,
      target,
      (cur) => {
        const s = compute(cur);
        return s === undefined || isEmptyPatch(s) ? undefined : { status: s };
      },
      { ...opts, subresource: 'status' },
    );
  }

  /** Adds `finalizer` unless present or the object is being deleted. */
  ensureFinalizer<T extends KubeObject>(
    ref: ResourceRef,
    target: WriteTarget,
    finalizer: string,
  ): Promise<T | undefined> {
    return this.update<T>(ref, target, (cur) => {
      const f = cur.metadata.finalizers ?? [];
      if (f.includes(finalizer) || cur.metadata.deletionTimestamp) return undefined;
      return { metadata: { finalizers: [...f, finalizer] } };
    });
  }

  /** Removes `finalizer` if present, keeping everyone else's. */
  removeFinalizer<T extends KubeObject>(
    ref: ResourceRef,
    target: WriteTarget,
    finalizer: string,
  ): Promise<T | undefined> {
    return this.update<T>(ref, target, (cur) => {
      const f = cur.metadata.finalizers ?? [];
      if (!f.includes(finalizer)) return undefined;
      return { metadata: { finalizers: f.filter((x) => x !== finalizer) } };
    });
  }

  /** Sets (string) or removes (null) annotations, touching no other key. */
  setAnnotations<T extends KubeObject>(
    ref: ResourceRef,
    target: WriteTarget,
    annotations: Record<string, string | null>,
  ): Promise<T | undefined> {
    return this.update<T>(
      ref,
      target,
      (cur) => {
        const have = cur.metadata.annotations ?? {};
        const p: Record<string, string | null> = {};
        for (const [k, v] of Object.entries(annotations)) {
          if (v === null ? k in have : have[k] !== v) p[k] = v;
        }
        return isEmptyPatch(p) ? undefined : { metadata: { annotations: p } };
      },
      { precondition: false },
    );
  }
}

function withResourceVersion(patch: MergePatch, rv: string): MergePatch {
  const meta = (patch.metadata ?? {}) as Record<string, unknown>;
  return { ...patch, metadata: { ...meta, resourceVersion: rv } };
}
