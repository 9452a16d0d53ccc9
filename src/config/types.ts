// The manager's configuration and the shape of the one table of flags that fills it.

export interface HostPort {
  /** '' means all addresses. */
  host: string;
  port: number;
}

export interface ManagerConfig {
  kubeconfig: string | undefined;
  kubeContext: string | undefined;
  nodeName: string;
  podName: string;
  namespace: string;
  healthAddr: HostPort;
  logLevel: string;
  leaseDurationMs: number;
  leaseRenewDeadlineMs: number;
  leaseRetryPeriodMs: number;
  watchStallTimeoutMs: number;
  backoffInitialMs: number;
  backoffMaxMs: number;
  shutdownTimeoutMs: number;
  // allocator
  allocatorLease: string;
  loadBalancerClass: string;
  claimClassless: boolean;
  // webhook
  webhookAddr: HostPort;
  enableWebhook: boolean;
  // BGP speaker
  enableBgp: boolean;
  gobgpSocket: string;
  heartbeatFile: string;
  heartbeatIntervalMs: number;
  bgpDrainMs: number;
  bgpGracefulShutdownMs: number;
  bgpReadyTimeoutMs: number;
  announcedWritesPerSecond: number;
  replicaGoneAfterMs: number;
  // Layer 2 speaker
  enableLayer2: boolean;
  layer2MarginMs: number;
  layer2LeaseDurationMs: number;
  layer2RenewIntervalMs: number;
  layer2ProbeIntervalMs: number;
  layer2ProbeWaitMs: number;
  layer2TakeoverProbeWaitMs: number;
  layer2ConflictRetryMs: number;
  layer2ConflictRetryMaxMs: number;
  layer2GratuitousCount: number;
  memoryTrimThresholdMiB: number;
  layer2GratuitousIntervalMs: number;
  layer2KeepAnsweringWithoutApi: boolean;
}

export type ParseResult =
  { kind: 'config'; config: ManagerConfig } | { kind: 'help'; text: string } | { kind: 'version' };

/** How a flag's text becomes its value; each kind fits only config fields of its type. */
export interface KindValues {
  string: string;
  level: string;
  duration: number;
  count: number;
  bool: boolean;
  addr: HostPort;
}
export type FlagKind = keyof KindValues;

type KindsFor<T> = { [K in FlagKind]: KindValues[K] extends T ? K : never }[FlagKind];

interface FlagFields<K extends keyof ManagerConfig> {
  /** Name on the command line, without the leading `--`. */
  flag: string;
  /** Environment variable read when the flag is not given. */
  env: string;
  key: K;
  kind: KindsFor<NonNullable<ManagerConfig[K]>>;
  /** Default as a user would type it; absent = no default. */
  def?: string;
  required?: boolean;
  help: string;
  /** The flag's former name and variable, still accepted (the new ones win when both are set). */
  was?: { flag: string; env: string };
}

/** One row of the flag table; the kind must produce the type of the config field it fills. */
export type FlagDef = { [K in keyof ManagerConfig]: FlagFields<K> }[keyof ManagerConfig];
