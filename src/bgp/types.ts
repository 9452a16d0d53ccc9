// Desired state handed to the BGP sinks, in our own plain types (no Kubernetes objects, no proto
// shapes). Controllers map BgpConf / BgpPeer / Eip allocations onto these. Families are net/ip's Family.
import type { Family } from '../net/ip.ts';

export interface GracefulRestartSpec {
  enabled: boolean;
  /** seconds a peer keeps our routes after the session drops (BGP restart time) */
  restartTime?: number;
  helperOnly?: boolean;
  deferralTime?: number;
  notificationEnabled?: boolean;
  longlivedEnabled?: boolean;
  staleRoutesTime?: number;
}

/** BgpConf `default` for this node. */
export interface DesiredGlobal {
  asn: number;
  routerId: string;
  /** 0 = 179, -1 = do not listen (dial out only), else that port */
  listenPort: number;
  /** empty = gobgpd's default (0.0.0.0 and ::) */
  listenAddresses: readonly string[];
  /** default address families for peers that do not list their own; empty = the neighbour's family */
  families: readonly Family[];
  /** default graceful-restart settings for peers that have none of their own */
  gracefulRestart?: GracefulRestartSpec;
  useMultiplePaths?: boolean;
  bindToDevice?: string;
}

/** One BGP neighbour this node should have. `address` is the key. */
export interface DesiredPeer {
  address: string;
  peerAsn: number;
  /** overrides the global AS for this session */
  localAsn?: number;
  description?: string;
  /** TCP-MD5 password (already resolved from the Secret) */
  password?: string;
  /** eBGP multihop TTL; undefined/0 = directly connected */
  ebgpMultihopTtl?: number;
  /** seconds; gobgp's default is 90 */
  holdTime?: number;
  /** seconds; gobgp's default is holdTime / 3 */
  keepaliveInterval?: number;
  /** seconds; gobgp's default is 120 */
  connectRetry?: number;
  /** defaults to DesiredGlobal.families, else the neighbour address's family */
  families?: readonly Family[];
  passive?: boolean;
  localAddress?: string;
  /** TCP port of the neighbour; 0/undefined = 179 */
  remotePort?: number;
  /**
   * seconds between UPDATEs for a prefix (gobgp TimersConfig.minimum_advertisement_interval,
   * 0..65535). gobgpd 3.10 stores it but implements no MRAI timer and ListPeer does not report it.
   */
  minimumAdvertisementInterval?: number;
  /** gobgp Transport.mtu_discovery; gobgpd 3.10's AddPeer/UpdatePeer do not read it */
  mtuDiscovery?: boolean;
  /** gobgp Transport.tcp_mss: 0 = kernel default, else 88..32767 (Linux TCP_MAXSEG); gobgpd 3.10 does not read it */
  tcpMss?: number;
  /** per-peer graceful restart; defaults to DesiredGlobal.gracefulRestart */
  gracefulRestart?: GracefulRestartSpec;
  /** cap on prefixes received per family; the session is shut down above it (0/undefined = no cap) */
  maxReceivedPrefixes?: number;
  adminDown?: boolean;
  /** times our own AS may appear in a received AS path (0..255; 0/undefined = never) */
  allowOwnAs?: number;
  /** AS override: our AS replaces the neighbour's AS in paths sent to it (eBGP only) */
  replacePeerAs?: boolean;
  /** private AS numbers stripped (`all`) or replaced by ours (`replace`) in paths sent (eBGP only) */
  removePrivateAs?: RemovePrivateAs;
}

export type RemovePrivateAs = 'none' | 'all' | 'replace';

/** One route this node should announce. Key: family + canonical prefix. */
export interface DesiredPath {
  /** `192.0.2.10/32`, `2001:db8::10/128`; a bare address means a host route */
  prefix: string;
  family: Family;
  /** default self: `0.0.0.0` / `::` (gobgpd uses each session's local address) */
  nextHop?: string;
  /** `"65000:100"` or no-export / no-advertise / no-export-subconfed */
  communities?: readonly string[];
  /** `"65000:1:2"` */
  largeCommunities?: readonly string[];
  localPref?: number;
  /** MULTI_EXIT_DISC */
  med?: number;
  /**
   * RFC 10005 link bandwidth extended community: routers that honour it (FRR) weight ECMP next
   * hops by it. `asn` is 2-octet (AS_TRANS 23456 for a 4-octet AS), bandwidth in bytes per second.
   */
  linkBandwidth?: { asn: number; bytesPerSecond: number };
}

/** Session state of one peer, for status writers. */
export interface PeerStatus {
  address: string;
  peerAsn: number;
  sessionState: 'UNKNOWN' | 'IDLE' | 'CONNECT' | 'ACTIVE' | 'OPENSENT' | 'OPENCONFIRM' | 'ESTABLISHED';
  adminState: 'UP' | 'DOWN' | 'PFX_CT';
  /** when the session last became Established (undefined when not established) */
  establishedSince?: Date;
  /** seconds since establishedSince */
  uptimeSeconds?: number;
  /** when it last went down, if ever */
  downSince?: Date;
  negotiatedHoldTime: number;
  remoteRouterId: string;
  advertised: number;
  received: number;
  accepted: number;
  flops: number;
  /** notifications received/sent and the last error this manager saw for the peer */
  notificationsReceived: number;
  notificationsSent: number;
  lastError?: string;
}
