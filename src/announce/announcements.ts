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

/**
 * One Announcement per allocated IP whose holders include at least one live LoadBalancer Service.
 * Eips being deleted still announce what they hold (their finalizer waits for the Services to go),
 * disabled Eips too (disable stops new allocations only). `vip` pools are never announced.
 */
export function announcementsFrom(eips: Iterable<Eip>, lookup: ServiceLookup): Announcement[] {
  const out: Announcement[] = [];
  for (const eip of eips) {
    const protocol =
      eip.spec.protocol === 'layer2' ? 'layer2' : eip.spec.protocol === 'vip' ? undefined : 'bgp';
    if (!protocol) continue;
    for (const { ip, family, holders } of usedEntries(eip)) {
      const services: Service[] = [];
      for (const [ns, name] of holders) {
        const svc = lookup(ns, name);
        if (svc && wantsLoadBalancer(svc)) services.push(svc);
      }
      if (services.length === 0) continue;
      const a: Announcement = { ip, family, eip: eip.metadata.name, protocol, services };
      if (eip.spec.interface) a.interface = eip.spec.interface;
      if (eip.spec.bgp) a.bgp = eip.spec.bgp;
      out.push(a);
    }
  }
  return out.sort((x, y) => (x.ip < y.ip ? -1 : x.ip > y.ip ? 1 : 0));
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
