// Which informer events can change what a controller derives from an object's desired side.
import { isDeepStrictEqual } from 'node:util';
import type { InformerEvent } from './informer.ts';
import type { KubeObject } from './types.ts';

/** Everything but status, resourceVersion and managedFields: what the object asks for. */
function intent(o: KubeObject): unknown[] {
  const m = o.metadata;
  return [
    (o as { spec?: unknown }).spec,
    m.uid,
    m.labels,
    m.annotations,
    m.deletionTimestamp,
    m.finalizers,
    m.ownerReferences,
  ];
}

/**
 * False for an update that only touched status (or bookkeeping metadata): controllers whose output
 * depends on spec and metadata alone skip it. Our own status writes (BgpPeer per-node status,
 * Service ingress) would otherwise trigger a full recompute on every replica.
 */
export function intentChanged<T extends KubeObject>(ev: InformerEvent<T>): boolean {
  return ev.type !== 'update' || !isDeepStrictEqual(intent(ev.obj), intent(ev.old));
}
