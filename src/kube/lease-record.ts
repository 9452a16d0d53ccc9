// The Lease records a holder writes: created, claimed (taken over or renewed) and released. Pure.
import type { Lease } from './types.ts';

export function newLease(
  meta: { name: string; namespace: string; labels: Record<string, string> | undefined },
  identity: string,
  leaseDurationSeconds: number,
  stamp: string,
): Lease {
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: {
      name: meta.name,
      namespace: meta.namespace,
      ...(meta.labels ? { labels: meta.labels } : {}),
    },
    spec: {
      holderIdentity: identity,
      leaseDurationSeconds,
      acquireTime: stamp,
      renewTime: stamp,
      leaseTransitions: 0,
    },
  };
}

/** `cur` held by `identity` from now on: a renewal when it already was, else a transition. */
export function claimedLease(
  cur: Lease,
  identity: string,
  leaseDurationSeconds: number,
  stamp: string,
): Lease {
  const weHold = (cur.spec.holderIdentity || undefined) === identity;
  return {
    ...cur,
    spec: {
      ...cur.spec,
      holderIdentity: identity,
      leaseDurationSeconds,
      renewTime: stamp,
      acquireTime: weHold ? (cur.spec.acquireTime ?? stamp) : stamp,
      leaseTransitions: (cur.spec.leaseTransitions ?? 0) + (weHold ? 0 : 1),
    },
  };
}

/** No holder, expiring at once: a successor need not wait out our duration. */
export function releasedLease(cur: Lease, stamp: string): Lease {
  return {
    ...cur,
    spec: { ...cur.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: stamp, acquireTime: stamp },
  };
}

/** Changes whenever another writer touches the Lease (holder, renewal or any other write). */
export function observationKey(l: Lease): string {
  return `${l.spec.holderIdentity || ''}|${l.spec.renewTime ?? ''}|${l.metadata.resourceVersion ?? ''}`;
}
