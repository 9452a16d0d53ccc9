// Plain inputs and outputs of the Layer 2 ownership state machine. All times are monotonic milliseconds
// (performance.now() on the replica itself); nothing here is ever compared with another node's clock.

export interface OwnershipConfig {
  /** This replica's identity: its node name (the ranking hashes IP + node name). */
  readonly self: string;
  /** Duration written into our own Lease (leaseDurationSeconds × 1000). */
  readonly leaseDurationMs: number;
  /** Safety margin for clock-rate differences and scheduling: we stop answering this long before our
   * Lease could be seen as expired by anyone. */
  readonly marginMs: number;
  /** When the API server is unreachable: false (default) = stop answering when our lease runs out, so
   * two replicas never answer at once; true = keep answering what we already answer (availability
   * first; a partition can then produce two answerers until the API is back). */
  readonly keepAnsweringWithoutApi?: boolean;
}

/**
 * A peer replica's Lease as the Lease I/O sees it. Every replica keeps one Lease of its own and writes the
 * IPs it claims (wants or answers) into it on every renew.
 */
export interface PeerLease {
  /** Node name of the replica (Lease holderIdentity). */
  readonly node: string;
  /** metadata.resourceVersion: any change (a renew, a claims edit) counts as "the Lease changed". */
  readonly version: string;
  readonly leaseDurationMs: number;
  /** IPs the peer claims (canonical text). */
  readonly claims: readonly string[];
  /** Claimed IPs the peer refuses to answer (another host holds them, or they are reserved). */
  readonly refused?: readonly string[];
}

/** A successful renew of our own Lease. */
export interface RenewResult {
  /** Monotonic time taken right BEFORE the update request was sent. */
  readonly startedAt: number;
  /** Monotonic time the successful response arrived. */
  readonly completedAt: number;
  /** The claims written in that update (what claimsForLease() returned when it was built). */
  readonly claims: readonly string[];
}

/**
 * A consistent (quorum) read of all replica Leases, e.g. a LIST without resourceVersion. Watch events are
 * NOT quorum reads; they go to peerObserved().
 */
export interface QuorumRead {
  /** Monotonic time taken right BEFORE the read request was sent. */
  readonly startedAt: number;
  /** Monotonic time the response arrived. */
  readonly completedAt: number;
  /** Every replica Lease that exists (our own may be included; it is skipped). */
  readonly leases: readonly PeerLease[];
}

/** Per IP: the nodes eligible to announce it (node ready, not excluded, eTP=Local endpoint present). */
export type EligibleNodes = ReadonlyMap<string, readonly string[]>;

export interface AdvanceResult {
  /** IPs we started answering now: send a gratuitous ARP / unsolicited NA burst. */
  readonly takeovers: readonly string[];
  /** IPs we stopped answering now (released, fenced, or lost to another claimant). */
  readonly stopped: readonly string[];
  /** Everything we answer now (the responder's address set). */
  readonly answering: readonly string[];
  /** Claims to write into our own Lease on the next renew (sorted). */
  readonly claims: readonly string[];
  /** Claims differ from the last ones written: renew now rather than at the next period. */
  readonly leaseDirty: boolean;
  /** A quorum read of the replica Leases is needed before we can take an IP (or confirm an expiry). */
  readonly needQuorumRead: boolean;
  /** Call advance() again no later than this, even if nothing else happens (undefined: no deadline). */
  readonly wakeAt: number | undefined;
}
