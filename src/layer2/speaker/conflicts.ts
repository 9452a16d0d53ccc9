// Conflict detection: probe frames for the IPs we own (an ARP probe, RFC 5227, and a DAD-style NS, both
// without our IP as source so no neighbour cache learns anything from them), and the judgement of a
// foreign answer. A replica listed in the replica Leases that answers shortly after we took an IP over is
// a handover in progress (its last burst or reply crossed ours), not a conflict; anyone else, or a
// replica answering outside that window, is.
import { BROADCAST_MAC, IPV6_UNSPECIFIED, parseIp, ZERO_MAC } from '../addr.ts';
import { ARP_REQUEST, buildArp } from '../arp.ts';
import { buildNeighborSolicit } from '../ndp.ts';
import type { ForeignClaim } from '../responder.ts';

const IPV4_ANY = new Uint8Array(4);

/** A frame asking who has `ip` whose answer reveals any other holder; undefined for a non-IP. */
export function probeFrame(ourMac: Uint8Array, ip: string): Buffer | undefined {
  const p = parseIp(ip);
  if (p === undefined) return undefined;
  if (p.family === 4) {
    return buildArp({ ethDst: BROADCAST_MAC, ethSrc: ourMac, op: ARP_REQUEST, senderMac: ourMac, senderIp: IPV4_ANY, targetMac: ZERO_MAC, targetIp: p.bytes });
  }
  return buildNeighborSolicit(ourMac, IPV6_UNSPECIFIED, p.bytes);
}

export type Verdict = 'conflict' | 'handover' | 'repeat';

export interface ConflictFilterOptions {
  /** After we take an IP, answers from known replica MACs are a handover for this long. */
  readonly handoverWindowMs: number;
  /** The same (ip, mac) conflict is reported again only after this long. */
  readonly repeatMs: number;
}

export class ConflictFilter {
  readonly #o: ConflictFilterOptions;
  readonly #takenAt = new Map<string, number>();
  readonly #replicaMacs = new Map<string, ReadonlySet<string>>();
  readonly #reported = new Map<string, number>();

  constructor(o: ConflictFilterOptions) {
    this.#o = o;
  }

  noteTakeover(ip: string, now: number): void {
    this.#takenAt.set(ip, now);
  }

  noteReleased(ip: string): void {
    this.#takenAt.delete(ip);
  }

  setReplicaMacs(node: string, macs: Iterable<string>): void {
    this.#replicaMacs.set(node, new Set([...macs].map((m) => m.toLowerCase())));
  }

  /** Node name of the replica using this MAC, if any. */
  replicaOf(mac: string): string | undefined {
    const m = mac.toLowerCase();
    for (const [node, macs] of this.#replicaMacs) if (macs.has(m)) return node;
    return undefined;
  }

  judge(claim: ForeignClaim, now: number): Verdict {
    const taken = this.#takenAt.get(claim.ip);
    if (this.replicaOf(claim.mac) !== undefined && taken !== undefined && now - taken < this.#o.handoverWindowMs) return 'handover';
    const key = `${claim.ip} ${claim.mac}`;
    const last = this.#reported.get(key);
    if (last !== undefined && now - last < this.#o.repeatMs) return 'repeat';
    this.#reported.set(key, now);
    if (this.#reported.size > 4096) {
      for (const [k, t] of this.#reported) if (now - t >= this.#o.repeatMs) this.#reported.delete(k);
    }
    return 'conflict';
  }
}
