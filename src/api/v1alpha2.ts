// network.kubesphere.io/v1alpha2: the stored version. Field names and meanings are OpenELB 0.6's; the
// additions are marked. deploy/crds/*.yaml is the schema; these types mirror it field for field.
import type { Condition, KubeObject } from './meta.ts';

export type EipProtocol = 'bgp' | 'layer2' | 'vip';

export interface EipBgpAttributes {
  /** "asn:value" or a well-known name (no-export, no-advertise, no-export-subconfed, no-peer). */
  communities?: string[];
  /** "global:local1:local2". */
  largeCommunities?: string[];
  /** iBGP only. */
  localPref?: number;
  /**
   * openelb-ts: announce the covering IPv4 prefix of this length instead of each /32 (MetalLB's
   * aggregation-length); not shorter than the pool's own prefix, at most 32.
   */
  aggregationLength?: number;
  /** openelb-ts: the same for IPv6 pools, at most 128. */
  aggregationLengthV6?: number;
  /**
   * openelb-ts: weighted ECMP for externalTrafficPolicy: Local Services. Each replica attaches the
   * RFC 10005 link bandwidth community (1 Mbit/s per ready endpoint on its node) to its path; FRR
   * weights its next hops by it. Per Service: annotation bgp.openelb.kubesphere.io/weighted-ecmp.
   * Not with an aggregation length shorter than the host route.
   */
  weightedEcmp?: boolean;
}

export interface EipSpec {
  /** Single IP, CIDR or "first-last"; IPv4 or IPv6. */
  address: string;
  /** Empty or absent means bgp. */
  protocol?: EipProtocol;
  interface?: string;
  disable?: boolean;
  /** Accepted and ignored (unused by OpenELB 0.6). */
  usingKnownIPs?: boolean;
  /** Lower wins. */
  priority?: number;
  namespaces?: string[];
  namespaceSelector?: Record<string, string>;
  /** openelb-ts: false = only explicit requests. Default true. */
  autoAssign?: boolean;
  /** openelb-ts: path attributes for bgp pools. */
  bgp?: EipBgpAttributes;
}

export interface EipStatus {
  firstIP?: string;
  lastIP?: string;
  poolSize?: number;
  usage?: number;
  /** ip -> "ns/name" or "ns/a;ns/b" when shared. The allocation database. */
  used?: Record<string, string>;
  /** openelb-ts: "ns/name" -> Service uid. */
  serviceUIDs?: Record<string, string>;
  occupied?: boolean;
  ready?: boolean;
  v4?: boolean;
  conditions?: Condition[];
}

export interface Eip extends KubeObject {
  spec: EipSpec;
  status?: EipStatus;
}

export interface GracefulRestart {
  enabled?: boolean;
  restartTime?: number;
  helperOnly?: boolean;
  deferralTime?: number;
  notificationEnabled?: boolean;
  longlivedEnabled?: boolean;
  staleRoutesTime?: number;
  /** The four below are gobgp state fields: accepted and ignored. */
  peerRestartTime?: number;
  peerRestarting?: boolean;
  localRestarting?: boolean;
  mode?: string;
}

export interface BgpConfSpec {
  as?: number;
  asPerRack?: Record<string, number>;
  routerId?: string;
  /** -1 = never listen (dial out only). */
  listenPort?: number;
  listenAddresses?: string[];
  families?: number[];
  useMultiplePaths?: boolean;
  gracefulRestart?: GracefulRestart;
  /** Accepted and ignored (OpenELB: a ConfigMap of gobgp TOML policies). */
  policy?: string;
}

export interface NodeConfStatus {
  routerId?: string;
  as?: number;
  listenPort?: number;
  lastError?: string;
  updateTime?: string;
}

export interface BgpConfStatus {
  nodesConfStatus?: Record<string, NodeConfStatus>;
  conditions?: Condition[];
}

export interface BgpConf extends KubeObject {
  spec: BgpConfSpec;
  status?: BgpConfStatus;
}

export interface SecretKeyRef {
  name: string;
  /** Default "password". */
  key?: string;
}

export interface PeerConf {
  neighborAddress?: string;
  peerAs?: number;
  localAs?: number;
  description?: string;
  authPassword?: string;
  /** openelb-ts: password from a Secret in the manager's namespace. */
  authPasswordSecretRef?: SecretKeyRef;
  adminDown?: boolean;
  allowOwnAs?: number;
  replacePeerAs?: boolean;
  removePrivateAs?: '' | 'NONE' | 'ALL' | 'REPLACE';
  sendCommunity?: number;
  peerType?: number;
  peerGroup?: string;
  routeFlapDamping?: boolean;
  neighborInterface?: string;
  vrf?: string;
}

export interface EbgpMultihop {
  enabled?: boolean;
  multihopTtl?: number;
}

/** Seconds; OpenELB wrote them as strings ("9"), integers are accepted too. */
export type TimerValue = string | number;

export interface TimersConfig {
  holdTime?: TimerValue;
  keepaliveInterval?: TimerValue;
  connectRetry?: TimerValue;
  minimumAdvertisementInterval?: TimerValue;
}

export interface Timers {
  config?: TimersConfig;
}

export interface Transport {
  passiveMode?: boolean;
  remotePort?: number;
  /** openelb-ts. */
  localAddress?: string;
  mtuDiscovery?: boolean;
  tcpMss?: number;
  /** gobgp state field: accepted and ignored. */
  remoteAddress?: string;
}

/** A BgpPeer afiSafis entry's route family, in gobgp's names (not an IP family: that is net/ip's Family). */
export interface AfiSafiFamily {
  /** gobgp enum names: AFI_IP, AFI_IP6. */
  afi?: string;
  /** gobgp enum names: SAFI_UNICAST. */
  safi?: string;
}

export interface AfiSafi {
  config?: { family?: AfiSafiFamily; enabled?: boolean };
  /** Accepted and ignored. */
  addPaths?: { config?: { receive?: boolean; sendMax?: number } };
  mpGracefulRestart?: { config?: { enabled?: boolean } };
}

export interface LabelSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

export interface BgpPeerSpec {
  conf?: PeerConf;
  ebgpMultihop?: EbgpMultihop;
  timers?: Timers;
  transport?: Transport;
  gracefulRestart?: GracefulRestart;
  afiSafis?: AfiSafi[];
  /** Absent = every replica. */
  nodeSelector?: LabelSelector;
}

export interface MessageCounters {
  notification?: string;
  update?: string;
  open?: string;
  keepalive?: string;
  refresh?: string;
  discarded?: string;
  total?: string;
  withdrawUpdate?: string;
  withdrawPrefix?: string;
}

export interface PeerState {
  neighborAddress?: string;
  peerAs?: number;
  localAs?: number;
  routerId?: string;
  /** e.g. ESTABLISHED, ACTIVE, IDLE. */
  sessionState?: string;
  adminState?: string;
  description?: string;
  peerGroup?: string;
  peerType?: number;
  removePrivateAs?: string;
  routeFlapDamping?: boolean;
  sendCommunity?: number;
  authPassword?: string;
  flops?: number;
  outQ?: number;
  queues?: { input?: number; output?: number };
  messages?: { received?: MessageCounters; sent?: MessageCounters };
}

export interface TimersState {
  connectRetry?: string;
  holdTime?: string;
  keepaliveInterval?: string;
  minimumAdvertisementInterval?: string;
  negotiatedHoldTime?: string;
  uptime?: string;
  downtime?: string;
}

export interface NodePeerStatus {
  peerState?: PeerState;
  timersState?: TimersState;
  /** openelb-ts additions below. */
  advertisedPrefixes?: number;
  receivedPrefixes?: number;
  acceptedPrefixes?: number;
  lastError?: string;
  updateTime?: string;
}

export interface BgpPeerStatus {
  nodesPeerStatus?: Record<string, NodePeerStatus>;
  conditions?: Condition[];
}

export interface BgpPeer extends KubeObject {
  spec: BgpPeerSpec;
  status?: BgpPeerStatus;
}
