// What the dashboard shows, as data: one entry per panel, each with the PromQL it runs. The builder
// (build.ts) turns this into Grafana's JSON with the foundation SDK; the e2e test reads the JSON the
// chart ships and evaluates every expression against a real Prometheus.
//
// Every replica reports the per-pool gauges (computed from the shared Eip cache), so pools use max by
// eip; per-replica series carry their own node label, or get it from openelb_manager_info (byNode).

export type PanelKind = 'timeseries' | 'stat' | 'statetimeline' | 'bargauge';

export interface PanelQuery {
  expr: string;
  legend: string;
}

export interface PanelSpec {
  title: string;
  description: string;
  kind: PanelKind;
  unit: string;
  /** width in grid columns (24 per row) */
  width: number;
  queries: PanelQuery[];
}

export interface RowSpec {
  title: string;
  panels: PanelSpec[];
}

/** Warning reasons the allocator gives a Service it cannot serve (src/controllers/service/decide.ts). */
export const ALLOCATION_FAILURE_REASONS = [
  'PoolExhausted',
  'PoolUnusable',
  'NoMatchingPool',
  'NamespaceNotAllowed',
  'RequestedIPUnavailable',
  'InvalidRequest',
] as const;

/** BGP FSM states as openelb_bgp_session_state encodes them (src/controllers/bgp/reporter.ts). */
export const SESSION_STATES: readonly string[] = [
  'unknown',
  'idle',
  'connect',
  'active',
  'opensent',
  'openconfirm',
  'established',
];

const failureReasons = ALLOCATION_FAILURE_REASONS.join('|');

/**
 * Counts in the last interval of a counter whose series may first be scraped above 0: a labelled
 * series is created by its first increment (prom-client exposes a label set only once used), and a
 * new replica can take over its Layer 2 IPs before its first scrape. increase() alone never sees that
 * first step, so the first PoolExhausted would be drawn as 0: a series that did not exist one interval
 * ago counts with its whole value (`+ 0` drops the metric name so both sides carry the same labels and
 * `or` takes the first).
 */
export function increaseFromZero(selector: string): string {
  const w = '$__rate_interval';
  return `((${selector} unless ${selector} offset ${w}) + 0) or increase(${selector}[${w}])`;
}

/** Sums a per-process expression per node: openelb_manager_info maps each scrape target to its node. */
export function byNode(expr: string): string {
  return `sum by (node) ((${expr}) * on (instance) group_left (node) openelb_manager_info)`;
}

export const ROWS: RowSpec[] = [
  {
    title: 'BGP',
    panels: [
      {
        title: 'BGP sessions (replica × peer)',
        description:
          'FSM state of every session, one line per replica (node) and BgpPeer. Anything but established means the router is not getting this replica’s routes.',
        kind: 'statetimeline',
        unit: 'none',
        width: 16,
        queries: [{ expr: 'max by (node, peer) (openelb_bgp_session_state)', legend: '{{node}} → {{peer}}' }],
      },
      {
        title: 'Sessions established',
        description: 'Sessions in state Established out of all sessions the replicas run.',
        kind: 'stat',
        unit: 'none',
        width: 8,
        queries: [
          { expr: 'sum(openelb_bgp_session_established)', legend: 'established' },
          { expr: 'count(openelb_bgp_session_established)', legend: 'sessions' },
        ],
      },
      {
        title: 'Paths announced',
        description:
          'Service routes each replica hands to its gobgpd, by address family, and desired routes refused by validation (never sent).',
        kind: 'timeseries',
        unit: 'none',
        width: 24,
        queries: [
          { expr: 'sum by (node, family) (openelb_bgp_paths_announced)', legend: '{{node}} {{family}}' },
          { expr: 'sum by (node) (openelb_bgp_paths_rejected)', legend: '{{node}} rejected' },
          {
            expr: 'sum by (node) (openelb_bgp_paths_weighted)',
            legend: '{{node}} weighted (link bandwidth)',
          },
        ],
      },
      {
        title: 'Services with a path missing at a router',
        description:
          'Per replica: Services it should announce whose route is not in some BgpPeer’s adj-RIB-out (its gobgpd’s own view; session down or gobgpd gone counts), and announced summaries still waiting to be written to the Services.',
        kind: 'timeseries',
        unit: 'none',
        width: 24,
        queries: [
          {
            expr: 'sum by (node) (openelb_announced_services_missing_path)',
            legend: '{{node}} missing a path',
          },
          { expr: 'sum by (node) (openelb_announced_writes_pending)', legend: '{{node}} summaries pending' },
        ],
      },
    ],
  },
  {
    title: 'Address pools',
    panels: [
      {
        title: 'Pool usage vs size',
        description: 'Addresses in use (status.usage) against the addresses each Eip can hand out.',
        kind: 'timeseries',
        unit: 'none',
        width: 12,
        queries: [
          { expr: 'max by (eip) (openelb_eip_pool_usage)', legend: '{{eip}} used' },
          { expr: 'max by (eip) (openelb_eip_pool_size)', legend: '{{eip}} size' },
        ],
      },
      {
        title: 'Pool fill',
        description: 'Share of each Eip in use; a full pool leaves new Services without an address.',
        kind: 'bargauge',
        unit: 'percentunit',
        width: 12,
        queries: [
          {
            expr: 'max by (eip) (openelb_eip_pool_usage) / max by (eip) (openelb_eip_pool_size)',
            legend: '{{eip}}',
          },
        ],
      },
      {
        title: 'Allocations and failures',
        description:
          'Addresses assigned and released, Services refused an address (Warning Events by reason), and Services still waiting for one.',
        kind: 'timeseries',
        unit: 'none',
        width: 24,
        queries: [
          {
            expr: `sum by (action) (${increaseFromZero('openelb_allocator_allocations_total')})`,
            legend: '{{action}}',
          },
          {
            expr: `sum by (reason) (${increaseFromZero(`openelb_events_recorded_total{type="Warning",reason=~"${failureReasons}"}`)})`,
            legend: 'failed: {{reason}}',
          },
          { expr: 'max(openelb_allocator_pending_services)', legend: 'waiting for an address' },
        ],
      },
    ],
  },
  {
    title: 'Layer 2',
    panels: [
      {
        title: 'Layer 2 owners and owner changes',
        description:
          'IPs each replica answers ARP/NDP for, and how many it took over or released (handover, fence, eligibility).',
        kind: 'timeseries',
        unit: 'none',
        width: 12,
        queries: [
          { expr: byNode('openelb_layer2_ips_owned'), legend: '{{node}} owns' },
          {
            expr: byNode(increaseFromZero('openelb_layer2_takeovers_total')),
            legend: '{{node}} took over',
          },
          {
            expr: byNode(increaseFromZero('openelb_layer2_releases_total')),
            legend: '{{node}} released',
          },
        ],
      },
      {
        title: 'Layer 2 conflicts',
        description:
          'Another host answered or claimed an IP a replica holds, and the IPs replicas hold but refuse to answer, by cause.',
        kind: 'timeseries',
        unit: 'none',
        width: 12,
        queries: [
          {
            expr: byNode(increaseFromZero('openelb_layer2_conflicts_total')),
            legend: '{{node}} conflicts',
          },
          { expr: 'sum by (cause) (openelb_layer2_ips_refused)', legend: 'refused: {{cause}}' },
        ],
      },
    ],
  },
  {
    title: 'Manager',
    panels: [
      {
        title: 'BGP reconcile latency',
        description: 'Duration of one BGP speaker reconcile pass (p50, p99) and failed passes per second.',
        kind: 'timeseries',
        unit: 's',
        width: 12,
        queries: [
          {
            expr: 'histogram_quantile(0.5, sum by (le) (rate(openelb_bgp_reconcile_duration_seconds_bucket[$__rate_interval])))',
            legend: 'p50',
          },
          {
            expr: 'histogram_quantile(0.99, sum by (le) (rate(openelb_bgp_reconcile_duration_seconds_bucket[$__rate_interval])))',
            legend: 'p99',
          },
          {
            expr: 'sum(rate(openelb_bgp_reconcile_errors_total[$__rate_interval]))',
            legend: 'errors/s',
          },
        ],
      },
      {
        title: 'Memory',
        description: 'Resident set and V8 heap of every replica (process.memoryUsage() at scrape time).',
        kind: 'timeseries',
        unit: 'bytes',
        width: 12,
        queries: [
          { expr: byNode('openelb_process_memory_bytes{kind="rss"}'), legend: '{{node}} rss' },
          { expr: byNode('openelb_process_memory_bytes{kind="heapUsed"}'), legend: '{{node}} heap used' },
        ],
      },
    ],
  },
];
