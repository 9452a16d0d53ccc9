import { isDeepStrictEqual } from 'node:util';
import type { Family } from '../net/ip.ts';
import type { GracefulRestartSpec, RemovePrivateAs } from './types.ts';
import type { WireGracefulRestart } from './client/wire.ts';
import { parseAddress } from './validate.ts';

// Pure: a peer in our normalised terms, and the per-field cost of a change (what gobgp 3.10's
// UpdatePeer does with it, read in its source: conf, transport, afi-safis and graceful restart
// changes make it delete and re-add the neighbour; timers are only stored; ebgp-multihop is
// ignored by UpdatePeer, so we delete and re-add the peer ourselves). allow_own_asn and
// replace_peer_asn (AsPathOptions) and remove_private (NeighborConfig) are part of
// NeedsResendOpenMessage in 3.10, so UpdatePeer deletes and re-adds the neighbour for them too.
// minimum_advertisement_interval is a timer like the others (stored without a reset; 3.10 has no
// MRAI timer that would use it). tcp_mss and mtu_discovery are not read by 3.10's AddPeer or
// UpdatePeer at all (newNeighborFromAPIStruct skips them), so an edit can never reset a session.

/**
 * live: no reset; next-session: stored now, used when the session next comes up (no reset);
 * peer-reset: that one session resets (UpdatePeer); recreate: that one peer is deleted and
 * re-added (also a reset of only that session).
 */
export type PeerChangeClass = 'live' | 'next-session' | 'peer-reset' | 'recreate';

/** Fields of a peer as we compare them (both sides normalised with gobgp's defaults). */
export interface PeerFields {
  address: string;
  peerAsn: number;
  localAsn: number;
  description: string;
  password: string;
  adminDown: boolean;
  ebgpMultihopTtl: number;
  holdTime: number;
  keepaliveInterval: number;
  connectRetry: number;
  families: Family[];
  passive: boolean;
  localAddress: string;
  remotePort: number;
  minimumAdvertisementInterval: number;
  mtuDiscovery: boolean;
  tcpMss: number;
  gracefulRestart: {
    enabled: boolean;
    restartTime: number;
    helperOnly: boolean;
    deferralTime: number;
    notificationEnabled: boolean;
    longlivedEnabled: boolean;
    staleRoutesTime: number;
  };
  maxReceivedPrefixes: number;
  allowOwnAs: number;
  replacePeerAs: boolean;
  removePrivateAs: RemovePrivateAs;
}

export const PEER_FIELD_CLASSES: Readonly<Record<Exclude<keyof PeerFields, 'address'>, PeerChangeClass>> = {
  peerAsn: 'peer-reset',
  localAsn: 'peer-reset',
  description: 'peer-reset',
  password: 'peer-reset',
  adminDown: 'peer-reset',
  ebgpMultihopTtl: 'recreate',
  holdTime: 'next-session',
  keepaliveInterval: 'next-session',
  connectRetry: 'next-session',
  minimumAdvertisementInterval: 'next-session',
  families: 'peer-reset',
  passive: 'peer-reset',
  localAddress: 'peer-reset',
  remotePort: 'peer-reset',
  mtuDiscovery: 'live',
  tcpMss: 'live',
  gracefulRestart: 'peer-reset',
  maxReceivedPrefixes: 'live',
  allowOwnAs: 'peer-reset',
  replacePeerAs: 'peer-reset',
  removePrivateAs: 'peer-reset',
};

/**
 * Fields gobgpd 3.10's ListPeer never reports: it answers 0 / false whatever AddPeer sent
 * (NewPeerFromConfigStruct leaves MRAI out; tcp_mss and mtu_discovery are dropped on the way in).
 * A default on the actual side therefore means "unknown", and PeersSink fills it in from what it
 * last sent (or, for a peer it adopted, assumes the desired value) before diffing.
 */
export const UNREPORTED_PEER_FIELDS = ['minimumAdvertisementInterval', 'mtuDiscovery', 'tcpMss'] as const;
export type UnreportedPeerFields = Pick<PeerFields, (typeof UNREPORTED_PEER_FIELDS)[number]>;

export function unreportedOf(f: PeerFields): UnreportedPeerFields {
  return {
    minimumAdvertisementInterval: f.minimumAdvertisementInterval,
    mtuDiscovery: f.mtuDiscovery,
    tcpMss: f.tcpMss,
  };
}

/** `actual`, with every unreported field that gobgpd answered with its default taken from `known`. */
export function withUnreported(actual: PeerFields, known: UnreportedPeerFields): PeerFields {
  return {
    ...actual,
    minimumAdvertisementInterval: actual.minimumAdvertisementInterval || known.minimumAdvertisementInterval,
    mtuDiscovery: actual.mtuDiscovery || known.mtuDiscovery,
    tcpMss: actual.tcpMss || known.tcpMss,
  };
}

export interface PeerFieldChange {
  field: keyof PeerFields;
  class: PeerChangeClass;
}

export function diffPeerFields(actual: PeerFields, desired: PeerFields): PeerFieldChange[] {
  const out: PeerFieldChange[] = [];
  for (const field of Object.keys(PEER_FIELD_CLASSES) as (keyof typeof PEER_FIELD_CLASSES)[]) {
    if (!isDeepStrictEqual(actual[field], desired[field]))
      out.push({ field, class: PEER_FIELD_CLASSES[field] });
  }
  return out;
}

// gobgp 3.10 defaults (measured with ListPeer after an AddPeer that left them unset)
export const DEFAULT_HOLD = 90;
export const DEFAULT_CONNECT_RETRY = 120;

export function familyOfAddress(address: string): Family {
  return parseAddress(address).family;
}

export function grFields(
  g: GracefulRestartSpec | WireGracefulRestart | null | undefined,
): PeerFields['gracefulRestart'] {
  const w = g as (GracefulRestartSpec & WireGracefulRestart) | null | undefined;
  const enabled = !!w?.enabled;
  if (!enabled)
    return {
      enabled: false,
      restartTime: 0,
      helperOnly: false,
      deferralTime: 0,
      notificationEnabled: false,
      longlivedEnabled: false,
      staleRoutesTime: 0,
    };
  return {
    enabled,
    restartTime: w?.restartTime ?? w?.restart_time ?? 0,
    helperOnly: w?.helperOnly ?? w?.helper_only ?? false,
    deferralTime: w?.deferralTime ?? w?.deferral_time ?? 0,
    notificationEnabled: w?.notificationEnabled ?? w?.notification_enabled ?? false,
    longlivedEnabled: w?.longlivedEnabled ?? w?.longlived_enabled ?? false,
    staleRoutesTime: w?.staleRoutesTime ?? w?.stale_routes_time ?? 0,
  };
}
