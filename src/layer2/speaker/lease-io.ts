// Lease I/O for the Layer 2 replica Leases (one per replica, `openelb-layer2-<node>`): renew our own
// with the claims the ownership machine wants written, delete it on shutdown, list all of them as a
// quorum read, and turn a Lease object into the machine's PeerLease.
//
// Lease.spec.leaseDurationSeconds is whole seconds; Layer 2 Leases may be shorter (sub-second failover),
// so the exact duration travels in an annotation and leaseDurationSeconds carries it rounded up (what
// other tools display). Peers trust the annotation when present.
import { systemClock, type Clock } from '../../core/clock.ts';
import { OpenelbError } from '../../core/errors.ts';
import { kubeMicroTime } from '../../core/time.ts';
import {
  isAlreadyExists,
  isConflict,
  isNotFound,
  type KubeClient,
  type Lease,
  Resources,
} from '../../kube/index.ts';
import {
  CLAIMS_ANNOTATION,
  decodeClaims,
  encodeClaims,
  replicaLeaseName,
} from '../ownership/lease-format.ts';
import type { PeerLease } from '../ownership/types.ts';

export const REPLICA_LABEL = 'layer2.openelb.kubesphere.io/replica';
export const DURATION_ANNOTATION = 'layer2.openelb.kubesphere.io/lease-duration-ms';
/** Our interface MACs (comma-separated): lets peers tell a known replica from a stranger in a conflict. */
export const MACS_ANNOTATION = 'layer2.openelb.kubesphere.io/macs';
/**
 * Claimed IPs we refuse to answer (another host holds them, or they are reserved). A peer never takes an
 * answer from our node's MAC for one of these as our hand-over (our node's own kernel may hold it), and
 * probes it with the full window when it takes over.
 */
export const REFUSED_ANNOTATION = 'layer2.openelb.kubesphere.io/refused';

export interface ReplicaLeaseOptions {
  /** A client with a short request timeout: a renew slower than the fence could not extend it anyway. */
  readonly client: KubeClient;
  readonly namespace: string;
  /** Node name: the Lease is openelb-layer2-<node>, holderIdentity = node. */
  readonly node: string;
  readonly leaseDurationMs: number;
  /** startedAt / completedAt are its monotonic time (default: the process clock). */
  readonly clock?: Clock;
}

export interface RenewOutcome {
  readonly startedAt: number;
  readonly completedAt: number;
  readonly claims: readonly string[];
}

/** A Lease of ours or a peer's → what the ownership machine reads (undefined: not a replica Lease). */
export function peerLeaseOf(l: Lease): PeerLease | undefined {
  const node = l.spec?.holderIdentity ?? l.metadata.labels?.[REPLICA_LABEL];
  if (typeof node !== 'string' || node === '') return undefined;
  const annotated = Number(l.metadata.annotations?.[DURATION_ANNOTATION]);
  const seconds = l.spec?.leaseDurationSeconds ?? 0;
  const leaseDurationMs =
    Number.isFinite(annotated) && annotated > 0 ? annotated : seconds > 0 ? seconds * 1000 : 15_000;
  return {
    node,
    version: l.metadata.resourceVersion ?? '',
    leaseDurationMs,
    claims: decodeClaims(l.metadata.annotations?.[CLAIMS_ANNOTATION]).claims,
    refused: decodeClaims(l.metadata.annotations?.[REFUSED_ANNOTATION]).claims,
  };
}

export function macsOf(l: Lease): string[] {
  return (l.metadata.annotations?.[MACS_ANNOTATION] ?? '')
    .split(',')
    .map((m) => m.trim().toLowerCase())
    .filter((m) => m !== '');
}

export class ReplicaLeaseIO {
  readonly name: string;
  readonly #opts: ReplicaLeaseOptions;
  readonly #now: () => number;
  #current: Lease | undefined;

  constructor(o: ReplicaLeaseOptions) {
    this.#opts = o;
    this.name = replicaLeaseName(o.node);
    const clock = o.clock ?? systemClock;
    this.#now = () => clock.monotonic();
  }

  #desired(
    base: Lease | undefined,
    claims: readonly string[],
    macs: readonly string[],
    refused: readonly string[],
  ): Lease {
    const { namespace, node, leaseDurationMs } = this.#opts;
    const now = kubeMicroTime();
    const annotations = { ...(base?.metadata.annotations ?? {}) };
    annotations[CLAIMS_ANNOTATION] = encodeClaims(claims);
    annotations[DURATION_ANNOTATION] = String(leaseDurationMs);
    annotations[MACS_ANNOTATION] = [...macs].sort().join(',');
    if (refused.length > 0) annotations[REFUSED_ANNOTATION] = encodeClaims(refused);
    else delete annotations[REFUSED_ANNOTATION];
    return {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: {
        ...(base?.metadata ?? {}),
        name: this.name,
        namespace,
        labels: { ...(base?.metadata.labels ?? {}), [REPLICA_LABEL]: node },
        annotations,
      },
      spec: {
        ...(base?.spec ?? {}),
        holderIdentity: node,
        leaseDurationSeconds: Math.max(1, Math.ceil(leaseDurationMs / 1000)),
        acquireTime: base?.spec.acquireTime ?? now,
        renewTime: now,
      },
    };
  }

  /**
   * Writes our Lease with these claims (create when missing). startedAt is taken right before the
   * request that succeeded is sent: a 409 retry takes a new one, so the fence never starts earlier than
   * the write that made it.
   */
  async renew(
    claims: readonly string[],
    macs: readonly string[],
    refused: readonly string[] = [],
  ): Promise<RenewOutcome> {
    const { client, namespace } = this.#opts;
    for (let attempt = 0; attempt < 3; attempt++) {
      if (this.#current === undefined) {
        this.#current = await client.getOrUndefined<Lease>(Resources.Lease, this.name, namespace);
      }
      const startedAt = this.#now();
      const creating = this.#current === undefined;
      try {
        const body = this.#desired(this.#current, claims, macs, refused);
        const written = creating
          ? await client.create<Lease>(Resources.Lease, body)
          : await client.replace<Lease>(Resources.Lease, body);
        this.#current = written;
        return { startedAt, completedAt: this.#now(), claims: [...claims] };
      } catch (e) {
        // someone else changed or deleted it (an operator, a previous incarnation): read again
        if (creating && isNotFound(e))
          throw new OpenelbError(
            'OE_LAYER2_LEASE_CREATE',
            `Lease ${namespace}/${this.name}: cannot create it (does namespace ${namespace} exist?): ${e instanceof Error ? e.message : String(e)}`,
            { cause: e, context: { namespace, name: this.name } },
          );
        if (isConflict(e) || isNotFound(e) || isAlreadyExists(e)) {
          this.#current = undefined;
          continue;
        }
        throw e;
      }
    }
    throw new OpenelbError(
      'OE_LAYER2_LEASE_CONFLICT',
      `Lease ${namespace}/${this.name}: renew kept conflicting with other writers (3 attempts)`,
      { context: { namespace, name: this.name } },
    );
  }

  /** Deletes our Lease (guarded by the last resourceVersion we wrote, so a successor's is never removed). */
  async delete(): Promise<void> {
    const { client, namespace } = this.#opts;
    const rv = this.#current?.metadata.resourceVersion;
    try {
      await client.delete(
        Resources.Lease,
        this.name,
        namespace,
        rv === undefined ? {} : { resourceVersion: rv },
      );
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
    this.#current = undefined;
  }

  /** Quorum read: a LIST without resourceVersion (served from etcd, never from a watch cache). */
  async read(): Promise<{
    startedAt: number;
    completedAt: number;
    leases: PeerLease[];
    macs: Map<string, string[]>;
  }> {
    const { client, namespace } = this.#opts;
    const startedAt = this.#now();
    const l = await client.list<Lease>(Resources.Lease, {
      namespace,
      labelSelector: REPLICA_LABEL,
      limit: 0,
    });
    const completedAt = this.#now();
    const leases: PeerLease[] = [];
    const macs = new Map<string, string[]>();
    for (const item of l.items) {
      const p = peerLeaseOf(item);
      if (p === undefined) continue;
      leases.push(p);
      macs.set(p.node, macsOf(item));
    }
    return { startedAt, completedAt, leases, macs };
  }
}
