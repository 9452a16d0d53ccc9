import { runOk } from './exec.ts';

// Reads the kernel's routing table and neighbour table inside a namespace (`ip -j`).

export interface KernelRoute {
  dst: string;
  /** routing protocol: bird, bgp, kernel, static … */
  protocol: string;
  /** every next-hop gateway (one for a plain route, several for ECMP), sorted. */
  nextHops: string[];
  /** devices, same order as nextHops. */
  devs: string[];
  /** ECMP weights, same order as nextHops (the kernel's default 1 where `ip route` prints none). */
  weights: number[];
}

interface IpRouteJson {
  dst?: string;
  gateway?: string;
  dev?: string;
  protocol?: string;
  nexthops?: { gateway?: string; dev?: string; weight?: number }[];
}

function toRoute(r: IpRouteJson): KernelRoute {
  const hops = r.nexthops ?? (r.gateway || r.dev ? [{ gateway: r.gateway, dev: r.dev }] : []);
  const pairs = hops
    .map((h) => ({ gw: h.gateway ?? '', dev: h.dev ?? '', weight: 'weight' in h ? (h.weight ?? 1) : 1 }))
    .sort((a, b) => a.gw.localeCompare(b.gw));
  return {
    dst: r.dst ?? '',
    protocol: r.protocol ?? '',
    nextHops: pairs.map((p) => p.gw).filter((g) => g !== ''),
    devs: pairs.map((p) => p.dev),
    weights: pairs.map((p) => p.weight),
  };
}

/** Routes in the main table of ns; `filter` is passed to `ip route show` (e.g. ['proto', 'bird'] or a prefix). */
export async function kernelRoutes(
  ns: string,
  family: 4 | 6 = 4,
  filter: string[] = [],
): Promise<KernelRoute[]> {
  const out = await runOk(['ip', '-n', ns, `-${family}`, '-j', 'route', 'show', ...filter]);
  return ((out.trim() ? JSON.parse(out) : []) as IpRouteJson[]).map(toRoute);
}

/** The kernel route for exactly this destination (a bare address means /32 or /128), or undefined. */
export async function kernelRoute(ns: string, dst: string): Promise<KernelRoute | undefined> {
  const v6 = dst.includes(':');
  const pfx = dst.includes('/') ? dst : `${dst}/${v6 ? 128 : 32}`;
  const routes = await kernelRoutes(ns, v6 ? 6 : 4, ['exact', pfx]);
  return routes[0];
}

/** Next hops of the route to dst (sorted), [] when there is no route. */
export async function nextHops(ns: string, dst: string): Promise<string[]> {
  return (await kernelRoute(ns, dst))?.nextHops ?? [];
}

export interface Neighbour {
  dst: string;
  dev: string;
  lladdr: string | undefined;
  /** REACHABLE, STALE, DELAY, PROBE, FAILED, INCOMPLETE, PERMANENT … */
  state: string[];
}

export async function neighbours(ns: string, dev?: string): Promise<Neighbour[]> {
  const out = await runOk(['ip', '-n', ns, '-j', 'neigh', 'show', ...(dev ? ['dev', dev] : [])]);
  const rows = (out.trim() ? JSON.parse(out) : []) as {
    dst: string;
    dev?: string;
    lladdr?: string;
    state?: string[];
  }[];
  return rows.map((r) => ({
    dst: r.dst,
    dev: r.dev ?? dev ?? '',
    lladdr: r.lladdr?.toLowerCase(),
    state: r.state ?? [],
  }));
}

export async function neighbour(ns: string, ip: string, dev?: string): Promise<Neighbour | undefined> {
  return (await neighbours(ns, dev)).find((n) => n.dst === ip);
}

/** Drops one neighbour entry (e.g. before an ARP test); ignores a missing entry. */
export async function flushNeighbour(ns: string, ip: string, dev: string): Promise<void> {
  await runOk(['ip', '-n', ns, 'neigh', 'flush', 'to', ip, 'dev', dev]);
}

export async function linkMac(ns: string, dev: string): Promise<string> {
  const out = await runOk(['ip', '-n', ns, '-j', 'link', 'show', 'dev', dev]);
  const [l] = JSON.parse(out) as { address?: string }[];
  if (!l?.address) throw new Error(`no MAC for ${dev} in ${ns}`);
  return l.address.toLowerCase();
}
