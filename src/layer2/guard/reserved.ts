// Addresses a replica never answers for, probe or not (pure): any Node's addresses, any BgpPeer's
// neighborAddress, this node's gateways, and addresses configured on the interface that would answer.
// Answering for one would move the LAN's traffic for a router, a node or a BGP session to us — and a
// probe cannot always tell (our own kernel never answers our probe; a router may be slow or filtered).
import { canonicalIp } from '../../net/ip.ts';
import type { LocalInterfaces } from '../speaker/interfaces.ts';
import type { Gateway } from './routes.ts';

export interface NodeLike {
  readonly metadata: { readonly name: string };
  readonly status?: { readonly addresses?: readonly { readonly type: string; readonly address: string }[] };
}

export interface BgpPeerLike {
  readonly metadata: { readonly name: string };
  readonly spec?: { readonly conf?: { readonly neighborAddress?: string } };
}

export interface ReservedInputs {
  /** This node's name (for the messages). */
  readonly self: string;
  readonly nodes: Iterable<NodeLike>;
  readonly peers: Iterable<BgpPeerLike>;
  /** This node's route next hops. */
  readonly gateways: readonly Gateway[];
  readonly local: LocalInterfaces;
  /** The Layer 2 addresses and the interface each would be answered on here. */
  readonly targets: Iterable<{ readonly ip: string; readonly ifname: string | undefined }>;
}

/** Canonical address → why it is reserved (first reason found wins). */
export function reservedAddresses(inp: ReservedInputs): Map<string, string> {
  const out = new Map<string, string>();
  const add = (text: string | undefined, why: string): void => {
    const ip = text === undefined ? undefined : canonicalIp(text.trim());
    if (ip !== undefined && !out.has(ip)) out.set(ip, why);
  };
  for (const t of inp.targets) {
    if (t.ifname === undefined) continue;
    const ip = canonicalIp(t.ip);
    if (ip !== undefined && (inp.local.get(t.ifname) ?? []).some((a) => canonicalIp(a.address) === ip)) {
      add(ip, `it is configured on interface ${t.ifname} of node ${inp.self}`);
    }
  }
  for (const g of inp.gateways)
    add(
      g.ip,
      `it is ${g.isDefault ? 'the default gateway' : 'a route gateway'} of node ${inp.self} (via ${g.ifname})`,
    );
  for (const n of inp.nodes) {
    for (const a of n.status?.addresses ?? [])
      add(a.address, `it is the ${a.type} of Node ${n.metadata.name}`);
  }
  for (const p of inp.peers)
    add(p.spec?.conf?.neighborAddress, `it is the neighborAddress of BgpPeer ${p.metadata.name}`);
  return out;
}
