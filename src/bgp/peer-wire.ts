// Pure: our peer fields ↔ gobgp's Peer message (AddPeer / UpdatePeer out, ListPeer back in).
import type { RemovePrivateAs } from './types.ts';
import type { WireAfiSafi, WirePeer, WirePeerOut, WireRemovePrivate } from './client/wire.ts';
import { FAMILY, familyOfAfi } from './wire-family.ts';
import {
  DEFAULT_CONNECT_RETRY,
  DEFAULT_HOLD,
  familyOfAddress,
  grFields,
  type PeerFields,
} from './peer-fields.ts';
import { canonicalIp, type Family } from '../net/ip.ts';

export const REMOVE_PRIVATE_WIRE: Readonly<Record<RemovePrivateAs, WireRemovePrivate>> = {
  none: 'REMOVE_NONE',
  all: 'REMOVE_ALL',
  replace: 'REPLACE',
};

function removePrivateFromWire(v: WireRemovePrivate | undefined): RemovePrivateAs {
  return v === 'REMOVE_ALL' ? 'all' : v === 'REPLACE' ? 'replace' : 'none';
}

/** What gobgpd holds for a peer (ListPeer), in the same normalised terms. */
export function actualPeerFields(p: WirePeerOut, globalAsn: number): PeerFields | undefined {
  const conf = p.conf;
  if (!conf?.neighbor_address) return undefined;
  const address = canonicalIp(conf.neighbor_address);
  if (address === undefined) return undefined;
  const t = p.timers?.config;
  const holdTime = t?.hold_time || DEFAULT_HOLD;
  const families = [
    ...new Set(
      (p.afi_safis ?? [])
        .filter((a) => a.config?.enabled)
        .map((a) => familyOfAfi(a.config?.family.afi))
        .filter((f): f is Family => f !== undefined),
    ),
  ].sort((a, b) => a - b);
  const limits = (p.afi_safis ?? []).map((a) => a.prefix_limits?.max_prefixes ?? 0).filter((n) => n > 0);
  const tr = p.transport;
  const rp = tr?.remote_port ?? 0;
  const rawLocal = tr?.local_address || (familyOfAddress(address) === 4 ? '0.0.0.0' : '::');
  // not an address: left as is, it differs from anything desired, so it gets rewritten
  const localAddress = canonicalIp(rawLocal) ?? rawLocal;
  return {
    address,
    peerAsn: conf.peer_asn,
    localAsn: conf.local_asn || globalAsn,
    description: conf.description ?? '',
    password: conf.auth_password ?? '',
    adminDown: conf.admin_down ?? false,
    ebgpMultihopTtl: p.ebgp_multihop?.enabled ? p.ebgp_multihop.multihop_ttl : 0,
    holdTime,
    keepaliveInterval: t?.keepalive_interval || Math.floor(holdTime / 3),
    connectRetry: t?.connect_retry || DEFAULT_CONNECT_RETRY,
    families,
    passive: tr?.passive_mode ?? false,
    localAddress,
    remotePort: rp === 179 ? 0 : rp,
    minimumAdvertisementInterval: t?.minimum_advertisement_interval ?? 0,
    mtuDiscovery: tr?.mtu_discovery ?? false,
    tcpMss: tr?.tcp_mss ?? 0,
    gracefulRestart: grFields(p.graceful_restart),
    maxReceivedPrefixes: limits.length ? Math.max(...limits) : 0,
    allowOwnAs: conf.allow_own_asn ?? 0,
    replacePeerAs: conf.replace_peer_asn ?? false,
    removePrivateAs: removePrivateFromWire(conf.remove_private),
  };
}

/** The Peer message for AddPeer / UpdatePeer. */
export function toWirePeer(f: PeerFields): WirePeer {
  const afiSafis: WireAfiSafi[] = f.families.map((fam) => {
    const a: WireAfiSafi = { config: { family: FAMILY[fam], enabled: true } };
    if (f.gracefulRestart.enabled) a.mp_graceful_restart = { config: { enabled: true } };
    if (f.maxReceivedPrefixes)
      a.prefix_limits = {
        family: FAMILY[fam],
        max_prefixes: f.maxReceivedPrefixes,
        shutdown_threshold_pct: 0,
      };
    return a;
  });
  const gr = f.gracefulRestart;
  return {
    conf: {
      neighbor_address: f.address,
      peer_asn: f.peerAsn,
      local_asn: f.localAsn,
      // gobgp derives the type on AddPeer but compares it as sent on UpdatePeer: leaving it unset
      // there reads as INTERNAL and turns every eBGP update into a session reset
      type: f.peerAsn === f.localAsn ? 'INTERNAL' : 'EXTERNAL',
      description: f.description,
      auth_password: f.password,
      admin_down: f.adminDown,
      allow_own_asn: f.allowOwnAs,
      replace_peer_asn: f.replacePeerAs,
      remove_private: REMOVE_PRIVATE_WIRE[f.removePrivateAs],
    },
    ebgp_multihop: { enabled: f.ebgpMultihopTtl > 0, multihop_ttl: f.ebgpMultihopTtl },
    timers: {
      config: {
        hold_time: f.holdTime,
        keepalive_interval: f.keepaliveInterval,
        connect_retry: f.connectRetry,
        minimum_advertisement_interval: f.minimumAdvertisementInterval,
      },
    },
    transport: {
      passive_mode: f.passive,
      local_address: f.localAddress,
      remote_port: f.remotePort,
      mtu_discovery: f.mtuDiscovery,
      tcp_mss: f.tcpMss,
    },
    graceful_restart: gr.enabled
      ? {
          enabled: true,
          restart_time: gr.restartTime,
          helper_only: gr.helperOnly,
          deferral_time: gr.deferralTime,
          notification_enabled: gr.notificationEnabled,
          longlived_enabled: gr.longlivedEnabled,
          stale_routes_time: gr.staleRoutesTime,
        }
      : null,
    afi_safis: afiSafis,
  };
}
