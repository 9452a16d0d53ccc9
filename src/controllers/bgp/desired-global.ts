// Pure mapping of BgpConf `default` to the BGP speaker's desired global settings for ONE node (AS,
// router id, listen port and addresses, families, graceful restart), with the notes worth telling a
// human (the component turns them into Events). Also the Note type every desired-state rule returns.
import type { BgpConf, GracefulRestart } from '../../api/v1alpha2.ts';
import { LABEL_RACK } from '../../api/names.ts';
import { strictIpFamily, type Family } from '../../net/ip.ts';
import type { DesiredGlobal, GracefulRestartSpec } from '../../bgp/index.ts';
import type { Node } from '../../kube/types.ts';

export interface Note {
  /** what the note is about: the BgpConf, a BgpPeer (by name), or an Eip (by name) */
  kind: 'BgpConf' | 'BgpPeer' | 'Eip' | 'Node';
  name: string;
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

/** gobgp route-family codes (AFI<<16 | SAFI) that BgpConf spec.families may hold. */
const FAMILY_CODES: Readonly<Record<number, Family>> = { [(1 << 16) | 1]: 4, [(2 << 16) | 1]: 6 };

/** The node's first InternalIP of each family. */
export function nodeAddresses(node: Node | undefined): Partial<Record<Family, string>> {
  const out: Partial<Record<Family, string>> = {};
  for (const a of node?.status?.addresses ?? []) {
    if (a.type !== 'InternalIP') continue;
    const fam = strictIpFamily(a.address);
    if (fam !== undefined && !out[fam]) out[fam] = a.address;
  }
  return out;
}

export function graceful(g: GracefulRestart | undefined): GracefulRestartSpec | undefined {
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
  const nodeV4 = nodeAddresses(node)[4];
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
  const families: Family[] = [];
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
