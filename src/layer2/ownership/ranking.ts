// Rendezvous (highest random weight) ranking of replicas for an IP: every replica computes the same
// order from the same inputs, IPs spread evenly, and removing one replica only moves that replica's IPs.
import { createHash } from 'node:crypto';

function score(ip: string, node: string): string {
  return createHash('sha256').update(ip).update('\0').update(node).digest('hex').slice(0, 16);
}

/** Candidates best first. Ties (practically impossible) fall back to the node name. */
export function rankNodes(ip: string, nodes: Iterable<string>): string[] {
  const scored = [...new Set(nodes)].map((node) => ({ node, s: score(ip, node) }));
  scored.sort((a, b) => (a.s < b.s ? 1 : a.s > b.s ? -1 : a.node < b.node ? -1 : a.node > b.node ? 1 : 0));
  return scored.map((x) => x.node);
}

export function pickOwner(ip: string, nodes: Iterable<string>): string | undefined {
  let best: { node: string; s: string } | undefined;
  for (const node of nodes) {
    const s = score(ip, node);
    if (best === undefined || s > best.s || (s === best.s && node < best.node)) best = { node, s };
  }
  return best?.node;
}
