// Which interface answers for an IP (pure, plus one reader of the local interfaces):
//   1. Eip.spec.interface: an interface name, or `can_reach:<ip>` (the interface whose subnet holds it);
//   2. else the interface holding the address in the node annotation layer2.openelb.kubesphere.io/v1alpha1;
//   3. else the interface holding one of the node's InternalIP addresses (same family first).
import { networkInterfaces } from 'node:os';
import { err, ok, type Result } from '../../core/result.ts';
import { ipBytes, type Family } from '../../net/ip.ts';
import type { Node } from '../../kube/index.ts';

export const NODE_LAYER2_ANNOTATION = 'layer2.openelb.kubesphere.io/v1alpha1';

export interface LocalAddress {
  readonly address: string;
  /** Prefix length. */
  readonly prefix: number;
}
/** interface name → its addresses */
export type LocalInterfaces = ReadonlyMap<string, readonly LocalAddress[]>;

export interface ChosenInterface {
  readonly ifname: string;
  readonly via: 'eip' | 'can-reach' | 'node-annotation' | 'internal-ip';
}

/** The interface, or why none answers (the reason the speaker reports). */
export type InterfaceChoice = Result<ChosenInterface>;

/** The machine's interfaces with their addresses (loopback left out). */
export function readLocalInterfaces(): Map<string, LocalAddress[]> {
  const out = new Map<string, LocalAddress[]>();
  for (const [name, addrs] of Object.entries(networkInterfaces())) {
    const list: LocalAddress[] = [];
    for (const a of addrs ?? []) {
      if (a.internal) continue;
      const prefix = Number((a.cidr ?? '').split('/')[1]);
      list.push({
        address: a.address.split('%')[0] ?? a.address,
        prefix: Number.isFinite(prefix) ? prefix : a.family === 'IPv4' ? 32 : 128,
      });
    }
    if (list.length > 0) out.set(name, list);
  }
  return out;
}

function sameIp(a: string, b: string): boolean {
  const x = ipBytes(a);
  const y = ipBytes(b);
  return (
    x !== undefined && y !== undefined && Buffer.compare(Buffer.from(x.bytes), Buffer.from(y.bytes)) === 0
  );
}

export function inSubnet(ip: string, net: string, prefix: number): boolean {
  const a = ipBytes(ip);
  const b = ipBytes(net);
  if (a === undefined || b === undefined || a.family !== b.family) return false;
  let bits = prefix;
  for (let i = 0; i < a.bytes.length && bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if (((a.bytes[i] ?? 0) & mask) !== ((b.bytes[i] ?? 0) & mask)) return false;
  }
  return true;
}

export function interfaceHolding(ip: string, local: LocalInterfaces): string | undefined {
  for (const [name, addrs] of local) if (addrs.some((a) => sameIp(a.address, ip))) return name;
  return undefined;
}

export function interfaceReaching(ip: string, local: LocalInterfaces): string | undefined {
  let best: { name: string; prefix: number } | undefined;
  for (const [name, addrs] of local) {
    for (const a of addrs) {
      if (inSubnet(ip, a.address, a.prefix) && (best === undefined || a.prefix > best.prefix))
        best = { name, prefix: a.prefix };
    }
  }
  return best?.name;
}

/** The interface to answer on for a Service IP of `family` on this node. */
export function chooseInterface(
  eipInterface: string | undefined,
  family: Family,
  node: Node | undefined,
  local: LocalInterfaces,
): InterfaceChoice {
  const spec = eipInterface?.trim();
  if (spec !== undefined && spec !== '') {
    if (spec.startsWith('can_reach:')) {
      const target = spec.slice('can_reach:'.length).trim();
      const name = interfaceReaching(target, local);
      return name === undefined
        ? err(`no local interface has a subnet holding ${target} (Eip interface "${spec}")`)
        : ok({ ifname: name, via: 'can-reach' });
    }
    return ok({ ifname: spec, via: 'eip' });
  }
  const annotated = node?.metadata.annotations?.[NODE_LAYER2_ANNOTATION]?.trim();
  if (annotated !== undefined && annotated !== '') {
    const name = interfaceHolding(annotated, local);
    if (name !== undefined) return ok({ ifname: name, via: 'node-annotation' });
    return err(`no local interface holds ${annotated} (node annotation ${NODE_LAYER2_ANNOTATION})`);
  }
  const internal = (node?.status?.addresses ?? [])
    .filter((a) => a.type === 'InternalIP')
    .map((a) => a.address);
  const byFamily = [...internal].sort(
    (a, b) => Number(ipBytes(b)?.family === family) - Number(ipBytes(a)?.family === family),
  );
  for (const ip of byFamily) {
    const name = interfaceHolding(ip, local);
    if (name !== undefined) return ok({ ifname: name, via: 'internal-ip' });
  }
  if (node === undefined) return err('own Node object not (yet) known');
  return err(
    `no local interface holds an InternalIP of node ${node.metadata.name} (${internal.join(', ') || 'none listed'})`,
  );
}
