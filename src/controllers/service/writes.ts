// The allocator's writes, each guarded by "do we still hold the Lease with margin" and carrying the
// resourceVersion the decision was based on (a 409 means someone else wrote: re-read, decide again).
//   - commitPool: Eip status (used, serviceUIDs, derived fields, conditions) in ONE write per pool per
//     tick, then the finalizer edit if one is due;
//   - writeIngress: Service status.loadBalancer.ingress;
//   - dropFinalizer: OpenELB's Service finalizer once nothing is held.
import type { Eip } from '../../api/v1alpha2.ts';
import { FINALIZER_LB } from '../../api/names.ts';
import { OpenelbError } from '../../core/errors.ts';
import { err, ok, type Result } from '../../core/result.ts';
import { isConflict, isNotFound, type KubeClient } from '../../kube/index.ts';
import { Resources } from '../../kube/resources.ts';
import type { Service } from '../../kube/types.ts';
import { eipFinalizers, eipStatusPatch } from '../eip/patch.ts';
import type { PoolEntry } from './pools.ts';

/** The allocator Lease is not held (or about to expire): nothing may be written. */
export class LostLeadership extends OpenelbError {
  constructor(message: string) {
    super('OE_LOST_LEADERSHIP', message);
    this.name = 'LostLeadership';
  }
}

export interface WriteDeps {
  client: KubeClient;
  /** Throws LostLeadership unless we hold the Lease with enough time left for one request. */
  guard: () => void;
  maxAllocations: number;
  now: () => string;
  /** An Eip write succeeded (its answer and the resourceVersion it was conditioned on). */
  onEipWritten?: (written: Eip, baseResourceVersion: string) => void;
  /** Runs right after an Eip status write, before anything else (see ManagerSeams). */
  afterEipStatusWrite?: (written: Eip) => void;
}

export type CommitResult = 'written' | 'unchanged' | 'conflict' | 'gone';

export async function commitPool(d: WriteDeps, pool: PoolEntry): Promise<CommitResult> {
  let result: CommitResult = 'unchanged';
  try {
    const want = pool.desiredStatus(d.maxAllocations, d.now());
    const patch = eipStatusPatch(pool.eip.status, want);
    if (Object.keys(patch).length > 0) {
      d.guard();
      const base = pool.eip.metadata.resourceVersion ?? '';
      const written = await d.client.patch<Eip>(
        Resources.Eip,
        pool.name,
        undefined,
        { metadata: { resourceVersion: base }, status: patch },
        'merge',
        { subresource: 'status' },
      );
      pool.eip = written;
      d.onEipWritten?.(written, base);
      result = 'written';
      d.afterEipStatusWrite?.(written);
    }
    const fin = eipFinalizers(pool.eip, pool.ledger?.claims ?? 0);
    if (fin) {
      d.guard();
      const base = pool.eip.metadata.resourceVersion ?? '';
      pool.eip = await d.client.patch<Eip>(
        Resources.Eip,
        pool.name,
        undefined,
        { metadata: { resourceVersion: base, finalizers: fin } },
        'merge',
      );
      d.onEipWritten?.(pool.eip, base);
      result = 'written';
    }
    pool.dirty = false;
    return result;
  } catch (e) {
    if (isNotFound(e)) return 'gone';
    if (!isConflict(e)) throw e;
    const fresh = await d.client.getOrUndefined<Eip>(Resources.Eip, pool.name);
    if (!fresh) return 'gone';
    pool.reset(fresh);
    return 'conflict';
  }
}

/** The Service as written, or why it was not: a 409 (`conflict`, retried) or a 404 (`gone`). */
export type ServiceWrite = Result<Service, 'conflict' | 'gone'>;

export async function writeIngress(
  d: WriteDeps,
  svc: Service,
  ips: readonly string[],
): Promise<ServiceWrite> {
  d.guard();
  try {
    const out = await d.client.patch<Service>(
      Resources.Service,
      svc.metadata.name,
      svc.metadata.namespace,
      {
        metadata: { resourceVersion: svc.metadata.resourceVersion },
        status: { loadBalancer: { ingress: ips.length > 0 ? ips.map((ip) => ({ ip })) : null } },
      },
      'merge',
      { subresource: 'status' },
    );
    return ok(out);
  } catch (e) {
    if (isNotFound(e)) return err('gone');
    if (isConflict(e)) return err('conflict');
    throw e;
  }
}

export async function dropFinalizer(d: WriteDeps, svc: Service): Promise<ServiceWrite> {
  const f = svc.metadata.finalizers ?? [];
  if (!f.includes(FINALIZER_LB)) return ok(svc);
  d.guard();
  try {
    const out = await d.client.patch<Service>(
      Resources.Service,
      svc.metadata.name,
      svc.metadata.namespace,
      {
        metadata: {
          resourceVersion: svc.metadata.resourceVersion,
          finalizers: f.filter((x) => x !== FINALIZER_LB),
        },
      },
      'merge',
    );
    return ok(out);
  } catch (e) {
    if (isNotFound(e)) return err('gone');
    if (isConflict(e)) return err('conflict');
    throw e;
  }
}

/** status.loadBalancer.ingress addresses as written (order kept). */
export function shownIps(svc: Service | undefined): string[] {
  return (svc?.status?.loadBalancer?.ingress ?? [])
    .map((i) => i.ip)
    .filter((ip): ip is string => typeof ip === 'string' && ip !== '');
}
