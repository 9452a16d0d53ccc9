// Session resets as gobgpd shows them: a peer re-created by gobgpd gets a new downtime stamp.
import type { GobgpClient } from '../../../src/bgp/index.ts';

/** neighbor address → its downtime stamp (and, with `withAsn`, its peer AS). */
export async function sessionStamps(client: GobgpClient, withAsn = false): Promise<Map<string, string>> {
  const m = new Map<string, string>();
  for (const p of await client.listPeer('', false)) {
    const stamp = withAsn ? [p.timers?.state?.downtime, p.conf?.peer_asn] : p.timers?.state?.downtime;
    m.set(p.conf?.neighbor_address ?? '?', JSON.stringify(stamp));
  }
  return m;
}

/** Addresses whose stamp differs between two readings (or that appear in only one), sorted. */
export function changedStamps(a: Map<string, string>, b: Map<string, string>): string[] {
  return [...new Set([...a.keys(), ...b.keys()])].filter((k) => a.get(k) !== b.get(k)).sort();
}
