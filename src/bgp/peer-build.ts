import type {
  DesiredGlobal,
  DesiredPeer,
  GracefulRestartSpec,
  IpFamily,
  PeerStatus,
  RemovePrivateAs,
} from './types.ts';
import type {
  WireAfiSafi,
  WireGracefulRestart,
  WirePeer,
  WirePeerOut,
  WireRemovePrivate,
} from './client/wire.ts';
import { canonicalIp } from '../net/ip.ts';
import { FAMILY } from './path-build.ts';
import {
  BgpValidationError,
  parseAddress,
  validateAsn,
  validateTcpMss,
  validateTimerSeconds,
  validateUint32,
} from './validate.ts';

// Pure: desired peer ↔ gobgp Peer, and the per-field cost of a change (what gobgp 3.10's
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
  families: IpFamily[];
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

const REMOVE_PRIVATE_WIRE: Readonly<Record<RemovePrivateAs, WireRemovePrivate>> = {
  none: 'REMOVE_NONE',
  all: 'REMOVE_ALL',
  replace: 'REPLACE',
};

function removePrivateFromWire(v: WireRemovePrivate | undefined): RemovePrivateAs {
  return v === 'REMOVE_ALL' ? 'all' : v === 'REPLACE' ? 'replace' : 'none';
}

// gobgp 3.10 defaults (measured with ListPeer after an AddPeer that left them unset)
const DEFAULT_HOLD = 90;
const DEFAULT_CONNECT_RETRY = 120;

function familyOfAddress(address: string): IpFamily {
  return parseAddress(address).family;
}

function grFields(
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

/** Desired peer + global defaults → the fields we want gobgpd to hold (validated). */
export function desiredPeerFields(d: DesiredPeer, g: DesiredGlobal): PeerFields {
  const ctx = { peer: d.address };
  const address = parseAddress(d.address, ctx).address;
  validateAsn(d.peerAsn, 'peerAsn', ctx);
  if (d.localAsn !== undefined) validateAsn(d.localAsn, 'localAsn', ctx);
  const families = [
    ...new Set(d.families?.length ? d.families : g.families.length ? g.families : [familyOfAddress(address)]),
  ].sort();
  for (const f of families)
    if (f !== 'ipv4' && f !== 'ipv6')
      throw new BgpValidationError('families: ipv4 or ipv6', { ...ctx, family: f });
  const holdTime = d.holdTime ? validateUint32(d.holdTime, 'holdTime', ctx) : DEFAULT_HOLD;
  if (holdTime !== 0 && holdTime < 3)
    throw new BgpValidationError('holdTime must be 0 or at least 3 seconds', { ...ctx, holdTime });
  const keepaliveInterval = d.keepaliveInterval
    ? validateUint32(d.keepaliveInterval, 'keepaliveInterval', ctx)
    : Math.floor(holdTime / 3);
  if (keepaliveInterval > holdTime)
    throw new BgpValidationError('keepaliveInterval must not exceed holdTime', {
      ...ctx,
      keepaliveInterval,
      holdTime,
    });
  const ttl = d.ebgpMultihopTtl ?? 0;
  if (!Number.isInteger(ttl) || ttl < 0 || ttl > 255)
    throw new BgpValidationError('ebgpMultihopTtl must be 0..255', { ...ctx, ebgpMultihopTtl: ttl });
  const remotePort = d.remotePort ?? 0;
  if (!Number.isInteger(remotePort) || remotePort < 0 || remotePort > 65535)
    throw new BgpValidationError('remotePort must be 0..65535', { ...ctx, remotePort });
  const minimumAdvertisementInterval = validateTimerSeconds(
    d.minimumAdvertisementInterval ?? 0,
    'minimumAdvertisementInterval',
    ctx,
  );
  const tcpMss = validateTcpMss(d.tcpMss ?? 0, ctx);
  const mtuDiscovery: unknown = d.mtuDiscovery ?? false;
  if (typeof mtuDiscovery !== 'boolean')
    throw new BgpValidationError('mtuDiscovery must be true or false', { ...ctx, mtuDiscovery });
  const allowOwnAs = d.allowOwnAs ?? 0;
  if (!Number.isInteger(allowOwnAs) || allowOwnAs < 0 || allowOwnAs > 255)
    throw new BgpValidationError('allowOwnAs must be 0..255', { ...ctx, allowOwnAs });
  const removePrivateAs = d.removePrivateAs ?? 'none';
  if (!Object.hasOwn(REMOVE_PRIVATE_WIRE, removePrivateAs))
    throw new BgpValidationError('removePrivateAs must be none, all or replace', { ...ctx, removePrivateAs });
  const localAsn = d.localAsn ?? g.asn;
  // gobgp refuses both on an iBGP session ("can't set ... for iBGP peer"); say so here, by field
  if (d.peerAsn === localAsn && removePrivateAs !== 'none')
    throw new BgpValidationError('removePrivateAs applies to eBGP sessions only (peer AS equals local AS)', {
      ...ctx,
      removePrivateAs,
    });
  if (d.peerAsn === localAsn && d.replacePeerAs)
    throw new BgpValidationError(
      'replacePeerAs applies to eBGP sessions only (peer AS equals local AS)',
      ctx,
    );
  let localAddress = familyOfAddress(address) === 'ipv4' ? '0.0.0.0' : '::';
  if (d.localAddress) {
    const la = parseAddress(d.localAddress, { ...ctx, field: 'localAddress' });
    if (la.family !== familyOfAddress(address))
      throw new BgpValidationError('localAddress family differs from the neighbour address', {
        ...ctx,
        localAddress: d.localAddress,
      });
    localAddress = la.address;
  }
  return {
    address,
    peerAsn: d.peerAsn,
    localAsn,
    description: d.description ?? '',
    password: d.password ?? '',
    adminDown: d.adminDown ?? false,
    ebgpMultihopTtl: ttl,
    holdTime,
    keepaliveInterval,
    connectRetry: d.connectRetry
      ? validateUint32(d.connectRetry, 'connectRetry', ctx)
      : DEFAULT_CONNECT_RETRY,
    families,
    passive: d.passive ?? false,
    localAddress,
    remotePort: remotePort === 179 ? 0 : remotePort,
    minimumAdvertisementInterval,
    mtuDiscovery,
    tcpMss,
    gracefulRestart: grFields(d.gracefulRestart ?? g.gracefulRestart),
    maxReceivedPrefixes: d.maxReceivedPrefixes
      ? validateUint32(d.maxReceivedPrefixes, 'maxReceivedPrefixes', ctx)
      : 0,
    allowOwnAs,
    replacePeerAs: d.replacePeerAs ?? false,
    removePrivateAs,
  };
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
        .map((a) =>
          a.config?.family.afi === 'AFI_IP'
            ? 'ipv4'
            : a.config?.family.afi === 'AFI_IP6'
              ? 'ipv6'
              : undefined,
        )
        .filter((f): f is IpFamily => f !== undefined),
    ),
  ].sort();
  const limits = (p.afi_safis ?? []).map((a) => a.prefix_limits?.max_prefixes ?? 0).filter((n) => n > 0);
  const tr = p.transport;
  const rp = tr?.remote_port ?? 0;
  const rawLocal = tr?.local_address || (familyOfAddress(address) === 'ipv4' ? '0.0.0.0' : '::');
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

export interface PeerFieldChange {
  field: keyof PeerFields;
  class: PeerChangeClass;
}

export function diffPeerFields(actual: PeerFields, desired: PeerFields): PeerFieldChange[] {
  const out: PeerFieldChange[] = [];
  for (const field of Object.keys(PEER_FIELD_CLASSES) as (keyof typeof PEER_FIELD_CLASSES)[]) {
    if (JSON.stringify(actual[field]) !== JSON.stringify(desired[field]))
      out.push({ field, class: PEER_FIELD_CLASSES[field] });
  }
  return out;
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

/** ListPeer entry → status for BgpPeer status writers. */
export function peerStatusFromWire(p: WirePeerOut, now: Date = new Date()): PeerStatus | undefined {
  const address = p.conf?.neighbor_address ?? p.state?.neighbor_address;
  if (!address) return undefined;
  const st = p.state;
  const ts = p.timers?.state;
  let advertised = 0;
  let received = 0;
  let accepted = 0;
  for (const a of p.afi_safis ?? []) {
    advertised += a.state?.advertised ?? 0;
    received += a.state?.received ?? 0;
    accepted += a.state?.accepted ?? 0;
  }
  const established = st?.session_state === 'ESTABLISHED';
  const out: PeerStatus = {
    address,
    peerAsn: p.conf?.peer_asn ?? st?.peer_asn ?? 0,
    sessionState: st?.session_state ?? 'UNKNOWN',
    adminState: st?.admin_state ?? 'UP',
    negotiatedHoldTime: ts?.negotiated_hold_time ?? 0,
    remoteRouterId: st?.router_id ?? '',
    advertised,
    received,
    accepted,
    flops: st?.flops ?? 0,
    notificationsReceived: st?.messages?.received?.notification ?? 0,
    notificationsSent: st?.messages?.sent?.notification ?? 0,
  };
  if (established && ts?.uptime && ts.uptime.seconds > 0) {
    out.establishedSince = new Date(ts.uptime.seconds * 1000);
    out.uptimeSeconds = Math.max(0, Math.floor((now.getTime() - out.establishedSince.getTime()) / 1000));
  }
  if (ts?.downtime && ts.downtime.seconds > 0) out.downSince = new Date(ts.downtime.seconds * 1000);
  return out;
}
