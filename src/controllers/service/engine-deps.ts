// What the allocator engine works with (given by the Allocator component; tests build their own).
import type { Eip } from '../../api/v1alpha2.ts';
import type { EventRecorder, Informer, KubeClient } from '../../kube/index.ts';
import type { Namespace, Service } from '../../kube/types.ts';
import type { FaultGuard } from '../../manager/faults.ts';
import type { ClassConfig } from './request.ts';

export interface EngineDeps {
  client: KubeClient;
  events: EventRecorder;
  services: Informer<Service>;
  eips: Informer<Eip>;
  namespaces: Informer<Namespace>;
  lease: { isLeader(): boolean; remainingMs(): number };
  cfg: ClassConfig;
  /** Re-examine every Service this often (default 60 s). */
  resyncMs?: number;
  /** Writes need at least this much Lease time left (default 1 s). */
  leaseMarginMs?: number;
  maxAllocations?: number;
  /** Keys per tick (default 2000). */
  batch?: number;
  /** Parallel Service writes (default 16). */
  concurrency?: number;
  /** Unexpected exceptions of a tick: logged with their stack, counted, readiness false, backoff. */
  faults?: FaultGuard;
  /** Runs right after each Eip status write (see ManagerSeams). */
  afterEipStatusWrite?: (written: Eip) => void;
  /** Called after each completed tick: a test seam, left empty in production. */
  onTick?: () => void;
}
