// Shared set-up for the BGP e2e tests: a lab with the API double and deploy/openelb.yaml installed
// (admission and conversion webhooks on, served by the managers), bare gobgpd in every node (the
// manager configures it), manager replicas, a BgpConf/BgpPeer/Eip like the seed's examples, and
// Services whose IPs are allocated either by the real allocator or — until one runs in the manager
// — written the way it would write them (Eip.status.used first, then the Service's ingress).
import { existsSync } from 'node:fs';
import {
  Lab,
  runOk,
  waitFor,
  type LabDesc,
  type LabExtras,
  type NodePlan,
  type RouterDesc,
} from '../lab/index.ts';
import type { Proc } from '../lab/proc.ts';
import { GobgpClient } from '../../src/bgp/index.ts';
import { peerStatusFromWire } from '../../src/bgp/peer-status.ts';

export const NODE_ASN = 64600;
export const POOL4 = { name: 'bgp-pool4', address: '198.51.100.0/24' };
export const POOL6 = { name: 'bgp-pool6', address: '2001:db8:100::10-2001:db8:100::ff' };
export const MANAGER_NS = 'openelb-system';

const ALLOCATOR = new URL('../../src/controllers/allocator.ts', import.meta.url);
/** OE_E2E_ALLOCATE=self: always write allocations here; =wait: only ever wait for the allocator. */
const ALLOCATE_MODE = process.env.OE_E2E_ALLOCATE ?? (existsSync(ALLOCATOR) ? 'auto' : 'self');

/** Manager flags every BGP e2e test pins (timings are the test's own, not the defaults). */
export function managerArgs(extra: string[] = []): string[] {
  return [
    '--namespace',
    MANAGER_NS,
    '--enable-layer2',
    'false',
    '--heartbeat-interval',
    '1s',
    '--bgp-drain',
    '1s',
    '--bgp-graceful-shutdown',
    '1s',
    '--bgp-ready-timeout',
    '20s',
    '--lease-duration',
    '6s',
    '--lease-renew-deadline',
    '4s',
    '--lease-retry-period',
    '1s',
    '--log-level',
    'info',
    ...extra,
  ];
}

export interface BgpLabOptions {
  nodes?: number;
  routers?: RouterDesc[];
  /** BgpConf spec (default: AS 64600, listen 1790 — the routers dial there). */
  conf?: Record<string, unknown>;
  /** one BgpPeer per router unless given */
  peers?: (lab: Lab) => Record<string, unknown>[];
  /**
   * start a manager in every node and wait for /readyz (default true). false: no managers and no
   * objects either (the webhooks refuse writes of our kinds until a replica serves them).
   */
  managers?: boolean;
  /** nodes that get a manager (default all) */
  managerNodes?: string[];
  extraManagerArgs?: (n: NodePlan) => string[];
  desc?: Partial<LabDesc>;
  extras?: LabExtras;
}

export function peerFor(
  lab: Lab,
  routerIndex = 1,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  const r = lab.router(routerIndex).plan;
  return {
    apiVersion: 'network.kubesphere.io/v1alpha2',
    kind: 'BgpPeer',
    metadata: { name: `router${routerIndex}` },
    spec: {
      conf: { neighborAddress: r.ipv4, peerAs: r.asn },
      // the routers dial each node (fast establishment); gobgpd waits for them
      transport: { passiveMode: true },
      timers: { config: { holdTime: '9', keepaliveInterval: '3' } },
      afiSafis: [
        { config: { family: { afi: 'AFI_IP', safi: 'SAFI_UNICAST' }, enabled: true } },
        { config: { family: { afi: 'AFI_IP6', safi: 'SAFI_UNICAST' }, enabled: true } },
      ],
      ...extra,
    },
  };
}

export async function apply(lab: Lab, ...objs: unknown[]): Promise<void> {
  const r = await lab.kubectl(
    ['apply', '--validate=false', '-f', '-'],
    JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objs }),
  );
  if (r.code !== 0) throw new Error(`kubectl apply failed: ${r.stderr}`);
}

export async function kubectlOk(lab: Lab, args: string[], input?: string): Promise<string> {
  const r = await lab.kubectl(args, input);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

/**
 * The admission webhook gone, as when someone deleted its configuration (or it failed open, or the
 * objects were adopted from OpenELB): writes of our kinds are no longer judged, so invalid objects
 * get stored and the managers must cope on their own. Conversion stays on.
 */
export async function removeAdmissionWebhook(lab: Lab): Promise<void> {
  await kubectlOk(lab, ['delete', 'validatingwebhookconfiguration', 'openelb-admission']);
}

export async function getJson<T>(lab: Lab, kind: string, name: string, ns?: string): Promise<T> {
  return JSON.parse(await kubectlOk(lab, ['get', kind, name, '-o', 'json', ...(ns ? ['-n', ns] : [])])) as T;
}

export function eip(
  pool: { name: string; address: string },
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    apiVersion: 'network.kubesphere.io/v1alpha2',
    kind: 'Eip',
    metadata: { name: pool.name },
    spec: { address: pool.address, protocol: 'bgp', ...extra },
  };
}

export async function upBgpLab(o: BgpLabOptions = {}): Promise<Lab> {
  const lab = await Lab.up(
    {
      nodes: o.nodes ?? 2,
      routers: o.routers ?? [{ kind: 'bird' }],
      kubeDouble: true,
      openelbManifest: true,
      gobgp: 'bare',
      managers: false,
      managerArgs: (n) => managerArgs(o.extraManagerArgs?.(n) ?? []),
      ...o.desc,
    },
    o.extras,
  );
  try {
    // the routers spread flows over next hops by L4 hash, so one client reaches every node
    for (const r of lab.routers) {
      await lab.execOk(r.plan.role, [
        'sysctl',
        '-qw',
        'net.ipv4.fib_multipath_hash_policy=1',
        'net.ipv6.fib_multipath_hash_policy=1',
      ]);
    }
    await apply(lab, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'demo' } });
    if (o.managers === false) return lab;
    // as on a cluster: the webhooks fail closed, so the replicas serve them before our objects go in
    const names = o.managerNodes ?? lab.nodes.map((n) => n.name);
    // OE_RUNTIME=podman: each replica is the Deployment's pod (the pinned flags become spec edits)
    for (const n of names)
      if (lab.runtime === 'podman') await lab.startManagerPod(n);
      else lab.startManager(n);
    await lab.waitWebhooks(lab.runtime === 'podman' ? 180_000 : 60_000);
    const conf = {
      apiVersion: 'network.kubesphere.io/v1alpha2',
      kind: 'BgpConf',
      metadata: { name: 'default' },
      spec: o.conf ?? { as: NODE_ASN, listenPort: 1790 },
    };
    const peers = o.peers?.(lab) ?? lab.routers.map((_, i) => peerFor(lab, i + 1));
    await apply(lab, conf, ...peers, eip(POOL4), eip(POOL6));
    for (const n of names) await waitReady(lab, n);
    return lab;
  } catch (err) {
    await lab.down();
    throw err;
  }
}

export interface SvcOptions {
  name: string;
  ip: string;
  pool?: string;
  local?: boolean;
  namespace?: string;
}

export function service(o: SvcOptions): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: o.name,
      namespace: o.namespace ?? 'demo',
      annotations: {
        'lb.kubesphere.io/v1alpha1': 'openelb',
        'eip.openelb.kubesphere.io/v1alpha2': o.pool ?? (o.ip.includes(':') ? POOL6.name : POOL4.name),
        'eip.openelb.kubesphere.io/v1alpha1': o.ip,
      },
    },
    spec: {
      type: 'LoadBalancer',
      ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 80 }],
      selector: { app: o.name },
      externalTrafficPolicy: o.local ? 'Local' : 'Cluster',
      ipFamilies: [o.ip.includes(':') ? 'IPv6' : 'IPv4'],
    },
  };
}

/** Writes what the allocator writes for one Service: Eip.status.used[ip] first, then the ingress. */
export async function writeAllocation(lab: Lab, o: SvcOptions): Promise<void> {
  const ns = o.namespace ?? 'demo';
  const pool = o.pool ?? (o.ip.includes(':') ? POOL6.name : POOL4.name);
  await kubectlOk(lab, [
    'patch',
    'eip',
    pool,
    '--subresource=status',
    '--type=merge',
    '-p',
    JSON.stringify({ status: { used: { [o.ip]: `${ns}/${o.name}` } } }),
  ]);
  await kubectlOk(lab, [
    'patch',
    'service',
    o.name,
    '-n',
    ns,
    '--subresource=status',
    '--type=merge',
    '-p',
    JSON.stringify({ status: { loadBalancer: { ingress: [{ ip: o.ip, ipMode: 'VIP' }] } } }),
  ]);
}

/** Creates the Service, makes every node's kernel accept its IP (kube-proxy's job), and gets it allocated. */
export async function createService(lab: Lab, o: SvcOptions): Promise<void> {
  for (const n of lab.nodes) await lab.serveVip(n.name, o.ip);
  await apply(lab, service(o));
  await allocated(lab, o);
}

async function allocated(lab: Lab, o: SvcOptions): Promise<void> {
  const ns = o.namespace ?? 'demo';
  const hasIngress = async (): Promise<boolean> => {
    const s = await getJson<{ status?: { loadBalancer?: { ingress?: { ip?: string }[] } } }>(
      lab,
      'service',
      o.name,
      ns,
    );
    return (s.status?.loadBalancer?.ingress ?? []).some((i) => i.ip === o.ip);
  };
  if (ALLOCATE_MODE === 'self') return writeAllocation(lab, o);
  const wait = ALLOCATE_MODE === 'wait' ? 30_000 : 5_000;
  try {
    await waitFor(hasIngress, wait, { what: `allocation of ${o.ip}`, intervalMs: 100 });
  } catch (err) {
    if (ALLOCATE_MODE === 'wait') throw err;
    await writeAllocation(lab, o);
  }
}

export async function endpointSlice(lab: Lab, svc: string, nodes: string[], ns = 'demo'): Promise<void> {
  await apply(lab, {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: `${svc}-1`, namespace: ns, labels: { 'kubernetes.io/service-name': svc } },
    addressType: 'IPv4',
    endpoints: nodes.map((n, i) => ({
      addresses: [`10.244.${i}.10`],
      conditions: { ready: true },
      nodeName: n,
    })),
    ports: [{ name: 'http', port: 80, protocol: 'TCP' }],
  });
}

/** The manager replicas started in a node, newest last. */
export function managersOf(lab: Lab, node: string): Proc[] {
  return lab.managerProcs(node);
}

/** Samples `fn` every intervalMs until stop() — for "never drops" assertions. */
export function sampler<T>(fn: () => Promise<T>, intervalMs = 20): { stop(): Promise<T[]> } {
  const out: T[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      out.push(await fn());
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return out;
    },
  };
}

/** Routes the router kernel holds from BGP (IPv4 + IPv6; one per prefix, ECMP or not). */
export async function routeCount(lab: Lab, routerIndex = 1): Promise<number> {
  const r = lab.router(routerIndex).plan;
  let n = 0;
  for (const fam of ['-4', '-6']) {
    const out = await runOk([
      'ip',
      '-n',
      r.ns,
      fam,
      'route',
      'show',
      'proto',
      r.kind === 'bird' ? 'bird' : 'bgp',
    ]);
    n += out.split('\n').filter((l) => /^[0-9a-f]/i.test(l)).length;
  }
  return n;
}

/** Every session of a node's gobgpd: state, when it came up, and how often it went down. */
export async function sessionsOf(
  lab: Lab,
  node: string,
): Promise<Map<string, { state: string; since: number; flops: number }>> {
  const c = new GobgpClient({ socket: lab.node(node).gobgpSocket, callTimeoutMs: 5000 });
  try {
    const out = new Map<string, { state: string; since: number; flops: number }>();
    for (const p of await c.listPeer('', false)) {
      const s = peerStatusFromWire(p);
      if (s)
        out.set(s.address, {
          state: s.sessionState,
          since: s.establishedSince?.getTime() ?? 0,
          flops: s.flops,
        });
    }
    return out;
  } finally {
    c.close();
  }
}

/**
 * Waits for a manager's /readyz on a given health port (replacement replicas use their own port),
 * and for the webhook Service's endpoints to list it.
 */
export async function waitReady(lab: Lab, node: string, port = 8080, deadlineMs = 60_000): Promise<void> {
  await waitFor(
    async () => {
      const r = await lab.managerHealth(node, '/readyz', port);
      if (!r.ok) throw new Error(`${r.status} ${r.body.trim().split('\n')[0] ?? ''}`);
      return true;
    },
    deadlineMs,
    { what: `manager /readyz on ${node}:${port}`, intervalMs: 200 },
  );
  const err = await lab.webhookEndpointsSettled();
  if (err) throw new Error(`webhook endpoints not published: ${err}`);
}

/** Waits for an Event with this reason about object `name` (cluster-scoped objects' Events live in `default`). */
export async function waitEvent(
  lab: Lab,
  reason: string,
  name: string,
  ns = 'default',
  deadlineMs = 20_000,
): Promise<string> {
  type Events = { items: { reason?: string; message?: string; involvedObject?: { name?: string } }[] };
  let last = '';
  try {
    return await waitFor(
      async () => {
        last = await kubectlOk(lab, ['get', 'events', '-n', ns, '-o', 'json']);
        return (JSON.parse(last) as Events).items.find(
          (e) => e.reason === reason && e.involvedObject?.name === name,
        )?.message;
      },
      deadlineMs,
      { what: `Event ${reason} about ${name}`, intervalMs: 200 },
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}; events: ${last.slice(0, 1500)}`);
  }
}

/** gobgpd's configured hold time for a neighbour of a node. */
export async function configuredHoldTime(
  lab: Lab,
  node: string,
  neighbour: string,
): Promise<number | undefined> {
  const c = new GobgpClient({ socket: lab.node(node).gobgpSocket, callTimeoutMs: 5000 });
  try {
    const p = (await c.listPeer(neighbour, false))[0];
    return p?.timers?.config?.hold_time;
  } finally {
    c.close();
  }
}
