// Pure mapping of the bgp announcements this node may carry to the BGP speaker's desired paths, with
// the next hop each takes and the Eip's attributes (communities, local-pref).
import { strictIpFamily, type Family } from '../../net/ip.ts';
import type { DesiredGlobal, DesiredPath, DesiredPeer } from '../../bgp/index.ts';
import type { EndpointSlice, Node } from '../../kube/types.ts';
import { nodeMayCarry, type Announcement } from '../../announce/announcements.ts';
import { familyOf, peerFamilies } from './desired.ts';
import { nodeAddresses, type Note } from './desired-global.ts';
import { announcedPrefix, PathSet } from './aggregate.ts';
import { addLinkBandwidth } from './weighted-paths.ts';

/**
 * Node annotation naming the next hop this node announces instead of "self", one address per
 * family, comma-separated: `"10.0.0.5"`, `"fd00::5"` or `"10.0.0.5,fd00::5"`. For nodes whose BGP
 * sessions leave from a different interface than the one traffic should arrive on.
 */
export const ANNOTATION_NEXT_HOP = 'bgp.openelb.kubesphere.io/next-hop';

export interface PathResult {
  paths: DesiredPath[];
  notes: Note[];
}

/**
 * The bgp announcements this node may carry (an aggregated pool's as one covering prefix, see
 * aggregate.ts), with itself as next hop: `0.0.0.0` / `::` (gobgpd
 * puts in each session's local address), except where the node annotation names one, or for IPv6
 * routes when some IPv4 session carries IPv6 (gobgpd would otherwise send an IPv4 next hop that
 * routers reject): then the node's IPv6 InternalIP. Weighted ECMP (weighted-paths.ts) adds the
 * link bandwidth of this node's endpoints.
 */
export function desiredPaths(
  announcements: Iterable<Announcement>,
  node: Node | undefined,
  slices: readonly EndpointSlice[],
  peers: readonly DesiredPeer[],
  g: DesiredGlobal | undefined,
): PathResult {
  const notes: Note[] = [];
  const explicit: Partial<Record<Family, string>> = {};
  const ann = node?.metadata.annotations?.[ANNOTATION_NEXT_HOP];
  if (ann) {
    for (const part of ann
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean)) {
      const fam = strictIpFamily(part);
      if (fam !== undefined) explicit[fam] = part;
      else
        notes.push({
          kind: 'Node',
          name: node?.metadata.name ?? '',
          type: 'Warning',
          reason: 'InvalidNextHop',
          message: `annotation ${ANNOTATION_NEXT_HOP}: ${JSON.stringify(part)} is not an IP address (ignored)`,
        });
    }
  }
  const v6OverV4 = peers.some((p) => familyOf(p.address) === 4 && peerFamilies(p, g).includes(6));
  const nodeV6 = nodeAddresses(node)[6];
  const nextHop: Partial<Record<Family, string>> = {
    4: explicit[4],
    6: explicit[6] ?? (v6OverV4 ? nodeV6 : undefined),
  };
  const paths = new PathSet();
  let warnedV6 = false;
  for (const a of announcements) {
    if (a.protocol !== 'bgp') continue;
    if (!nodeMayCarry(a, node, slices)) continue;
    if (a.family === 6 && v6OverV4 && !nextHop[6]) {
      if (!warnedV6)
        notes.push({
          kind: 'Eip',
          name: a.eip,
          type: 'Warning',
          reason: 'NoIPv6NextHop',
          message: `IPv6 routes go over an IPv4 BGP session but node ${node?.metadata.name ?? '?'} has no IPv6 InternalIP (nor annotation ${ANNOTATION_NEXT_HOP}): not announced`,
        });
      warnedV6 = true;
      continue;
    }
    const p: DesiredPath = { prefix: announcedPrefix(a), family: a.family };
    const nh = nextHop[a.family];
    if (nh) p.nextHop = nh;
    if (a.bgp?.communities?.length) p.communities = a.bgp.communities;
    if (a.bgp?.largeCommunities?.length) p.largeCommunities = a.bgp.largeCommunities;
    if (a.bgp?.localPref !== undefined) p.localPref = a.bgp.localPref;
    addLinkBandwidth(p, a, node, slices, g, notes);
    paths.add(p, a.eip);
  }
  return { paths: paths.paths(), notes: [...notes, ...paths.notes] };
}
