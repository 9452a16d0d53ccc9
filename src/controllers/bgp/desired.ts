// Pure mapping from Kubernetes objects to the BGP speaker's desired state for ONE node, in three
// parts: desired-global.ts (BgpConf `default` → DesiredGlobal), this file (the BgpPeers selecting
// the node → DesiredPeer[]) and desired-paths.ts (announcements → DesiredPath[]). Problems worth
// telling a human come back as notes (the component turns them into Events); nothing here does I/O.
import type { BgpPeer } from '../../api/v1alpha2.ts';
import type { DesiredGlobal, DesiredPeer } from '../../bgp/index.ts';
import { familyOfAfi } from '../../bgp/wire-family.ts';
import type { Node } from '../../kube/types.ts';
import { strictIpFamily, type Family } from '../../net/ip.ts';
import { conflictMessage, neighborConflicts } from '../../api/rules/index.ts';
import { graceful, type Note } from './desired-global.ts';
import { labelsMatch } from './selector.ts';

function timer(v: string | number | undefined): number | undefined {
  if (v === undefined || v === '') return undefined;
  const n = typeof v === 'number' ? v : Number(v);
  return Number.isSafeInteger(n) && n >= 0 ? n : NaN;
}

/** The family of a neighbour address; one that is not an address (refused by the BGP checks) counts as 4. */
export function familyOf(address: string): Family {
  return strictIpFamily(address) ?? 4;
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
    const fams: Family[] = [];
    for (const a of p.spec.afiSafis ?? []) {
      if (a.config?.enabled === false) continue;
      const afi = a.config?.family?.afi;
      const f = afi === undefined ? familyOf(c.neighborAddress) : familyOfAfi(afi);
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
export function peerFamilies(p: DesiredPeer, g: DesiredGlobal | undefined): Family[] {
  if (p.families?.length) return [...p.families];
  if (g?.families.length) return [...g.families];
  return [familyOf(p.address)];
}
