// What the speakers announce: every allocated IP of an Eip (from `Eip.status.used`, the record of
// truth), with the pool's protocol and attributes and the live Services that hold it. Pure.
import type { Eip, EipBgpAttributes } from '../api/v1alpha2.ts';
import { decodeHolderRefs } from '../api/used.ts';
import type { EndpointSlice, Node, Service } from '../kube/types.ts';
import { strictIpFamily, type Family } from '../net/ip.ts';
import { nodeEligibleFor } from './eligibility.ts';

export type AnnounceProtocol = 'bgp' | 'layer2';

export interface Announcement {
  ip: string;
  family: Family;
  eip: string;
  protocol: AnnounceProtocol;
  /** Eip.spec.interface (layer2). */
  interface?: string;
  bgp?: EipBgpAttributes;
  /** The Services holding this IP that still want a load balancer (≥ 1). */
  services: Service[];
}

export type ServiceLookup = (namespace: string, name: string) => Service | undefined;

interface UsedEntry {
  ip: string;
  family: Family;
  holders: [string, string][];
}

// Cached objects are replaced, never mutated, on every change: parse each Eip's status.used once,
// not on every recompute (which runs over every Eip for every event).
const usedCache = new WeakMap<Eip, UsedEntry[]>();

function usedEntries(eip: Eip): UsedEntry[] {
  let out = usedCache.get(eip);
  if (!out) {
    out = Object.entries(eip.status?.used ?? {}).map(([ip, holders]) => ({
      ip,
      // A key that is not an address (status edited by hand) is still announced: the BGP checks refuse
      // it with an Event naming it, Layer 2 skips it.
      family: strictIpFamily(ip) ?? 4,
      holders: decodeHolderRefs(holders),
    }));
    usedCache.set(eip, out);
  }
  return out;
}

function wantsLoadBalancer(svc: Service): boolean {
  return svc.spec.type === 'LoadBalancer' && svc.metadata.deletionTimestamp === undefined;
}

interface EipAnnouncements {
  /** what the lookup gave for every holder of every entry, in order (undefined: no such Service) */
  resolved: (Service | undefined)[];
  announcements: Announcement[];
}

// The announcements of one Eip depend only on that Eip object and on the Service objects its holders
// resolve to, all replaced (never mutated) on change: while they are the same objects, the previous
// announcements are the answer. A recompute then rebuilds only the Eips that changed (10,000 Services
// made each recompute allocate every announcement again). Entries go with their Eip objects.
const eipCache = new WeakMap<Eip, EipAnnouncements>();

function resolveHolders(eip: Eip, lookup: ServiceLookup): (Service | undefined)[] {
  const out: (Service | undefined)[] = [];
  for (const { holders } of usedEntries(eip)) for (const [ns, name] of holders) out.push(lookup(ns, name));
  return out;
}

/** Whether every holder still resolves to the object it did (compared in place: no garbage). */
function holdersUnchanged(
  eip: Eip,
  lookup: ServiceLookup,
  resolved: readonly (Service | undefined)[],
): boolean {
  let i = 0;
  for (const { holders } of usedEntries(eip))
    for (const [ns, name] of holders)
      if (i >= resolved.length || lookup(ns, name) !== resolved[i++]) return false;
  return i === resolved.length;
}

function eipAnnouncements(eip: Eip, protocol: AnnounceProtocol, lookup: ServiceLookup): Announcement[] {
  const held = eipCache.get(eip);
  if (held && holdersUnchanged(eip, lookup, held.resolved)) return held.announcements;
  const resolved = resolveHolders(eip, lookup);
  const announcements: Announcement[] = [];
  let i = 0;
  for (const { ip, family, holders } of usedEntries(eip)) {
    const services: Service[] = [];
    for (let h = 0; h < holders.length; h++) {
      const svc = resolved[i++];
      if (svc && wantsLoadBalancer(svc)) services.push(svc);
    }
    if (services.length === 0) continue;
    const a: Announcement = { ip, family, eip: eip.metadata.name, protocol, services };
    if (eip.spec.interface) a.interface = eip.spec.interface;
    if (eip.spec.bgp) a.bgp = eip.spec.bgp;
    announcements.push(a);
  }
  announcements.sort(byIp);
  eipCache.set(eip, { resolved, announcements });
  return announcements;
}

function byIp(x: Announcement, y: Announcement): number {
  return x.ip < y.ip ? -1 : x.ip > y.ip ? 1 : 0;
}

/**
 * The lists (each sorted by IP) merged into one sorted list, ties in the order of the lists: what a
 * stable sort of their concatenation gives, without its copies (10,000 announcements per recompute).
 */
function mergeByIp(lists: readonly (readonly Announcement[])[]): Announcement[] {
  let total = 0;
  for (const l of lists) total += l.length;
  const out = new Array<Announcement>(total);
  const heads = new Array<number>(lists.length).fill(0);
  for (let o = 0; o < total; o++) {
    let best: Announcement | undefined;
    let from = 0;
    for (let k = 0; k < lists.length; k++) {
      const head = lists[k]?.[heads[k] ?? 0];
      if (head !== undefined && (best === undefined || byIp(head, best) < 0)) {
        best = head;
        from = k;
      }
    }
    if (best === undefined) break;
    out[o] = best;
    heads[from] = (heads[from] ?? 0) + 1;
  }
  return out;
}

/**
 * One Announcement per allocated IP whose holders include at least one live LoadBalancer Service.
 * Eips being deleted still announce what they hold (their finalizer waits for the Services to go),
 * disabled Eips too (disable stops new allocations only). `vip` pools are never announced.
 * Unchanged Eips give the same Announcement objects as the call before: treat them as read-only.
 */
export function announcementsFrom(eips: Iterable<Eip>, lookup: ServiceLookup): Announcement[] {
  const lists: Announcement[][] = [];
  for (const eip of eips) {
    const protocol =
      eip.spec.protocol === 'layer2' ? 'layer2' : eip.spec.protocol === 'vip' ? undefined : 'bgp';
    if (!protocol) continue;
    const list = eipAnnouncements(eip, protocol, lookup);
    if (list.length > 0) lists.push(list);
  }
  return mergeByIp(lists);
}

/** A node may carry a (possibly shared) IP when it is eligible for any of its Services. */
export function nodeMayCarry(
  a: Announcement,
  node: Node | undefined,
  slices: Iterable<EndpointSlice>,
): boolean {
  const list = Array.isArray(slices) ? slices : [...slices];
  return a.services.some((svc) => nodeEligibleFor(svc, node, list));
}

/** Of the candidate nodes (those running a live replica), the ones that may carry the IP. */
export function eligibleNodes(
  a: Announcement,
  candidates: Iterable<string>,
  nodes: (name: string) => Node | undefined,
  slices: Iterable<EndpointSlice>,
): string[] {
  const list = Array.isArray(slices) ? (slices as readonly EndpointSlice[]) : [...slices];
  return [...candidates].filter((n) => nodeMayCarry(a, nodes(n), list)).sort();
}
