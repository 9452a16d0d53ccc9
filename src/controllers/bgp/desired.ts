// Pure mapping from Kubernetes objects to the BGP speaker's desired state for ONE node:
// BgpConf `default` → DesiredGlobal, the BgpPeers selecting the node → DesiredPeer[], and the bgp
// announcements this node may carry → DesiredPath[]. Problems worth telling a human come back as
// notes (the component turns them into Events); nothing here does I/O.
import type { BgpConf, BgpPeer, GracefulRestart } from '../../api/v1alpha2.ts';
import { LABEL_RACK } from '../../api/names.ts';
import { strictIpFamily } from '../../net/ip.ts';
import type {
  DesiredGlobal,
  DesiredPath,
  DesiredPeer,
  GracefulRestartSpec,
  IpFamily,
} from '../../bgp/index.ts';
import type { EndpointSlice, Node } from '../../kube/types.ts';
import { conflictMessage, neighborConflicts } from '../../webhook/validate/index.ts';
import { nodeMayCarry, type Announcement } from '../../announce/announcements.ts';
import { labelsMatch } from './selector.ts';

/**
 * Node annotation naming the next hop this node announces instead of "self", one address per
 * family, comma-separated: `"10.0.0.5"`, `"fd00::5"` or `"10.0.0.5,fd00::5"`. For nodes whose BGP
 * sessions leave from a different interface than the one traffic should arrive on.
 */
export const ANNOTATION_NEXT_HOP = 'bgp.openelb.kubesphere.io/next-hop';

export interface Note {
  /** what the note is about: the BgpConf, a BgpPeer (by name), or an Eip (by name) */
  kind: 'BgpConf' | 'BgpPeer' | 'Eip' | 'Node';
  name: string;
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

/** gobgp route-family codes (AFI<<16 | SAFI) that BgpConf spec.families may hold. */
const FAMILY_CODES: Readonly<Record<number, IpFamily>> = { [(1 << 16) | 1]: 'ipv4', [(2 << 16) | 1]: 'ipv6' };

export function nodeAddresses(node: Node | undefined): { ipv4?: string; ipv6?: string } {
  const out: { ipv4?: string; ipv6?: string } = {};
  for (const a of node?.status?.addresses ?? []) {
    if (a.type !== 'InternalIP') continue;
    const fam = strictIpFamily(a.address);
    if (!out.ipv4 && fam === 4) out.ipv4 = a.address;
    if (!out.ipv6 && fam === 6) out.ipv6 = a.address;
  }
  return out;
}

function graceful(g: GracefulRestart | undefined): GracefulRestartSpec | undefined {
  if (!g?.enabled) return undefined;
  const out: GracefulRestartSpec = { enabled: true };
  if (g.restartTime !== undefined) out.restartTime = g.restartTime;
  if (g.helperOnly !== undefined) out.helperOnly = g.helperOnly;
  if (g.deferralTime !== undefined) out.deferralTime = g.deferralTime;
  if (g.notificationEnabled !== undefined) out.notificationEnabled = g.notificationEnabled;
  if (g.longlivedEnabled !== undefined) out.longlivedEnabled = g.longlivedEnabled;
  if (g.staleRoutesTime !== undefined) out.staleRoutesTime = g.staleRoutesTime;
  return out;
}

export interface GlobalResult {
  /** undefined: no BgpConf `default` (BGP not configured), or it cannot be used (see error) */
  global?: DesiredGlobal;
  error?: string;
  notes: Note[];
}

/**
 * BgpConf `default` for `node`. Router id: spec.routerId, else (and always when asPerRack applies)
 * the node's first IPv4 InternalIP. `replicas` is how many replicas run BGP (for the shared
 * router-id warning).
 */
export function desiredGlobal(
  conf: BgpConf | undefined,
  node: Node | undefined,
  replicas: number,
): GlobalResult {
  const notes: Note[] = [];
  if (!conf || conf.metadata.deletionTimestamp) return { notes };
  const s = conf.spec;
  const name = conf.metadata.name;
  const rack = node?.metadata.labels?.[LABEL_RACK];
  const rackAsn = rack !== undefined ? s.asPerRack?.[rack] : undefined;
  const asn = rackAsn ?? s.as ?? 0;
  if (!asn)
    return {
      error: `spec.as is not set${rack !== undefined ? ` and asPerRack has no entry for rack ${rack}` : ''}`,
      notes,
    };
  const nodeV4 = nodeAddresses(node).ipv4;
  let routerId = rackAsn === undefined ? s.routerId || nodeV4 : nodeV4;
  if (!routerId)
    return { error: 'spec.routerId is empty and the node has no IPv4 InternalIP to use as router id', notes };
  if (rackAsn === undefined && s.routerId && replicas > 1) {
    notes.push({
      kind: 'BgpConf',
      name,
      type: 'Warning',
      reason: 'SharedRouterId',
      message: `spec.routerId ${s.routerId} is used by all ${replicas} replicas; routers may refuse sessions from a duplicate router id. Leave it empty to use each node's InternalIP.`,
    });
  }
  routerId = routerId.trim();
  const families: IpFamily[] = [];
  for (const code of s.families ?? []) {
    const f = FAMILY_CODES[code];
    if (!f)
      return {
        error: `spec.families: route family ${code} is not supported (65537 = IPv4 unicast, 131073 = IPv6 unicast)`,
        notes,
      };
    if (!families.includes(f)) families.push(f);
  }
  const g: DesiredGlobal = {
    asn,
    routerId,
    listenPort: s.listenPort ?? 0,
    listenAddresses: s.listenAddresses ?? [],
    families,
  };
  const gr = graceful(s.gracefulRestart);
  if (gr) {
    g.gracefulRestart = gr;
    notes.push({
      kind: 'BgpConf',
      name,
      type: 'Warning',
      reason: 'GracefulRestartEnabled',
      message: `graceful restart is on: when a replica dies, routers keep its routes for ${gr.restartTime ?? "gobgp's default"} s and keep sending traffic to the dead node`,
    });
  }
  if (s.useMultiplePaths !== undefined) g.useMultiplePaths = s.useMultiplePaths;
  if (s.policy) {
    notes.push({
      kind: 'BgpConf',
      name,
      type: 'Warning',
      reason: 'PolicyIgnored',
      message: `spec.policy (${s.policy}) is ignored: openelb-ts exports only its own Service routes; set communities and local-pref per pool in Eip spec.bgp`,
    });
  }
  return { global: g, notes };
}

function timer(v: string | number | undefined): number | undefined {
  if (v === undefined || v === '') return undefined;
  const n = typeof v === 'number' ? v : Number(v);
  return Number.isSafeInteger(n) && n >= 0 ? n : NaN;
}

function familyOf(address: string): IpFamily {
  return address.includes(':') ? 'ipv6' : 'ipv4';
}

/** Looks up `key` of Secret `name` in the manager's namespace; undefined = missing. */
export type SecretLookup = (name: string, key: string) => string | undefined;

export interface PeerResult {
  peers: DesiredPeer[];
  /** BgpPeer names that select this node (status entries belong to these) */
  selected: string[];
  /** BgpPeer name → why it cannot be applied (it is left out) */
  errors: Record<string, string>;
  notes: Note[];
}

/**
 * The BgpPeers whose nodeSelector matches `node`, as DesiredPeers. A BgpPeer in conflict (the same
 * neighbour as an earlier BgpPeer whose nodeSelector can select the same nodes; the webhook refuses
 * it, this covers objects stored without the webhook) is selected but left out, with the reason.
 */
export function desiredPeers(
  peers: Iterable<BgpPeer>,
  node: Node | undefined,
  secret: SecretLookup,
  secretKeyDefault = 'password',
): PeerResult {
  const out: PeerResult = { peers: [], selected: [], errors: {}, notes: [] };
  const labels = node?.metadata.labels ?? {};
  const all = [...peers];
  const conflicts = neighborConflicts(all);
  for (const p of all.sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1))) {
    if (p.metadata.deletionTimestamp) continue;
    const name = p.metadata.name;
    try {
      if (!labelsMatch(p.spec.nodeSelector, labels)) continue;
    } catch (err) {
      out.errors[name] = `spec.nodeSelector: ${(err as Error).message}`;
      continue;
    }
    out.selected.push(name);
    const clash = conflicts.get(name);
    if (clash) {
      out.errors[name] = conflictMessage(clash);
      out.notes.push({
        kind: 'BgpPeer',
        name,
        type: 'Warning',
        reason: 'Conflict',
        message: conflictMessage(clash),
      });
      continue;
    }
    const c = p.spec.conf ?? {};
    if (!c.neighborAddress) {
      out.errors[name] = 'spec.conf.neighborAddress is not set';
      continue;
    }
    if (!c.peerAs) {
      out.errors[name] = 'spec.conf.peerAs is not set';
      continue;
    }
    const d: DesiredPeer = { address: c.neighborAddress, peerAsn: c.peerAs };
    if (c.localAs) d.localAsn = c.localAs;
    if (c.description) d.description = c.description;
    if (c.adminDown) d.adminDown = true;
    if (c.allowOwnAs) d.allowOwnAs = c.allowOwnAs;
    if (c.replacePeerAs) d.replacePeerAs = true;
    if (c.removePrivateAs === 'ALL') d.removePrivateAs = 'all';
    else if (c.removePrivateAs === 'REPLACE') d.removePrivateAs = 'replace';
    if (c.authPasswordSecretRef?.name) {
      const key = c.authPasswordSecretRef.key || secretKeyDefault;
      const pw = secret(c.authPasswordSecretRef.name, key);
      if (pw === undefined) {
        out.errors[name] =
          `spec.conf.authPasswordSecretRef: Secret ${c.authPasswordSecretRef.name} (key ${key}) not found in the manager's namespace`;
        continue;
      }
      d.password = pw;
    } else if (c.authPassword) {
      d.password = c.authPassword;
      out.notes.push({
        kind: 'BgpPeer',
        name,
        type: 'Warning',
        reason: 'PlainTextPassword',
        message:
          'spec.conf.authPassword holds the TCP-MD5 password in plain text; move it to a Secret and use spec.conf.authPasswordSecretRef',
      });
    }
    if (p.spec.ebgpMultihop?.enabled) d.ebgpMultihopTtl = p.spec.ebgpMultihop.multihopTtl || 255;
    const t = p.spec.timers?.config;
    const hold = timer(t?.holdTime);
    const keep = timer(t?.keepaliveInterval);
    const retry = timer(t?.connectRetry);
    const mrai = timer(t?.minimumAdvertisementInterval);
    if ([hold, keep, retry, mrai].some((x) => x !== undefined && Number.isNaN(x))) {
      out.errors[name] = 'spec.timers.config: timer values must be whole seconds';
      continue;
    }
    if (hold !== undefined) d.holdTime = hold;
    if (keep !== undefined) d.keepaliveInterval = keep;
    if (retry !== undefined) d.connectRetry = retry;
    if (mrai !== undefined) d.minimumAdvertisementInterval = mrai;
    const tr = p.spec.transport;
    if (tr?.passiveMode) d.passive = true;
    if (tr?.localAddress) d.localAddress = tr.localAddress;
    if (tr?.remotePort) d.remotePort = tr.remotePort;
    if (tr?.mtuDiscovery) d.mtuDiscovery = true;
    if (tr?.tcpMss) d.tcpMss = tr.tcpMss;
    const gr = graceful(p.spec.gracefulRestart);
    if (gr) d.gracefulRestart = gr;
    const fams: IpFamily[] = [];
    for (const a of p.spec.afiSafis ?? []) {
      if (a.config?.enabled === false) continue;
      const afi = a.config?.family?.afi;
      const f: IpFamily | undefined =
        afi === undefined
          ? familyOf(c.neighborAddress)
          : afi === 'AFI_IP'
            ? 'ipv4'
            : afi === 'AFI_IP6'
              ? 'ipv6'
              : undefined;
      if (!f) {
        out.errors[name] = `spec.afiSafis: family ${afi} is not supported (AFI_IP, AFI_IP6)`;
        break;
      }
      if (!fams.includes(f)) fams.push(f);
    }
    if (out.errors[name]) continue;
    if (fams.length) d.families = fams;
    out.peers.push(d);
  }
  return out;
}

/** The families each desired peer carries (its own list, else the global default, else its address family). */
export function peerFamilies(p: DesiredPeer, g: DesiredGlobal | undefined): IpFamily[] {
  if (p.families?.length) return [...p.families];
  if (g?.families.length) return [...g.families];
  return [familyOf(p.address)];
}

export interface PathResult {
  paths: DesiredPath[];
  notes: Note[];
}

/**
 * The bgp announcements this node may carry, with itself as next hop: `0.0.0.0` / `::` (gobgpd
 * puts in each session's local address), except where the node annotation names one, or for IPv6
 * routes when some IPv4 session carries IPv6 (gobgpd would otherwise send an IPv4 next hop that
 * routers reject): then the node's IPv6 InternalIP.
 */
export function desiredPaths(
  announcements: Iterable<Announcement>,
  node: Node | undefined,
  slices: readonly EndpointSlice[],
  peers: readonly DesiredPeer[],
  g: DesiredGlobal | undefined,
): PathResult {
  const notes: Note[] = [];
  const explicit: { ipv4?: string; ipv6?: string } = {};
  const ann = node?.metadata.annotations?.[ANNOTATION_NEXT_HOP];
  if (ann) {
    for (const part of ann
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean)) {
      const fam = strictIpFamily(part);
      if (fam === 4) explicit.ipv4 = part;
      else if (fam === 6) explicit.ipv6 = part;
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
  const v6OverV4 = peers.some((p) => familyOf(p.address) === 'ipv4' && peerFamilies(p, g).includes('ipv6'));
  const nodeV6 = nodeAddresses(node).ipv6;
  const nextHop: { ipv4?: string; ipv6?: string } = {
    ipv4: explicit.ipv4,
    ipv6: explicit.ipv6 ?? (v6OverV4 ? nodeV6 : undefined),
  };
  const paths: DesiredPath[] = [];
  let warnedV6 = false;
  for (const a of announcements) {
    if (a.protocol !== 'bgp') continue;
    if (!nodeMayCarry(a, node, slices)) continue;
    if (a.family === 'ipv6' && v6OverV4 && !nextHop.ipv6) {
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
    const p: DesiredPath = { prefix: a.ip, family: a.family };
    const nh = nextHop[a.family];
    if (nh) p.nextHop = nh;
    if (a.bgp?.communities?.length) p.communities = a.bgp.communities;
    if (a.bgp?.largeCommunities?.length) p.largeCommunities = a.bgp.largeCommunities;
    if (a.bgp?.localPref !== undefined) p.localPref = a.bgp.localPref;
    paths.push(p);
  }
  return { paths, notes };
}
