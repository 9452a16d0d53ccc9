// Eip admission rules. What differs from OpenELB 0.6 (reference/openelb.md §4.9) and why:
// - address edits are allowed when every allocated address stays inside the new value (OpenELB
//   made the field immutable, issue #391); an edit that would orphan an allocation is denied and
//   names the addresses;
// - overlap is checked on create AND on address edits, and names the other Eip;
// - protocol "vip" (keepalived) is refused: openelb-ts has no VIP mode;
// - interface is optional for layer2: empty means the NIC holding the node's
//   layer2.openelb.kubesphere.io/v1alpha1 annotation address, else the NIC holding its InternalIP
//   (OpenELB required it). "lo" and malformed names or can_reach targets are refused;
// - pools touching loopback, multicast, link-local, unspecified or reserved space are refused:
//   such an address can never be a working load-balancer address (and BGP refuses the prefix);
// - a pool covering a Node address or a BgpPeer neighbour address is allowed with a warning naming them:
//   the speakers never answer (layer2) such an address, and announcing it (bgp) would divert a host's
//   traffic; the webhook sees the Nodes and BgpPeers of the moment only, so it cannot be a denial.
import { parsePoolAddress, poolContains, poolsOverlap, type PoolRange } from '../../ipam/index.ts';
import { formatIp, parseIp } from '../../net/ip.ts';
import { specialRangeOverlapping } from '../../net/special.ts';
import { parseBgpAttributes } from './eip-bgp.ts';
import { checkDefault } from './eip-default.ts';
import { checkNamespaces, checkProtocol } from './eip-fields.ts';
import { Issues, isRecord, listMore, ratchet, recordAt, show, type ValidationResult } from './issues.ts';
import type { EipLike, NeighbourLike, NodeAddressesLike } from './objects.ts';

export interface EipContext {
  /** The stored object on UPDATE. */
  oldObject?: EipLike;
  /** Every Eip that exists now (the object itself may be among them; it is skipped by name). */
  others: readonly EipLike[];
  /** Nodes and BgpPeers that exist now, for the "covers a host's address" warning (absent: not checked). */
  nodes?: readonly NodeAddressesLike[];
  peers?: readonly NeighbourLike[];
  /** Why nodes or peers could not be read (each becomes a warning). */
  lookupErrors?: readonly string[];
}

const ADDR = 'spec.address';

function parseAddress(issues: Issues, spec: Record<string, unknown>): PoolRange | undefined {
  const address = spec['address'];
  if (address === undefined || address === null || address === '') {
    issues.error(ADDR, 'Required value: a single IP, a CIDR or a range "first-last"');
    return undefined;
  }
  if (typeof address !== 'string') {
    issues.error(ADDR, `Invalid value: ${show(address)}: must be a string`);
    return undefined;
  }
  const parsed = parsePoolAddress(address);
  if (!parsed.ok) {
    issues.error(ADDR, `Invalid value: ${parsed.error}`);
    return undefined;
  }
  const range = parsed.value;
  const s = specialRangeOverlapping(range.span);
  if (s) {
    issues.error(
      ADDR,
      `Invalid value: ${show(address)}: overlaps ${s.cidr} (${s.why}), which cannot hold load-balancer addresses`,
    );
    return undefined;
  }
  if (range.hostBitsSet) {
    const net = `${formatIp(range.family, range.span.first)}/${range.prefixLength ?? ''}`;
    issues.warn(ADDR, `${show(address)} has host bits set; the pool is ${net}`);
  }
  return range;
}

const IFNAME = /^[^\s/:]{1,15}$/;

function checkInterface(issues: Issues, spec: Record<string, unknown>, protocol: string): void {
  const iface = spec['interface'];
  if (iface === undefined || iface === null || iface === '') return;
  const f = 'spec.interface';
  if (typeof iface !== 'string') {
    issues.error(f, `Invalid value: ${show(iface)}: must be a string`);
    return;
  }
  if (protocol === 'bgp') {
    issues.warn(f, 'ignored for bgp pools (only layer2 pools answer ARP/NDP on an interface)');
    return;
  }
  if (iface.startsWith('can_reach:')) {
    const target = iface.slice('can_reach:'.length);
    if (!parseIp(target).ok)
      issues.error(f, `Invalid value: ${show(iface)}: "can_reach:" must be followed by an IP address`);
    return;
  }
  if (iface === 'lo') {
    issues.error(f, 'Invalid value: "lo": the loopback interface cannot answer ARP/NDP for the network');
    return;
  }
  if (!IFNAME.test(iface) || iface === '.' || iface === '..') {
    issues.error(
      f,
      `Invalid value: ${show(iface)}: not an interface name (1-15 characters, no spaces, "/" or ":") and not "can_reach:<ip>"`,
    );
  }
}

function usedAddresses(o: EipLike | undefined): Map<string, string> {
  const used = recordAt(o?.status, 'used');
  const out = new Map<string, string>();
  for (const [ip, owner] of Object.entries(used ?? {}))
    out.set(ip, typeof owner === 'string' ? owner : show(owner));
  return out;
}

/** Address edit: every allocated address must stay allocatable in the new value. */
function checkOrphans(issues: Issues, range: PoolRange, obj: EipLike, old: EipLike): void {
  const used = usedAddresses(old);
  for (const [ip, owner] of usedAddresses(obj)) used.set(ip, owner);
  const orphaned: string[] = [];
  for (const [ip, owner] of used) {
    const p = parseIp(ip);
    if (!(p.ok && poolContains(range, p.value))) orphaned.push(`${ip} (${owner})`);
  }
  if (orphaned.length > 0) {
    issues.error(
      ADDR,
      `Forbidden: changing the address to ${show(range.text)} would orphan allocated ${orphaned.length === 1 ? 'address' : 'addresses'} ${listMore(orphaned)}; release them first or keep them inside the new value`,
    );
  }
}

function checkOverlap(issues: Issues, range: PoolRange, name: string, others: readonly EipLike[]): void {
  const hits: string[] = [];
  for (const o of others) {
    if (o.metadata.name === name) continue;
    const a = recordAt(o, 'spec')?.['address'];
    if (typeof a !== 'string') continue;
    const r = parsePoolAddress(a);
    if (r.ok && poolsOverlap(range, r.value)) hits.push(`Eip ${show(o.metadata.name)} (${show(a)})`);
  }
  if (hits.length > 0) issues.error(ADDR, `Invalid value: ${show(range.text)}: overlaps ${listMore(hits)}`);
}

/** Node and BgpPeer addresses inside the pool, described. */
function coveredHosts(range: PoolRange, ctx: EipContext): string[] {
  const hits: string[] = [];
  const inside = (text: string): boolean => {
    const p = parseIp(text);
    return p.ok && poolContains(range, p.value);
  };
  for (const n of ctx.nodes ?? []) {
    for (const a of n.status?.addresses ?? [])
      if (inside(a.address)) hits.push(`${a.address} (${a.type} of Node ${show(n.metadata.name)})`);
  }
  for (const p of ctx.peers ?? []) {
    const addr = recordAt(recordAt(p, 'spec'), 'conf')?.['neighborAddress'];
    if (typeof addr === 'string' && inside(addr))
      hits.push(`${addr} (neighborAddress of BgpPeer ${show(p.metadata.name)})`);
  }
  return hits;
}

function checkCoveredHosts(issues: Issues, range: PoolRange, ctx: EipContext, protocol: string): void {
  for (const e of ctx.lookupErrors ?? [])
    issues.warn(ADDR, `not checked against node and BGP peer addresses: ${e}`);
  const hits = coveredHosts(range, ctx);
  if (hits.length === 0) return;
  const what =
    protocol === 'layer2'
      ? 'no replica ever answers ARP/NDP for such an address (it belongs to another host), so a Service given one is unreachable'
      : 'announcing such an address for a Service would divert the traffic meant for that host';
  issues.warn(
    ADDR,
    `${show(range.text)} covers ${listMore(hits)}: ${what}; leave these addresses out of the pool (e.g. a range "first-last" around them)`,
  );
}

export function validateEip(obj: EipLike, ctx: EipContext): ValidationResult {
  const issues = new Issues();
  const spec = isRecord(obj.spec) ? obj.spec : undefined;
  if (!spec) {
    issues.error('spec', 'Required value');
    return issues.result();
  }
  const range = parseAddress(issues, spec);
  const protocol = checkProtocol(issues, spec);
  checkInterface(issues, spec, protocol);
  checkNamespaces(issues, spec);
  if (spec['usingKnownIPs'] !== undefined)
    issues.warn('spec.usingKnownIPs', 'ignored (OpenELB 0.6 no longer reads it either)');
  parseBgpAttributes(issues, spec, protocol, range);

  const old = ctx.oldObject;
  const oldAddress = recordAt(old, 'spec')?.['address'];
  if (range) {
    if (old && oldAddress !== spec['address']) checkOrphans(issues, range, obj, old);
    checkOverlap(issues, range, obj.metadata.name, ctx.others);
    checkCoveredHosts(issues, range, ctx, protocol);
  }
  checkDefault(issues, obj, ctx.others);
  return old ? ratchet(issues.result(), obj, old, validateEip(old, { others: ctx.others })) : issues.result();
}
