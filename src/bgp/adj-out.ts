// What gobgpd sends one neighbour: the prefixes in its adj-RIB-out (after our export policy), per
// family. The per-Service announced summary is built from these (controllers/bgp/announced-*.ts).
import { FAMILY_BITS, formatIp, parseIp, type Family } from '../net/ip.ts';
import type { GobgpClient } from './client/client.ts';
import { FAMILY } from './wire-family.ts';

/** `addr/len` in one spelling: a bare address gets its host length, IPv6 is lower-case and shortest. */
export function canonicalPrefix(prefix: string): string {
  const slash = prefix.indexOf('/');
  const addr = slash < 0 ? prefix : prefix.slice(0, slash);
  const ip = parseIp(addr);
  if (!ip.ok) return prefix; // not an address: left as is, it matches nothing gobgpd lists
  const { family, value } = ip.value;
  return `${formatIp(family, value)}/${slash < 0 ? FAMILY_BITS[family] : prefix.slice(slash + 1)}`;
}

/** The prefixes in the adj-RIB-out towards `neighbor` (its address) for one family. */
export async function adjOutPrefixes(
  client: GobgpClient,
  neighbor: string,
  family: Family,
): Promise<Set<string>> {
  const out = new Set<string>();
  const dests = await client.listPath(FAMILY[family], [], { type: 'ADJ_OUT', name: neighbor });
  for (const d of dests) {
    if (d.paths.some((p) => !p.filtered && !p.is_withdraw)) out.add(canonicalPrefix(d.prefix));
  }
  return out;
}
