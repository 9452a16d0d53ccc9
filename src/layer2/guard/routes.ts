// This node's gateways (next hops of its routes), from /proc/net/route (IPv4) and /proc/net/ipv6_route
// (IPv6) of the network namespace the manager runs in. The parsers are pure; readGateways() reads.
import { readFileSync } from 'node:fs';
import { formatIpv4Bytes, formatIpv6Bytes } from '../../net/ip.ts';

export interface Gateway {
  readonly ip: string;
  readonly ifname: string;
  /** The default route (0.0.0.0/0, ::/0) goes through it. */
  readonly isDefault: boolean;
}

const RTF_GATEWAY = 0x2;

/**
 * /proc/net/route: "Iface Destination Gateway Flags RefCnt Use Metric Mask …", addresses as 8 hex
 * digits in host byte order (little-endian on every platform Kubernetes runs on).
 */
export function parseRouteV4(text: string): Gateway[] {
  const out: Gateway[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 8) continue;
    const [ifname = '', dest = '', gw = '', flags = '', , , , mask = ''] = f;
    if (!/^[0-9A-Fa-f]{8}$/.test(gw) || (parseInt(flags, 16) & RTF_GATEWAY) === 0) continue;
    const g = Buffer.from(gw, 'hex').reverse();
    if (g.every((b) => b === 0)) continue;
    out.push({ ip: formatIpv4Bytes(g), ifname, isDefault: /^0+$/.test(dest) && /^0+$/.test(mask) });
  }
  return out;
}

/**
 * /proc/net/ipv6_route: "dest destlen src srclen nexthop metric refcnt use flags iface", addresses as
 * 32 hex digits in network order.
 */
export function parseRouteV6(text: string): Gateway[] {
  const out: Gateway[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10) continue;
    const [dest = '', destLen = '', , , nexthop = '', , , , flags = '', ifname = ''] = f;
    if (!/^[0-9a-fA-F]{32}$/.test(nexthop) || (parseInt(flags, 16) & RTF_GATEWAY) === 0) continue;
    const g = Buffer.from(nexthop, 'hex');
    if (g.every((b) => b === 0)) continue;
    out.push({ ip: formatIpv6Bytes(g), ifname, isDefault: /^0+$/.test(dest) && parseInt(destLen, 16) === 0 });
  }
  return out;
}

function readOr(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** Next hops of this network namespace's routes (default routes first), deduplicated by address. */
export function readGateways(): Gateway[] {
  const all = [...parseRouteV4(readOr('/proc/net/route')), ...parseRouteV6(readOr('/proc/net/ipv6_route'))];
  all.sort((a, b) => Number(b.isDefault) - Number(a.isDefault));
  const seen = new Set<string>();
  return all.filter((g) => !seen.has(g.ip) && seen.add(g.ip));
}
