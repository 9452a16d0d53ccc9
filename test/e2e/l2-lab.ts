// Shared set-up for the Layer 2 e2e tests and the `l2` benchmark: a lab with the API double and
// deploy/openelb.yaml installed (admission and conversion webhooks on, served by the managers), no
// routers and no gobgpd, layer2 Eips on the lab LAN, manager replicas with BGP off, and helpers to find
// which replica should own an IP (the same rendezvous ranking the speakers use) and who answers.
import { fileURLToPath } from 'node:url';
import { Lab, waitFor, type Frame, type Proc, type RouterDesc } from '../lab/index.ts';
import { rankNodes } from '../../src/layer2/ownership/ranking.ts';
import { replicaLeaseName } from '../../src/layer2/ownership/lease-format.ts';
import { apply, createService, getJson, MANAGER_NS, waitReady, type SvcOptions } from './bgp-lab.ts';

export {
  apply,
  createService,
  endpointSlice,
  getJson,
  kubectlOk,
  MANAGER_NS,
  service,
  waitReady,
} from './bgp-lab.ts';

export const L2_POOL4 = { name: 'l2-pool4', address: '10.99.0.200-10.99.0.250' };
export const L2_POOL6 = { name: 'l2-pool6', address: 'fd99::200-fd99::250' };

/** Lease timings the e2e tests pin (the benchmark runs the defaults instead). */
export const PINNED = [
  '--layer2-lease-duration',
  '1s',
  '--layer2-renew-interval',
  '200ms',
  '--layer2-margin',
  '300ms',
  '--layer2-probe-interval',
  '1s',
];

export function l2ManagerArgs(timing: 'pinned' | 'default', extra: string[] = []): string[] {
  return [
    '--namespace',
    MANAGER_NS,
    '--enable-bgp',
    'false',
    '--log-level',
    'info',
    ...(timing === 'pinned' ? PINNED : []),
    ...extra,
  ];
}

export interface L2LabOptions {
  nodes?: number;
  timing?: 'pinned' | 'default';
  extraArgs?: string[];
  /** Routers on the LAN (default none): router 1 is 10.99.0.1 / fd99::1, the client's gateway. */
  routers?: RouterDesc[];
}

export async function upL2Lab(o: L2LabOptions = {}): Promise<Lab> {
  const lab = await Lab.up({
    nodes: o.nodes ?? 2,
    routers: o.routers ?? [],
    gobgp: 'none',
    kubeDouble: true,
    openelbManifest: true,
    managers: false,
    managerArgs: () => l2ManagerArgs(o.timing ?? 'pinned', o.extraArgs ?? []),
  });
  try {
    await apply(lab, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'demo' } });
    // as on a cluster: the webhooks fail closed, so the replicas serve them before the pools go in
    // OE_RUNTIME=podman: each replica is the Deployment's pod (the pinned flags become spec edits)
    for (const n of lab.nodes)
      if (lab.runtime === 'podman') await lab.startManagerPod(n.name);
      else lab.startManager(n.name);
    await lab.waitWebhooks(lab.runtime === 'podman' ? 180_000 : 60_000);
    await apply(lab, l2Eip(L2_POOL4), l2Eip(L2_POOL6));
    for (const n of lab.nodes) await waitReady(lab, n.name);
    for (const n of lab.nodes) await waitLease(lab, n.name);
    return lab;
  } catch (err) {
    await lab.down();
    throw err;
  }
}

export function l2Eip(pool: { name: string; address: string }): Record<string, unknown> {
  return {
    apiVersion: 'network.kubesphere.io/v1alpha2',
    kind: 'Eip',
    metadata: { name: pool.name },
    spec: { address: pool.address, protocol: 'layer2' },
  };
}

/** A layer2 Service on `ip` (pool by family), served by every node's kernel (kube-proxy stand-in). */
export async function l2Service(
  lab: Lab,
  name: string,
  ip: string,
  extra: Partial<SvcOptions> = {},
): Promise<void> {
  await createService(lab, { name, ip, pool: ip.includes(':') ? L2_POOL6.name : L2_POOL4.name, ...extra });
}

export async function waitLease(lab: Lab, node: string, deadlineMs = 30_000): Promise<void> {
  await waitFor(
    async () => {
      await getJson(lab, 'lease', replicaLeaseName(node), MANAGER_NS);
      return true;
    },
    deadlineMs,
    { what: `Layer 2 Lease of ${node}`, intervalMs: 200 },
  );
}

/** The replica that should own ip among `nodes` (the speakers' own ranking). */
export function expectedOwner(ip: string, nodes: string[]): string {
  const o = rankNodes(ip, nodes)[0];
  if (o === undefined) throw new Error('no nodes');
  return o;
}

/** IPs of the pool range (10.99.0.200 + i) whose expected owner among `nodes` is `owner`. */
export function ipsOwnedBy(
  owner: string,
  nodes: string[],
  count = 1,
  v6 = false,
  skip: string[] = [],
): string[] {
  const out: string[] = [];
  for (let i = 0; i <= 50 && out.length < count; i++) {
    const ip = v6 ? `fd99::${(0x200 + i).toString(16)}` : `10.99.0.${200 + i}`;
    if (!skip.includes(ip) && expectedOwner(ip, nodes) === owner) out.push(ip);
  }
  return out;
}

/** Waits until arping from the client gets answers from exactly this MAC. */
export async function waitAnsweredBy(lab: Lab, ip: string, mac: string, deadlineMs = 20_000): Promise<void> {
  await waitFor(
    async () => {
      const r = await lab.arping(ip, { count: 1, deadlineS: 1 });
      if (r.macs.length !== 1 || r.macs[0] !== mac)
        throw new Error(`answered by ${r.macs.join(',') || 'nobody'}`);
      return true;
    },
    deadlineMs,
    { what: `${ip} answered by ${mac}`, intervalMs: 50 },
  );
}

const PROBER = fileURLToPath(new URL('./l2-prober.ts', import.meta.url));

export interface ProbeReply {
  /** wall clock, µs */
  readonly us: number;
  readonly mac: string;
}

/** Starts the ARP prober in the client (broadcast request every intervalMs); replies() parses its output so far. */
export async function startProber(
  lab: Lab,
  ip: string,
  intervalMs = 20,
): Promise<{ proc: Proc; replies: () => ProbeReply[] }> {
  const proc = lab.spawn(
    'c',
    [process.execPath, PROBER, lab.client.ifname, lab.client.ipv4, ip, String(intervalMs)],
    { name: `l2-prober ${ip}` },
  );
  await proc.waitForOutput(/prober ready/, 15_000);
  return {
    proc,
    replies: () =>
      [...proc.output().matchAll(/^reply (\d+) (\S+)/gm)].map((m) => ({ us: Number(m[1]), mac: m[2] ?? '' })),
  };
}

/** Wall clock in µs, comparable with the prober's timestamps. */
export function wallUs(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1000);
}

/** The client's neighbour entry (lladdr) for ip, if any. */
export async function clientNeighbour(lab: Lab, ip: string): Promise<string | undefined> {
  return (await lab.neighbours()).find((n) => n.dst === ip)?.lladdr;
}

export async function metric(lab: Lab, node: string, name: string): Promise<number> {
  const r = await lab.managerHealth(node, '/metrics');
  let sum = 0;
  for (const line of r.body.split('\n')) {
    if (line.startsWith(`${name} `) || line.startsWith(`${name}{`)) sum += Number(line.split(' ').pop());
  }
  return sum;
}

/** ARP answers for ip on the wire: replies and gratuitous frames, with the claiming MAC. */
export function arpClaims(
  frames: Frame[],
  ip: string,
): { tsUs: number; mac: string; reply: boolean; garp: boolean }[] {
  return frames.flatMap((f) => {
    const a = f.arp;
    if (a === undefined || a.spa !== ip) return [];
    const garp = a.tpa === ip;
    if (a.op !== 2 && !garp) return [];
    return [{ tsUs: f.tsUs, mac: a.sha.toLowerCase(), reply: a.op === 2 && !garp, garp }];
  });
}
