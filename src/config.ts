// Command line and environment → the manager's configuration. Every flag has an environment variable;
// a flag beats its variable, the variable beats the default.

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
  bgpReadyTimeoutMs: number;
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

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

type FlagKind = 'string' | 'duration' | 'addr' | 'level' | 'bool' | 'count';

interface FlagDef {
  flag: string;
  env: string;
  kind: FlagKind;
  key: keyof ManagerConfig;
  def?: string;
  required?: boolean;
  help: string;
}

const LOG_LEVELS = ['error', 'warn', 'info', 'verbose', 'debug', 'silly'];

export const FLAGS: readonly FlagDef[] = [
  {
    flag: 'kubeconfig',
    env: 'KUBECONFIG',
    kind: 'string',
    key: 'kubeconfig',
    help: 'kubeconfig file; unset = in-cluster service account',
  },
  {
    flag: 'kube-context',
    env: 'OPENELB_KUBE_CONTEXT',
    kind: 'string',
    key: 'kubeContext',
    help: 'context in the kubeconfig; default its current-context',
  },
  {
    flag: 'node-name',
    env: 'NODE_NAME',
    kind: 'string',
    key: 'nodeName',
    required: true,
    help: 'name of the Node this replica runs on (downward API spec.nodeName)',
  },
  {
    flag: 'pod-name',
    env: 'POD_NAME',
    kind: 'string',
    key: 'podName',
    help: "this replica's identity in Leases; default the node name",
  },
  {
    flag: 'namespace',
    env: 'POD_NAMESPACE',
    kind: 'string',
    key: 'namespace',
    def: 'openelb-system',
    help: 'namespace for Leases and Events',
  },
  {
    flag: 'health-addr',
    env: 'OPENELB_HEALTH_ADDR',
    kind: 'addr',
    key: 'healthAddr',
    def: ':8080',
    help: 'listen address for /healthz, /readyz and /metrics',
  },
  {
    flag: 'log-level',
    env: 'OPENELB_LOG_LEVEL',
    kind: 'level',
    key: 'logLevel',
    def: 'info',
    help: `log level: ${LOG_LEVELS.join('|')}`,
  },
  {
    flag: 'lease-duration',
    env: 'OPENELB_LEASE_DURATION',
    kind: 'duration',
    key: 'leaseDurationMs',
    def: '15s',
    help: 'Lease duration other replicas wait before taking over',
  },
  {
    flag: 'lease-renew-deadline',
    env: 'OPENELB_LEASE_RENEW_DEADLINE',
    kind: 'duration',
    key: 'leaseRenewDeadlineMs',
    def: '10s',
    help: 'a holder that could not renew for this long steps down (< lease duration)',
  },
  {
    flag: 'lease-retry-period',
    env: 'OPENELB_LEASE_RETRY_PERIOD',
    kind: 'duration',
    key: 'leaseRetryPeriodMs',
    def: '2s',
    help: 'interval between Lease renewals / acquisition attempts',
  },
  {
    flag: 'watch-stall-timeout',
    env: 'OPENELB_WATCH_STALL_TIMEOUT',
    kind: 'duration',
    key: 'watchStallTimeoutMs',
    def: '90s',
    help: 'restart a watch that delivered no event or bookmark for this long',
  },
  {
    flag: 'backoff-initial',
    env: 'OPENELB_BACKOFF_INITIAL',
    kind: 'duration',
    key: 'backoffInitialMs',
    def: '500ms',
    help: 'first retry delay after a list/watch error',
  },
  {
    flag: 'backoff-max',
    env: 'OPENELB_BACKOFF_MAX',
    kind: 'duration',
    key: 'backoffMaxMs',
    def: '30s',
    help: 'cap of the exponential list/watch retry delay',
  },
  {
    flag: 'shutdown-timeout',
    env: 'OPENELB_SHUTDOWN_TIMEOUT',
    kind: 'duration',
    key: 'shutdownTimeoutMs',
    def: '20s',
    help: 'force exit if a clean shutdown takes longer',
  },
  {
    flag: 'allocator-lease',
    env: 'OPENELB_ALLOCATOR_LEASE',
    kind: 'string',
    key: 'allocatorLease',
    def: 'openelb-manager',
    help: 'Lease electing the one replica that allocates IPs',
  },
  {
    flag: 'load-balancer-class',
    env: 'OPENELB_LOAD_BALANCER_CLASS',
    kind: 'string',
    key: 'loadBalancerClass',
    def: 'openelb.kubesphere.io/openelb',
    help: 'Services with this spec.loadBalancerClass are ours (as are those annotated lb.kubesphere.io/v1alpha1: openelb)',
  },
  {
    flag: 'claim-classless',
    env: 'OPENELB_CLAIM_CLASSLESS',
    kind: 'bool',
    key: 'claimClassless',
    def: 'false',
    help: 'also serve LoadBalancer Services with no loadBalancerClass and no openelb annotation',
  },
  {
    flag: 'webhook-addr',
    env: 'OPENELB_WEBHOOK_ADDR',
    kind: 'addr',
    key: 'webhookAddr',
    def: ':9443',
    help: 'HTTPS listen address of the admission and conversion webhook',
  },
  {
    flag: 'enable-webhook',
    env: 'OPENELB_ENABLE_WEBHOOK',
    kind: 'bool',
    key: 'enableWebhook',
    def: 'true',
    help: 'serve the webhook and manage its certificate',
  },
  {
    flag: 'enable-bgp',
    env: 'OPENELB_ENABLE_BGP',
    kind: 'bool',
    key: 'enableBgp',
    def: 'true',
    help: 'run the BGP speaker (drives the gobgpd sidecar)',
  },
  {
    flag: 'gobgp-socket',
    env: 'OPENELB_GOBGP_SOCKET',
    kind: 'string',
    key: 'gobgpSocket',
    def: '/run/openelb/gobgpd.sock',
    help: "unix socket of the gobgpd sidecar's gRPC API",
  },
  {
    flag: 'heartbeat-file',
    env: 'OPENELB_HEARTBEAT_FILE',
    kind: 'string',
    key: 'heartbeatFile',
    def: '/run/openelb/heartbeat',
    help: "file touched while the manager is alive; gobgpd's liveness probe checks it",
  },
  {
    flag: 'heartbeat-interval',
    env: 'OPENELB_HEARTBEAT_INTERVAL',
    kind: 'duration',
    key: 'heartbeatIntervalMs',
    def: '10s',
    help: 'how often the heartbeat file is touched',
  },
  {
    flag: 'bgp-drain',
    env: 'OPENELB_BGP_DRAIN',
    kind: 'duration',
    key: 'bgpDrainMs',
    def: '3s',
    help: 'on SIGTERM: time between withdrawing our paths and exiting',
  },
  {
    flag: 'bgp-ready-timeout',
    env: 'OPENELB_BGP_READY_TIMEOUT',
    kind: 'duration',
    key: 'bgpReadyTimeoutMs',
    def: '30s',
    help: 'readiness waits at most this long for sessions Established and paths advertised',
  },
  {
    flag: 'enable-layer2',
    env: 'OPENELB_ENABLE_LAYER2',
    kind: 'bool',
    key: 'enableLayer2',
    def: 'true',
    help: 'run the Layer 2 speaker (ARP/NDP for layer2 Eips)',
  },
  {
    flag: 'layer2-margin',
    env: 'OPENELB_LAYER2_MARGIN',
    kind: 'duration',
    key: 'layer2MarginMs',
    def: '250ms',
    help: 'an owner stops answering this long before its Lease could expire (self-fencing; < --layer2-lease-duration)',
  },
  {
    flag: 'layer2-lease-duration',
    env: 'OPENELB_LAYER2_LEASE_DURATION',
    kind: 'duration',
    key: 'layer2LeaseDurationMs',
    def: '800ms',
    help: "duration of each replica's Layer 2 Lease: a dead owner's IPs move after about this long (API writes scale with 1/--layer2-renew-interval)",
  },
  {
    flag: 'layer2-renew-interval',
    env: 'OPENELB_LAYER2_RENEW_INTERVAL',
    kind: 'duration',
    key: 'layer2RenewIntervalMs',
    def: '200ms',
    help: 'how often each replica renews its Layer 2 Lease (< lease duration − margin)',
  },
  {
    flag: 'layer2-probe-interval',
    env: 'OPENELB_LAYER2_PROBE_INTERVAL',
    kind: 'duration',
    key: 'layer2ProbeIntervalMs',
    def: '10s',
    help: 'ARP/NS probe of every owned IP to detect another answerer (0 = off)',
  },
  {
    flag: 'layer2-probe-wait',
    env: 'OPENELB_LAYER2_PROBE_WAIT',
    kind: 'duration',
    key: 'layer2ProbeWaitMs',
    def: '300ms',
    help: 'before answering an IP no replica answered just before: probe it (ARP probe / DAD) and wait this long for another host to answer (0 = no probe)',
  },
  {
    flag: 'layer2-takeover-probe-wait',
    env: 'OPENELB_LAYER2_TAKEOVER_PROBE_WAIT',
    kind: 'duration',
    key: 'layer2TakeoverProbeWaitMs',
    def: '50ms',
    help: 'the same probe window when taking over an IP another replica answered until just now (failover, hand-over)',
  },
  {
    flag: 'layer2-conflict-retry',
    env: 'OPENELB_LAYER2_CONFLICT_RETRY',
    kind: 'duration',
    key: 'layer2ConflictRetryMs',
    def: '2s',
    help: 'an IP refused because another host answers it is probed again after this long, then after twice the last delay',
  },
  {
    flag: 'layer2-conflict-retry-max',
    env: 'OPENELB_LAYER2_CONFLICT_RETRY_MAX',
    kind: 'duration',
    key: 'layer2ConflictRetryMaxMs',
    def: '1m',
    help: 'the longest delay between two probes of a refused IP',
  },
  {
    flag: 'memory-trim-threshold',
    env: 'OPENELB_MEMORY_TRIM_THRESHOLD',
    kind: 'count',
    key: 'memoryTrimThresholdMiB',
    def: '32',
    help: 'MiB of RSS growth after which an idle manager asks V8 to give freed heap pages back to the OS (0 = never)',
  },
  {
    flag: 'layer2-gratuitous-count',
    env: 'OPENELB_LAYER2_GRATUITOUS_COUNT',
    kind: 'count',
    key: 'layer2GratuitousCount',
    def: '3',
    help: 'gratuitous ARP / unsolicited NA packets sent on takeover',
  },
  {
    flag: 'layer2-gratuitous-interval',
    env: 'OPENELB_LAYER2_GRATUITOUS_INTERVAL',
    kind: 'duration',
    key: 'layer2GratuitousIntervalMs',
    def: '500ms',
    help: 'interval between takeover announcements',
  },
  {
    flag: 'layer2-keep-answering-without-api',
    env: 'OPENELB_LAYER2_KEEP_ANSWERING_WITHOUT_API',
    kind: 'bool',
    key: 'layer2KeepAnsweringWithoutApi',
    def: 'false',
    help: 'keep answering ARP/NDP when the API server is unreachable (risks two answerers; see README)',
  },
];

/** "15s", "500ms", "2m", "1h", "1.5s" or a bare number of seconds → milliseconds. */
export function parseDuration(s: string, what = 'duration'): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(s.trim());
  if (!m || m[1] === undefined)
    throw new ConfigError(`${what}: "${s}" is not a duration (e.g. 500ms, 15s, 2m)`);
  const n = Number(m[1]);
  const mult = m[2] === 'ms' ? 1 : m[2] === 'm' ? 60_000 : m[2] === 'h' ? 3_600_000 : 1000;
  return Math.round(n * mult);
}

/** ":8080", "127.0.0.1:8080", "[::1]:8080" → host and port. */
export function parseHostPort(s: string, what = 'address'): HostPort {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(s.trim());
  const port = m?.[3] !== undefined ? Number(m[3]) : NaN;
  if (!m || !(port >= 0 && port <= 65535))
    throw new ConfigError(`${what}: "${s}" is not host:port (e.g. :8080, 127.0.0.1:8080)`);
  return { host: m[1] ?? m[2] ?? '', port };
}

const VALUE_NAMES: Record<FlagKind, string> = {
  string: 'value',
  duration: 'duration',
  addr: 'host:port',
  level: 'level',
  bool: 'true|false',
  count: 'n',
};

export function helpText(): string {
  const lines = [
    'Usage: openelb-manager [flags]',
    '',
    'OpenELB-compatible bare-metal LoadBalancer manager. Every flag can also be set through the',
    'environment variable shown; a flag wins over its variable.',
    '',
  ];
  for (const f of FLAGS) {
    const left = `  --${f.flag} <${VALUE_NAMES[f.kind]}>`;
    const extra = [f.required ? 'required' : f.def !== undefined ? `default ${f.def}` : '', `env ${f.env}`]
      .filter(Boolean)
      .join('; ');
    lines.push(`${left.padEnd(38)} ${f.help} (${extra})`);
  }
  lines.push(`${'  --help'.padEnd(38)} print this help and exit`);
  lines.push(`${'  --version'.padEnd(38)} print the version and exit`);
  return lines.join('\n') + '\n';
}

export function parseConfig(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = process.env,
): ParseResult {
  const given = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (a === '--help' || a === '-h') return { kind: 'help', text: helpText() };
    if (a === '--version') return { kind: 'version' };
    if (!a.startsWith('--')) throw new ConfigError(`unexpected argument "${a}" (see --help)`);
    const eq = a.indexOf('=');
    const name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
    const def = FLAGS.find((f) => f.flag === name);
    if (!def) throw new ConfigError(`unknown flag --${name} (see --help)`);
    let value: string | undefined;
    if (eq >= 0) value = a.slice(eq + 1);
    else {
      value = argv[i + 1];
      i++;
    }
    if (value === undefined) throw new ConfigError(`--${name} needs a value`);
    given.set(name, value);
  }

  const out: Record<string, unknown> = {};
  for (const f of FLAGS) {
    const envVal = env[f.env];
    const raw = given.get(f.flag) ?? (envVal !== undefined && envVal !== '' ? envVal : undefined) ?? f.def;
    const what = `--${f.flag} / ${f.env}`;
    if (raw === undefined) {
      if (f.required) throw new ConfigError(`${what} is required`);
      out[f.key] = undefined;
      continue;
    }
    switch (f.kind) {
      case 'string':
        if (raw === '' && f.required) throw new ConfigError(`${what} is required`);
        out[f.key] = raw;
        break;
      case 'duration':
        out[f.key] = parseDuration(raw, what);
        break;
      case 'addr':
        out[f.key] = parseHostPort(raw, what);
        break;
      case 'bool':
        if (raw !== 'true' && raw !== 'false')
          throw new ConfigError(`${what}: "${raw}" is not true or false`);
        out[f.key] = raw === 'true';
        break;
      case 'count': {
        const n = Number(raw);
        if (!Number.isInteger(n) || n < 0)
          throw new ConfigError(`${what}: "${raw}" is not a whole number ≥ 0`);
        out[f.key] = n;
        break;
      }
      case 'level':
        if (!LOG_LEVELS.includes(raw))
          throw new ConfigError(`${what}: "${raw}" is not one of ${LOG_LEVELS.join(', ')}`);
        out[f.key] = raw;
        break;
    }
  }
  const c = out as unknown as ManagerConfig;
  c.podName ??= c.nodeName;
  if (c.leaseRenewDeadlineMs >= c.leaseDurationMs) {
    throw new ConfigError(
      `--lease-renew-deadline (${c.leaseRenewDeadlineMs} ms) must be shorter than --lease-duration (${c.leaseDurationMs} ms)`,
    );
  }
  if (c.leaseRetryPeriodMs >= c.leaseRenewDeadlineMs) {
    throw new ConfigError(
      `--lease-retry-period (${c.leaseRetryPeriodMs} ms) must be shorter than --lease-renew-deadline (${c.leaseRenewDeadlineMs} ms)`,
    );
  }
  if (c.backoffMaxMs < c.backoffInitialMs) {
    throw new ConfigError(
      `--backoff-max (${c.backoffMaxMs} ms) must not be below --backoff-initial (${c.backoffInitialMs} ms)`,
    );
  }
  if (c.layer2ConflictRetryMs <= 0 || c.layer2ConflictRetryMaxMs < c.layer2ConflictRetryMs) {
    throw new ConfigError(
      `--layer2-conflict-retry (${c.layer2ConflictRetryMs} ms) must be above 0 and not above --layer2-conflict-retry-max (${c.layer2ConflictRetryMaxMs} ms)`,
    );
  }
  if (c.leaseDurationMs % 1000 !== 0)
    throw new ConfigError(`--lease-duration must be whole seconds (Lease.spec.leaseDurationSeconds)`);
  return { kind: 'config', config: c };
}
