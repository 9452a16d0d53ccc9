// Layer 2 ownership state machine (pure; the Lease I/O feeds it and acts on its output).
//
// Rules (every time is this replica's monotonic clock; no timestamp is compared across nodes):
// - Self-fencing: we may answer only until fenceDeadline = (start of our last successful renew) +
//   leaseDuration − margin. A renew that completes after the deadline is a gap: we may have been taken
//   over meanwhile, so everything we held must be re-acquired.
// - Liveness of a peer: its Lease changed (new resourceVersion) less than its leaseDuration ago, measured
//   from the moment WE saw the change. A peer counts as expired for takeover only once a quorum read that
//   started after that expiry still shows the same version (a stale watch can't make us take early).
// - Owner of an IP: rendezvous ranking over eligible, alive replicas.
// - Take (release-before-take): we answer an IP only after (1) a renew that lists it in our claims has
//   completed, (2) a quorum read started after that completion, and (3) no non-expired peer claims it.
//   Of two replicas that claim concurrently at least one sees the other (both write, then read), and a
//   replica that sees another claimant does not start; so two never answer at once.
// - Release: an answering replica keeps an IP it no longer ranks first for until the new owner claims
//   it (handshake), then stops answering and drops the claim in its next renew; the new owner starts once
//   it sees the claim gone. Leaving the address set or losing eligibility releases at once.
import { canonicalIp } from '../../net/ip.ts';
import { pickOwner } from './ranking.ts';
import type {
  AdvanceResult,
  EligibleNodes,
  OwnershipConfig,
  PeerLease,
  QuorumRead,
  RenewResult,
} from './types.ts';

interface PeerView {
  version: string;
  leaseDurationMs: number;
  claims: Set<string>;
  /** Our monotonic time when we first saw this version (or the deletion). */
  lastChangeSeenAt: number;
  deleted: boolean;
}

/** True when `a` is a later resourceVersion than `b` (numeric when both are, else any difference). */
function isNewerVersion(a: string, b: string): boolean {
  if (/^\d+$/.test(a) && /^\d+$/.test(b)) return BigInt(a) > BigInt(b);
  return a !== b;
}

function sameSet(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  if (a.size !== b.size) return false;
  for (const x of a) if (!b.has(x)) return false;
  return true;
}

export class OwnershipMachine {
  readonly config: Required<OwnershipConfig>;
  #fenceDeadline: number | undefined;
  #addresses = new Map<string, readonly string[]>();
  #peers = new Map<string, PeerView>();
  #lastQuorumReadAt: number | undefined;
  #claimCommittedAt = new Map<string, number>();
  #written = new Set<string>();
  #claims = new Set<string>();
  #answering = new Set<string>();
  #reported = new Set<string>();
  /** keepAnsweringWithoutApi: answering carried over a gap, to be checked by the next quorum read after this time. */
  #verifyAfter: number | undefined;
  #shuttingDown = false;

  constructor(config: OwnershipConfig) {
    if (config.marginMs < 0 || config.marginMs >= config.leaseDurationMs) {
      throw new RangeError(
        `ownership: marginMs ${config.marginMs} must be in [0, leaseDurationMs ${config.leaseDurationMs})`,
      );
    }
    this.config = { keepAnsweringWithoutApi: false, ...config };
  }

  /** The layer2 IPs and, for each, the nodes eligible to announce it. Replaces the previous set. */
  setAddresses(addresses: EligibleNodes): void {
    const next = new Map<string, readonly string[]>();
    for (const [ip, nodes] of addresses) {
      const c = canonicalIp(ip);
      if (c === undefined) throw new TypeError(`ownership: "${ip}" is not an IP address`);
      next.set(c, nodes);
    }
    this.#addresses = next;
  }

  /** SIGTERM: release everything (then write the empty claims, then exit or delete the Lease). */
  shutdown(): void {
    this.#shuttingDown = true;
  }

  renewSucceeded(r: RenewResult): void {
    const continuous = this.#fenceDeadline !== undefined && r.completedAt < this.#fenceDeadline;
    if (!continuous) {
      this.#claimCommittedAt.clear();
      if (this.config.keepAnsweringWithoutApi && this.#answering.size > 0) this.#verifyAfter = r.completedAt;
      else this.#answering.clear();
    }
    const deadline = r.startedAt + this.config.leaseDurationMs - this.config.marginMs;
    this.#fenceDeadline = Math.max(this.#fenceDeadline ?? -Infinity, deadline);
    const written = new Set<string>();
    for (const ip of r.claims) written.add(canonicalIp(ip) ?? ip);
    for (const ip of written)
      if (!this.#claimCommittedAt.has(ip)) this.#claimCommittedAt.set(ip, r.completedAt);
    for (const ip of [...this.#claimCommittedAt.keys()])
      if (!written.has(ip)) this.#claimCommittedAt.delete(ip);
    // Never answer for an IP our Lease does not list (a stale claims snapshot was written).
    for (const ip of [...this.#answering]) if (!written.has(ip)) this.#answering.delete(ip);
    this.#written = written;
  }

  /** A watch event (or any non-quorum read) of a peer Lease. */
  peerObserved(at: number, lease: PeerLease): void {
    if (lease.node === this.config.self) return;
    const cur = this.#peers.get(lease.node);
    if (cur !== undefined && !cur.deleted && !isNewerVersion(lease.version, cur.version)) return;
    const claims = new Set<string>();
    for (const ip of lease.claims) claims.add(canonicalIp(ip) ?? ip);
    this.#peers.set(lease.node, {
      version: lease.version,
      leaseDurationMs: lease.leaseDurationMs,
      claims,
      lastChangeSeenAt: at,
      deleted: false,
    });
  }

  /** A peer Lease was deleted. Its claims stay in force until they would have expired, unless it had released them. */
  peerDeleted(at: number, node: string): void {
    const cur = this.#peers.get(node);
    if (cur === undefined || cur.deleted) return;
    if (cur.claims.size === 0) {
      this.#peers.delete(node);
      return;
    }
    cur.deleted = true;
    cur.lastChangeSeenAt = at;
  }

  quorumRead(r: QuorumRead): void {
    const seen = new Set<string>();
    for (const lease of r.leases) {
      seen.add(lease.node);
      this.peerObserved(r.completedAt, lease);
    }
    for (const node of [...this.#peers.keys()]) if (!seen.has(node)) this.peerDeleted(r.completedAt, node);
    this.#lastQuorumReadAt = Math.max(this.#lastQuorumReadAt ?? -Infinity, r.startedAt);
    if (this.#verifyAfter !== undefined && r.startedAt >= this.#verifyAfter) {
      this.#verifyAfter = undefined;
      for (const ip of [...this.#answering]) if (this.#blockers(ip).length > 0) this.#answering.delete(ip);
    }
  }

  fenceValid(now: number): boolean {
    return this.#fenceDeadline !== undefined && now < this.#fenceDeadline;
  }

  get fenceDeadline(): number | undefined {
    return this.#fenceDeadline;
  }

  /** The check before every send. */
  mayAnswer(ip: string, now: number): boolean {
    if (!this.#answering.has(ip)) return false;
    return this.fenceValid(now) || this.config.keepAnsweringWithoutApi;
  }

  get answering(): ReadonlySet<string> {
    return this.#answering;
  }

  /** Claims to write into our own Lease (sorted). */
  claimsForLease(): string[] {
    return [...this.#claims].sort();
  }

  #alive(p: PeerView, now: number): boolean {
    return !p.deleted && now < p.lastChangeSeenAt + p.leaseDurationMs;
  }

  #confirmedExpired(p: PeerView): boolean {
    return (
      this.#lastQuorumReadAt !== undefined && this.#lastQuorumReadAt >= p.lastChangeSeenAt + p.leaseDurationMs
    );
  }

  #blockers(ip: string): PeerView[] {
    return [...this.#peers.values()].filter((p) => p.claims.has(ip) && !this.#confirmedExpired(p));
  }

  advance(now: number): AdvanceResult {
    const self = this.config.self;
    const fenceOk = this.fenceValid(now);
    if (!fenceOk && !this.config.keepAnsweringWithoutApi) this.#answering.clear();

    const claims = new Set<string>();
    const addresses = this.#shuttingDown ? new Map<string, readonly string[]>() : this.#addresses;
    for (const [ip, eligible] of addresses) {
      const candidates = eligible.filter((n) => {
        if (n === self) return fenceOk;
        const p = this.#peers.get(n);
        return p !== undefined && this.#alive(p, now);
      });
      const owner = pickOwner(ip, candidates);
      if (owner === self) {
        claims.add(ip);
        continue;
      }
      if (this.#answering.has(ip) && eligible.includes(self)) {
        const op = owner === undefined ? undefined : this.#peers.get(owner);
        const handshake = op !== undefined && this.#alive(op, now) && op.claims.has(ip);
        if (!handshake) claims.add(ip); // keep answering until the new owner asks for it
      }
    }
    for (const ip of [...this.#answering]) if (!claims.has(ip)) this.#answering.delete(ip);
    this.#claims = claims;

    let needQuorumRead = false;
    if (fenceOk) {
      for (const ip of claims) {
        if (this.#answering.has(ip)) continue;
        const committed = this.#claimCommittedAt.get(ip);
        if (committed === undefined) continue; // the next renew writes the claim
        if (this.#lastQuorumReadAt === undefined || this.#lastQuorumReadAt < committed) {
          needQuorumRead = true;
          continue;
        }
        const blockers = this.#blockers(ip);
        if (blockers.length === 0) this.#answering.add(ip);
        else if (blockers.some((p) => !this.#alive(p, now))) needQuorumRead = true; // expiry to confirm
      }
    }
    if (this.#verifyAfter !== undefined) needQuorumRead = true;

    let wakeAt: number | undefined = fenceOk ? this.#fenceDeadline : undefined;
    for (const p of this.#peers.values()) {
      const exp = p.lastChangeSeenAt + p.leaseDurationMs;
      if (exp > now && (wakeAt === undefined || exp < wakeAt)) wakeAt = exp;
    }

    const takeovers = [...this.#answering].filter((ip) => !this.#reported.has(ip)).sort();
    const stopped = [...this.#reported].filter((ip) => !this.#answering.has(ip)).sort();
    this.#reported = new Set(this.#answering);
    return {
      takeovers,
      stopped,
      answering: [...this.#answering].sort(),
      claims: [...claims].sort(),
      leaseDirty: !sameSet(claims, this.#written),
      needQuorumRead,
      wakeAt,
    };
  }
}
