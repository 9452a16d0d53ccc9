// TypeScript shapes of the proto/ messages as @grpc/proto-loader hands them over with our
// LOADER_OPTIONS (keepCase, longs: Number, enums: String, defaults, oneofs, json).
// Requests may leave fields out; responses carry every field, with unset messages as null.
// Any values are written as { '@type': 'type.googleapis.com/apipb.X', ...fields } and read back in
// the same shape (types we do not declare come back as { type_url, value }).

export type Afi = 'AFI_UNKNOWN' | 'AFI_IP' | 'AFI_IP6';
export type Safi = 'SAFI_UNKNOWN' | 'SAFI_UNICAST';

export interface WireFamily {
  afi: Afi;
  safi: Safi;
}

export const ANY_PREFIX = 'type.googleapis.com/apipb.';

export interface WireAny {
  '@type'?: string;
  type_url?: string;
  value?: Uint8Array;
  [field: string]: unknown;
}

export interface WireIPAddressPrefix {
  '@type': `${typeof ANY_PREFIX}IPAddressPrefix`;
  prefix_len: number;
  prefix: string;
}

export interface WireTimestamp {
  seconds: number;
  nanos: number;
}

export interface WireGracefulRestart {
  enabled?: boolean;
  restart_time?: number;
  helper_only?: boolean;
  deferral_time?: number;
  notification_enabled?: boolean;
  longlived_enabled?: boolean;
  stale_routes_time?: number;
  peer_restart_time?: number;
  peer_restarting?: boolean;
  local_restarting?: boolean;
  mode?: string;
}

export type RouteAction = 'NONE' | 'ACCEPT' | 'REJECT';
export type PolicyDirection = 'UNKNOWN' | 'IMPORT' | 'EXPORT';
export type DefinedType =
  'PREFIX' | 'NEIGHBOR' | 'TAG' | 'AS_PATH' | 'COMMUNITY' | 'EXT_COMMUNITY' | 'LARGE_COMMUNITY' | 'NEXT_HOP';

export interface WireMatchSet {
  type?: 'ANY' | 'ALL' | 'INVERT';
  name?: string;
}

export interface WireConditions {
  prefix_set?: WireMatchSet | null;
  neighbor_set?: WireMatchSet | null;
  community_set?: WireMatchSet | null;
  route_type?: 'ROUTE_TYPE_NONE' | 'ROUTE_TYPE_INTERNAL' | 'ROUTE_TYPE_EXTERNAL' | 'ROUTE_TYPE_LOCAL';
  large_community_set?: WireMatchSet | null;
  afi_safi_in?: WireFamily[];
}

export interface WireStatement {
  name?: string;
  conditions?: WireConditions | null;
  actions?: { route_action?: RouteAction } | null;
}

export interface WirePolicy {
  name: string;
  statements?: WireStatement[];
}

export interface WirePolicyAssignment {
  name: string;
  direction: PolicyDirection;
  policies?: WirePolicy[];
  default_action?: RouteAction;
}

export interface WireApplyPolicy {
  in_policy?: WirePolicyAssignment | null;
  export_policy?: WirePolicyAssignment | null;
  import_policy?: WirePolicyAssignment | null;
}

export interface WirePrefix {
  ip_prefix: string;
  mask_length_min: number;
  mask_length_max: number;
}

export interface WireDefinedSet {
  defined_type: DefinedType;
  name: string;
  list?: string[];
  prefixes?: WirePrefix[];
}

export interface WireGlobal {
  asn: number;
  router_id: string;
  listen_port?: number;
  listen_addresses?: string[];
  families?: number[];
  use_multiple_paths?: boolean;
  graceful_restart?: WireGracefulRestart | null;
  apply_policy?: WireApplyPolicy | null;
  bind_to_device?: string;
}

export interface WirePeerConf {
  auth_password?: string;
  description?: string;
  local_asn?: number;
  neighbor_address: string;
  peer_asn: number;
  peer_group?: string;
  type?: 'INTERNAL' | 'EXTERNAL';
  /** gobgp refuses anything but REMOVE_NONE on an iBGP peer */
  remove_private?: WireRemovePrivate;
  neighbor_interface?: string;
  vrf?: string;
  /** times our own AS may appear in a received AS path (gobgp keeps a uint8) */
  allow_own_asn?: number;
  /** AS override; eBGP only */
  replace_peer_asn?: boolean;
  admin_down?: boolean;
}

export type WireRemovePrivate = 'REMOVE_NONE' | 'REMOVE_ALL' | 'REPLACE';

export type SessionState =
  'UNKNOWN' | 'IDLE' | 'CONNECT' | 'ACTIVE' | 'OPENSENT' | 'OPENCONFIRM' | 'ESTABLISHED';
export type AdminState = 'UP' | 'DOWN' | 'PFX_CT';

export interface WireMessageCounters {
  notification: number;
  update: number;
  open: number;
  keepalive: number;
  refresh: number;
  discarded: number;
  total: number;
  withdraw_update: number;
  withdraw_prefix: number;
}

export interface WirePeerState {
  neighbor_address: string;
  peer_asn: number;
  local_asn: number;
  session_state: SessionState;
  admin_state: AdminState;
  router_id: string;
  flops: number;
  messages: { received: WireMessageCounters | null; sent: WireMessageCounters | null } | null;
  remote_cap: WireAny[];
  local_cap: WireAny[];
}

export interface WireTimersConfig {
  connect_retry?: number;
  hold_time?: number;
  keepalive_interval?: number;
  minimum_advertisement_interval?: number;
  idle_hold_time_after_reset?: number;
}

export interface WireTimersState {
  connect_retry: number;
  hold_time: number;
  keepalive_interval: number;
  minimum_advertisement_interval: number;
  negotiated_hold_time: number;
  uptime: WireTimestamp | null;
  downtime: WireTimestamp | null;
}

export interface WireTransport {
  local_address?: string;
  local_port?: number;
  mtu_discovery?: boolean;
  passive_mode?: boolean;
  remote_address?: string;
  remote_port?: number;
  tcp_mss?: number;
  bind_interface?: string;
}

export interface WireAfiSafi {
  mp_graceful_restart?: { config?: { enabled: boolean } | null } | null;
  config?: { family: WireFamily; enabled: boolean } | null;
  state?: {
    family: WireFamily | null;
    enabled: boolean;
    received: number;
    accepted: number;
    advertised: number;
  } | null;
  prefix_limits?: { family: WireFamily; max_prefixes: number; shutdown_threshold_pct?: number } | null;
}

/** A Peer as sent to AddPeer/UpdatePeer. */
export interface WirePeer {
  apply_policy?: WireApplyPolicy | null;
  conf: WirePeerConf;
  ebgp_multihop?: { enabled: boolean; multihop_ttl: number } | null;
  timers?: { config?: WireTimersConfig | null } | null;
  transport?: WireTransport | null;
  graceful_restart?: WireGracefulRestart | null;
  afi_safis?: WireAfiSafi[];
}

/** A Peer as ListPeer / WatchEvent return it (defaults: true fills every scalar). */
export interface WirePeerOut {
  apply_policy: WireApplyPolicy | null;
  conf: Required<WirePeerConf> | null;
  ebgp_multihop: { enabled: boolean; multihop_ttl: number } | null;
  state: WirePeerState | null;
  timers: { config: Required<WireTimersConfig> | null; state: WireTimersState | null } | null;
  transport: Required<WireTransport> | null;
  graceful_restart: Required<WireGracefulRestart> | null;
  afi_safis: WireAfiSafi[];
}

export type TableType = 'GLOBAL' | 'LOCAL' | 'ADJ_IN' | 'ADJ_OUT' | 'VRF';

export interface WirePath {
  nlri: WireAny;
  pattrs: WireAny[];
  family: WireFamily;
  is_withdraw?: boolean;
  identifier?: number;
}

export interface WirePathOut extends WirePath {
  age: WireTimestamp | null;
  best: boolean;
  is_withdraw: boolean;
  source_asn: number;
  source_id: string;
  neighbor_ip: string;
  is_from_external: boolean;
  stale: boolean;
  filtered: boolean;
  uuid: Uint8Array;
  identifier: number;
  local_identifier: number;
}

export interface WireDestination {
  prefix: string;
  paths: WirePathOut[];
}

export interface WirePeerEvent {
  type: 'UNKNOWN' | 'INIT' | 'END_OF_INIT' | 'STATE';
  peer: WirePeerOut | null;
}

export interface WireWatchEventResponse {
  event?: 'peer' | 'table';
  peer?: WirePeerEvent | null;
  table?: { paths: WirePathOut[] } | null;
}

export interface WireGetTableResponse {
  num_destination: number;
  num_path: number;
  num_accepted: number;
}
