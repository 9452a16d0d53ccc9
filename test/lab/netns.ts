import { run, runOk } from './exec.ts';
import type { HostPlan } from './topology.ts';
import { LAN4_LEN, LAN6_LEN } from './topology.ts';

// Namespace and link plumbing, all through iproute2. Nothing here touches a namespace it is not given.

/** Creates ns; false when the name is already taken (someone else's, or a colliding run id). */
export async function addNamespace(ns: string): Promise<boolean> {
  const r = await run(['ip', 'netns', 'add', ns]);
  if (r.code === 0) return true;
  if (/exists/i.test(r.stderr)) return false;
  throw new Error(`ip netns add ${ns}: ${r.stderr.trim()}`);
}

export async function deleteNamespace(ns: string): Promise<void> {
  const r = await run(['ip', 'netns', 'del', ns]);
  if (r.code !== 0 && !/No such file/i.test(r.stderr))
    throw new Error(`ip netns del ${ns}: ${r.stderr.trim()}`);
}

/** Runs several `ip` commands in one process inside ns (`ip -n ns -batch -`). */
export async function ipBatch(ns: string, lines: string[]): Promise<void> {
  if (lines.length === 0) return;
  await runOk(['ip', '-n', ns, '-batch', '-'], { input: lines.join('\n') + '\n' });
}

export async function sysctl(ns: string, settings: Record<string, string | number>): Promise<void> {
  const args = Object.entries(settings).map(([k, v]) => `${k}=${v}`);
  if (args.length > 0) await runOk(['ip', 'netns', 'exec', ns, 'sysctl', '-qw', ...args]);
}

export type HostKind = 'node' | 'router' | 'client' | 'control' | 'switch';

/** Sysctls per host kind; set before links exist so that `default.*` applies to them. */
export function sysctlsFor(kind: HostKind): Record<string, string | number> {
  const common = {
    'net.ipv6.conf.all.accept_dad': 0,
    'net.ipv6.conf.default.accept_dad': 0,
    'net.ipv6.conf.default.accept_ra': 0,
    'net.ipv4.conf.all.rp_filter': 0,
    'net.ipv4.conf.default.rp_filter': 0,
  };
  switch (kind) {
    case 'router':
      return {
        ...common,
        'net.ipv4.ip_forward': 1,
        'net.ipv6.conf.all.forwarding': 1,
        // client and nodes share the LAN: forwarding back out of the same port must not send redirects
        'net.ipv4.conf.all.send_redirects': 0,
        'net.ipv4.conf.default.send_redirects': 0,
      };
    case 'client':
      return {
        ...common,
        'net.ipv4.conf.all.accept_redirects': 0,
        'net.ipv4.conf.default.accept_redirects': 0,
        'net.ipv6.conf.all.accept_redirects': 0,
        'net.ipv6.conf.default.accept_redirects': 0,
      };
    case 'node':
      return {
        ...common,
        // kube-proxy IPVS "strictARP": the kernel answers ARP only for addresses on the receiving
        // interface (not for Service IPs held as local routes) and never uses a Service IP as the
        // source of its own ARP requests.
        'net.ipv4.conf.all.arp_ignore': 1,
        'net.ipv4.conf.all.arp_announce': 2,
      };
    default:
      return common;
  }
}

/** veth host end `ifname` inside host.ns, peer `port` inside swNs (neither end ever in the root namespace). */
export async function addVeth(host: HostPlan, swNs: string): Promise<void> {
  await runOk([
    'ip',
    'link',
    'add',
    host.ifname,
    'netns',
    host.ns,
    'type',
    'veth',
    'peer',
    'name',
    host.port,
    'netns',
    swNs,
  ]);
}

export function hostAddressLines(host: HostPlan, extra: string[] = []): string[] {
  return [
    'link set lo up',
    `addr add ${host.ipv4}/${LAN4_LEN} dev ${host.ifname}`,
    `addr add ${host.ipv6}/${LAN6_LEN} dev ${host.ifname} nodad`,
    `link set ${host.ifname} up`,
    ...extra,
  ];
}

export function switchLines(bridge: string, ports: string[]): string[] {
  return [
    'link set lo up',
    // no STP and no multicast snooping: every port forwards at once and NDP multicast reaches every host
    `link add ${bridge} type bridge stp_state 0 forward_delay 0 mcast_snooping 0`,
    `link set ${bridge} up`,
    ...ports.flatMap((p) => [`link set ${p} master ${bridge}`, `link set ${p} up`]),
  ];
}
