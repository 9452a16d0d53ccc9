// Which informer events can change what a controller derives from an object's desired side.
import { isDeepStrictEqual } from 'node:util';
import { ANNOTATION_ANNOUNCED } from '../api/announced.ts';
import type { InformerEvent } from './informer.ts';
import type { KubeObject } from './types.ts';

/** Annotations that report rather than ask (every replica writes them): not part of intent. */
const REPORTING_ANNOTATIONS: readonly string[] = [ANNOTATION_ANNOUNCED];

function askingAnnotations(a: Readonly<Record<string, string>> | undefined): unknown {
  if (!a || !REPORTING_ANNOTATIONS.some((k) => k in a)) return a;
  const out: Record<string, string> = { ...a };
  for (const k of REPORTING_ANNOTATIONS) delete out[k];
  // only reporting ones: the same as none
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * Everything but status, resourceVersion, managedFields and reporting annotations (the announced
 * summary): what the object asks for.
 */
function intent(o: KubeObject): unknown[] {
  const m = o.metadata;
  return [
    (o as { spec?: unknown }).spec,
    m.uid,
    m.labels,
    askingAnnotations(m.annotations),
    m.deletionTimestamp,
    m.finalizers,
    m.ownerReferences,
  ];
}

/**
 * False for an update that only touched status (or bookkeeping metadata): controllers whose output
 * depends on spec and metadata alone skip it. Our own status writes (BgpPeer per-node status,
 * Service ingress) and announced summaries would otherwise trigger a full recompute on every replica.
 */
export function intentChanged<T extends KubeObject>(ev: InformerEvent<T>): boolean {
  return ev.type !== 'update' || !isDeepStrictEqual(intent(ev.obj), intent(ev.old));
}

function withoutReports(o: KubeObject): unknown {
  const {
    resourceVersion: _rv,
    managedFields: _mf,
    annotations,
    ...meta
  } = o.metadata as KubeObject['metadata'] & {
    managedFields?: unknown;
  };
  return { ...o, metadata: { ...meta, annotations: askingAnnotations(annotations) } };
}

/**
 * True for an update that changed nothing but reporting annotations (and bookkeeping metadata): the
 * replicas' announced summaries. The allocator and the eTP=Local condition writer, which also read
 * status, skip these rather than treat every summary write as a reason to look at the Service again.
 */
export function onlyReportsChanged<T extends KubeObject>(ev: InformerEvent<T>): boolean {
  return ev.type === 'update' && isDeepStrictEqual(withoutReports(ev.obj), withoutReports(ev.old));
}
