// What the other replicas held, from their Leases (pure): which MACs each replica answers with, and when
// we last saw each replica claim each address (and whether it was refusing it). Two questions use it:
//   - a frame from another MAC claiming one of our addresses: is it the replica that held the address
//     until just now (a hand-over crossing on the wire) or a stranger (a conflict)?
//   - an address we are about to answer: is it a takeover from a replica that answered it (short probe
//     window) or an address nobody here answered lately (full probe window)?
// A replica counts only for addresses it claimed without refusing them, so a replica whose own kernel
// holds an address (a node address it refused) is a stranger for that address like anyone else.

interface Seen {
  at: number;
  refused: boolean;
}

export class PeerClaims {
  readonly #windowMs: number;
  readonly #macs = new Map<string, ReadonlySet<string>>();
  /** ip → node → last time we saw the node's Lease list the ip */
  readonly #seen = new Map<string, Map<string, Seen>>();
  #observations = 0;

  /** windowMs: how long after we last saw a replica claim an address it still counts as its holder. */
  constructor(windowMs: number) {
    this.#windowMs = windowMs;
  }

  /** One observation of a replica's Lease (a watch event or a quorum read). */
  observe(
    now: number,
    node: string,
    claims: Iterable<string>,
    refused: Iterable<string>,
    macs: Iterable<string> | undefined,
  ): void {
    if (macs !== undefined) this.#macs.set(node, new Set([...macs].map((m) => m.toLowerCase())));
    const ref = new Set(refused);
    for (const ip of claims) {
      let byNode = this.#seen.get(ip);
      if (byNode === undefined) {
        byNode = new Map();
        this.#seen.set(ip, byNode);
      }
      byNode.set(node, { at: now, refused: ref.has(ip) });
    }
    if (++this.#observations % 256 === 0) this.#prune(now);
  }

  /** Node name of the replica answering with this MAC, if any. */
  replicaOf(mac: string): string | undefined {
    const m = mac.toLowerCase();
    for (const [node, macs] of this.#macs) if (macs.has(m)) return node;
    return undefined;
  }

  /** The MAC belongs to a replica that held (claimed, not refused) `ip` within the window. */
  isHandover(now: number, ip: string, mac: string): boolean {
    const node = this.replicaOf(mac);
    if (node === undefined) return false;
    const s = this.#seen.get(ip)?.get(node);
    return s !== undefined && !s.refused && now - s.at <= this.#windowMs;
  }

  /** Some replica other than `self` held (claimed, not refused) `ip` within the window. */
  heldByPeer(now: number, ip: string, self: string): boolean {
    for (const [node, s] of this.#seen.get(ip) ?? []) {
      if (node !== self && !s.refused && now - s.at <= this.#windowMs) return true;
    }
    return false;
  }

  #prune(now: number): void {
    for (const [ip, byNode] of this.#seen) {
      for (const [node, s] of byNode) if (now - s.at > this.#windowMs) byNode.delete(node);
      if (byNode.size === 0) this.#seen.delete(ip);
    }
  }
}
