// Benchmark group `bgp`: the manager's BGP path end to end in the lab (API double → allocator →
// BGP speaker → gobgpd → BIRD → the router's kernel), beside raw baselines taken in the same lab and
// run (AddPath / AddPathStream straight into gobgpd; the same API writes with no manager running).
//
// The API double listens inside the lab's control namespace, which this process cannot enter, so
// this file doubles as an agent: `node bench/groups/bgp.ts agent <json>` is run there (ip netns exec)
// for the API-side work, and prints one JSON line with its result.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { BenchContext, BenchGroup, BenchValue } from '../types.ts';

const SELF = fileURLToPath(import.meta.url);
/** this file, run as the API-side agent (`node <BGP_AGENT> agent <json>`) by other groups too */
export const BGP_AGENT = SELF;
const ONE_POOL = { name: 'bench-one', address: '198.51.100.0/24' };
// One Eip records at most MAX_ALLOCATIONS_PER_EIP (2,819) Services (etcd's object limit), so the bulk
// Services are spread over /20 pools of at most BULK_PER_POOL each, all under 198.19.0.0/16.
const BULK_PER_POOL = 2500;
export const bulkPools = (n: number): { name: string; address: string }[] =>
  Array.from({ length: Math.max(1, Math.ceil(n / BULK_PER_POOL)) }, (_, k) => ({
    name: `bench-bulk-${k}`,
    address: `198.19.${k * 16}.0/20`,
  }));
const bulkPoolOf = (i: number) => `bench-bulk-${Math.floor(i / BULK_PER_POOL)}`;
const RAW_PREFIX = (i: number) => `198.18.${(i >> 8) & 0xff}.${i & 0xff}`;
/** The address an allocator would give bulk Service i: the j-th of its pool (from .1, as the allocator's first free). */
const BULK_IP = (i: number) => {
  const k = Math.floor(i / BULK_PER_POOL);
  const j = (i % BULK_PER_POOL) + 1;
  return `198.19.${k * 16 + (j >> 8)}.${j & 0xff}`;
};

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? 0) : NaN;
}
const r1 = (x: number) => Math.round(x * 10) / 10;
const r2 = (x: number) => Math.round(x * 100) / 100;

function svcObject(
  name: string,
  ns: string,
  pool: string,
  ip?: string,
  noNodePorts = false,
): Record<string, unknown> {
  const annotations: Record<string, string> = {
    'lb.kubesphere.io/v1alpha1': 'openelb',
    'eip.openelb.kubesphere.io/v1alpha2': pool,
  };
  if (ip) annotations['eip.openelb.kubesphere.io/v1alpha1'] = ip;
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: ns, annotations },
    spec: {
      type: 'LoadBalancer',
      ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 80 }],
      selector: { app: name },
      externalTrafficPolicy: 'Cluster',
      ...(noNodePorts ? { allocateLoadBalancerNodePorts: false } : {}),
    },
  };
}

/** Watches a router namespace's kernel routes (`ip monitor route`): when does a prefix have `want` next hops. */
class RouteWatch {
  private readonly child: ChildProcess;
  private buf = '';
  private block: string[] = [];
  private readonly waiters = new Map<string, { want: number; resolve: (t: number) => void }>();
  readonly seen = new Map<string, number>();

  constructor(ns: string) {
    this.child = spawn('ip', ['-n', ns, 'monitor', 'route'], { stdio: ['ignore', 'pipe', 'ignore'] });
    this.child.stdout?.on('data', (b: Buffer) => {
      const now = performance.now();
      this.buf += b.toString();
      const lines = this.buf.split('\n');
      this.buf = lines.pop() ?? '';
      for (const l of lines) {
        if (/^\s/.test(l)) this.block.push(l);
        else {
          this.flush(now);
          this.block = [l];
        }
      }
      this.flush(now);
    });
  }

  private flush(now: number): void {
    const head = this.block[0];
    if (!head || head.startsWith('Deleted')) return;
    const dst = head.split(' ')[0] ?? '';
    const hops = this.block.filter((l) => /nexthop via/.test(l)).length || (/ via /.test(head) ? 1 : 0);
    const w = this.waiters.get(dst);
    if (w && hops >= w.want) {
      this.waiters.delete(dst);
      w.resolve(now);
    }
  }

  /** Resolves with performance.now() of the first update showing dst with ≥ want next hops. */
  when(dst: string, want: number): Promise<number> {
    return new Promise((resolve) => this.waiters.set(dst, { want, resolve }));
  }

  stop(): void {
    this.child.kill('SIGTERM');
  }
}

// ---------------------------------------------------------------------------------- agent side

export interface AgentJob {
  kubeconfig: string;
  op: 'floor' | 'one-by-one' | 'bulk';
  n: number;
  /** one-by-one: router namespace to watch, next hops wanted */
  routerNs?: string;
  hops?: number;
  offset?: number;
  /**
   * bulk: `allocateLoadBalancerNodePorts: false` on every Service. The nodePort range (30000–32767)
   * holds 2,768 ports, so more LoadBalancer Services than that need it on a real apiserver (and on
   * the double, which allocates nodePorts the same way).
   */
  noNodePorts?: boolean;
}

async function agent(job: AgentJob): Promise<unknown> {
  const { loadKubeConfig, KubeClient, Resources } = await import('../../src/kube/index.ts');
  const client = new KubeClient(loadKubeConfig({ kubeconfigPath: job.kubeconfig }), {
    fieldManager: 'bench',
  });
  const ns = job.op === 'floor' ? 'floor' : 'bench';
  const poolOf = (i: number) => (job.op === 'one-by-one' ? ONE_POOL.name : bulkPoolOf(i));
  const inFlight = async (n: number, conc: number, fn: (i: number) => Promise<void>) => {
    let next = 0;
    await Promise.all(
      Array.from({ length: conc }, async () => {
        while (next < n) await fn(next++);
      }),
    );
  };
  if (job.op === 'one-by-one') {
    const watch = new RouteWatch(job.routerNs ?? '');
    const out: number[] = [];
    try {
      for (let i = 0; i < job.n; i++) {
        const ip = `198.51.100.${10 + i}`;
        const seen = watch.when(ip, job.hops ?? 2);
        const t0 = performance.now();
        await client.create(Resources.Service, svcObject(`one-${i}`, ns, poolOf(i), ip));
        const t1 = await Promise.race([
          seen,
          new Promise<number>((_, rej) =>
            setTimeout(() => rej(new Error(`no route for ${ip} within 30 s`)), 30_000),
          ),
        ]);
        out.push(t1 - t0);
      }
    } finally {
      watch.stop();
    }
    return { latenciesMs: out };
  }
  const start = Date.now();
  await inFlight(job.n, 16, async (i) => {
    await client.create(Resources.Service, svcObject(`s${i}`, ns, poolOf(i), undefined, job.noNodePorts));
  });
  const created = Date.now();
  if (job.op === 'floor') {
    // what the allocator writes per Service: the Eip's status.used entry, then the Service's ingress
    await inFlight(job.n, 16, async (i) => {
      await client.patch(
        Resources.Eip,
        bulkPoolOf(i),
        undefined,
        { status: { used: { [BULK_IP(i)]: `${ns}/s${i}` } } },
        'merge',
        { subresource: 'status' },
      );
      await client.patch(
        Resources.Service,
        `s${i}`,
        ns,
        { status: { loadBalancer: { ingress: [{ ip: BULK_IP(i), ipMode: 'VIP' }] } } },
        'merge',
        { subresource: 'status' },
      );
    });
  }
  return { startEpochMs: start, createdEpochMs: created, doneEpochMs: Date.now() };
}

// ---------------------------------------------------------------------------------- bench side

async function rssMb(pid: number, field: 'VmRSS' | 'VmHWM' = 'VmRSS'): Promise<number> {
  const s = await readFile(`/proc/${pid}/status`, 'utf8');
  return r1(Number(new RegExp(`${field}:\\s+(\\d+)`).exec(s)?.[1] ?? 0) / 1024);
}

const group: BenchGroup = {
  name: 'bgp',
  description:
    'Service → route in the router kernel through the manager (allocator + BGP speaker + gobgpd + BIRD), beside raw AddPath/AddPathStream into gobgpd and the bare API floor',
  async run(ctx: BenchContext): Promise<Record<string, BenchValue>> {
    const { Lab, waitFor, sleep, runOk, urlFor } = await import('../../test/lab/index.ts');
    const { startKubeDouble } = await import('../../test/lab/roles.ts');
    const { GobgpClient, buildPath } = await import('../../src/bgp/index.ts');
    const e2e = await import('../../test/e2e/bgp-lab.ts');
    const ONE = ctx.quick ? 30 : 200;
    // OE_BENCH_BGP_BULK sets N (the bulk Services), e.g. for a shorter run
    const BULK = Number(process.env.OE_BENCH_BGP_BULK ?? (ctx.quick ? 1000 : 10_000));
    const out: Record<string, BenchValue> = {};

    const lab = await Lab.up({
      nodes: 2,
      routers: [{ kind: 'bird' }],
      kubeDouble: true,
      gobgp: 'bare',
      managers: false,
      managerArgs: () => e2e.managerArgs(['--log-level', 'warn']),
    });
    try {
      const router = lab.router(1).plan;
      const runAgent = async (
        job: Omit<AgentJob, 'kubeconfig'>,
        kubeconfig = lab.kubeconfig,
      ): Promise<Record<string, unknown>> => {
        const o = await lab.execOk(
          'k',
          [process.execPath, SELF, 'agent', JSON.stringify({ ...job, kubeconfig })],
          { timeoutMs: 900_000 },
        );
        const line = o.trim().split('\n').pop() ?? '{}';
        return JSON.parse(line) as Record<string, unknown>;
      };
      const countRoutes = async (root: string): Promise<number> => {
        const o = await runOk(['ip', '-n', router.ns, 'route', 'show', 'proto', 'bird', 'root', root], {
          timeoutMs: 30_000,
        });
        return o.split('\n').filter((l) => /nexthop via/.test(l)).length / 2;
      };
      const waitRoutes = (root: string, n: number, deadlineMs: number) =>
        waitFor(async () => (await countRoutes(root)) >= n, deadlineMs, {
          what: `${n} ECMP routes under ${root}`,
          intervalMs: 100,
        });

      // ---- raw baselines: the lab peers gobgpd itself (StartBgp, AddPeer), no manager
      for (const n of lab.nodes) await lab.peerNode(n.name);
      await lab.waitEstablished(30_000);
      const raw = lab.nodes.map((n) => new GobgpClient({ socket: n.gobgpSocket }));
      const watch = new RouteWatch(router.ns);
      const rawLat: number[] = [];
      for (let i = 0; i < ONE; i++) {
        const ip = RAW_PREFIX(i);
        const path = buildPath({ prefix: ip, family: 4 }).wire;
        const seen = watch.when(ip, 2);
        const t0 = performance.now();
        await Promise.all(raw.map((c) => c.addPath(path)));
        rawLat.push((await seen) - t0);
      }
      watch.stop();
      out.raw_addpath_to_route_ms = { p50: r2(pct(rawLat, 50)), p99: r2(pct(rawLat, 99)) };
      ctx.log(
        `raw AddPath → 2 next hops: p50 ${pct(rawLat, 50).toFixed(1)} ms, p99 ${pct(rawLat, 99).toFixed(1)} ms (${ONE})`,
      );
      for (const c of raw) await c.deletePath(buildPath({ prefix: RAW_PREFIX(0), family: 4 }).wire); // keep one warm delete; the rest goes with the restart
      const bulkPaths = Array.from(
        { length: BULK },
        (_, i) => buildPath({ prefix: `198.18.${128 + ((i >> 8) & 0x7f)}.${i & 0xff}`, family: 4 }).wire,
      );
      let t = performance.now();
      await Promise.all(raw.map((c) => c.addPathStream(bulkPaths)));
      await waitRoutes('198.18.128.0/17', BULK, 120_000);
      out.raw_stream_10k_s = r2((performance.now() - t) / 1000);
      ctx.log(
        `raw AddPathStream of ${BULK} into both nodes → all ECMP in the router: ${out.raw_stream_10k_s} s`,
      );
      for (const c of raw) c.close();
      // fresh gobgpd for the manager
      for (const n of lab.nodes) {
        await lab.stopGobgpd(n.name, 'SIGTERM');
        await lab.startGobgpd(n.name);
      }
      await waitFor(async () => (await countRoutes('198.18.0.0/15')) === 0, 30_000, {
        what: 'raw routes gone',
        intervalMs: 100,
      });

      // ---- API floor: the same creates and status writes, no manager, on a fresh API double
      const k = lab.plan.control;
      if (!k) throw new Error('no control namespace');
      const floorDouble = await startKubeDouble(
        k.ns,
        k.ipv4,
        6444,
        `${lab.dir}/kubeconfig-floor`,
        `${lab.dir}/kube-double-floor.log`,
      );
      try {
        const fk = ['--kubeconfig', floorDouble.kubeconfig];
        const apply = async (objs: unknown[]) => {
          await lab.execOk('k', ['kubectl', ...fk, 'apply', '--validate=false', '-f', '-'], {
            input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objs }),
          });
        };
        await apply([
          { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'floor' } },
          ...bulkPools(BULK).map((p) => e2e.eip(p)),
        ]);
        const f = await runAgent({ op: 'floor', n: BULK, noNodePorts: true }, floorDouble.kubeconfig);
        out.api_floor_10k_s = r2((Number(f.doneEpochMs) - Number(f.startEpochMs)) / 1000);
        ctx.log(
          `API floor: ${BULK} creates + Eip/Service status writes, no manager: ${out.api_floor_10k_s} s`,
        );
      } finally {
        await floorDouble.proc.stop('SIGTERM', 5000);
      }

      // ---- the manager
      await e2e.apply(
        lab,
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: e2e.MANAGER_NS } },
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench' } },
        {
          apiVersion: 'network.kubesphere.io/v1alpha2',
          kind: 'BgpConf',
          metadata: { name: 'default' },
          spec: { as: e2e.NODE_ASN, listenPort: 1790 },
        },
        e2e.peerFor(lab, 1),
        e2e.eip(ONE_POOL),
        ...bulkPools(BULK).map((p) => e2e.eip(p)),
      );
      for (const n of lab.nodes) lab.startManager(n.name);
      for (const n of lab.nodes) await e2e.waitReady(lab, n.name);
      await sleep(3000);
      const mpid = lab.managerProcs('node1').at(-1)?.pid ?? 0;
      out.rss_idle_mb = await rssMb(mpid);
      ctx.log(`manager RSS idle: ${out.rss_idle_mb} MiB`);

      const one = await runAgent({ op: 'one-by-one', n: ONE, routerNs: router.ns, hops: 2 });
      const lat = one.latenciesMs as number[];
      out.service_to_route_ms = { p50: r2(pct(lat, 50)), p99: r2(pct(lat, 99)) };
      ctx.log(
        `Service create → 2 next hops: p50 ${pct(lat, 50).toFixed(1)} ms, p99 ${pct(lat, 99).toFixed(1)} ms (${ONE} Services, one at a time)`,
      );

      t = Date.now();
      const b = await runAgent({ op: 'bulk', n: BULK, noNodePorts: true });
      await waitRoutes('198.19.0.0/16', BULK, 600_000);
      out.bulk_10k_s = r2((Date.now() - Number(b.startEpochMs ?? t)) / 1000);
      ctx.log(
        `${BULK} Services created (16 in flight) → all ECMP routes in the router: ${out.bulk_10k_s} s (creates took ${((Number(b.createdEpochMs) - Number(b.startEpochMs)) / 1000).toFixed(2)} s)`,
      );

      // every IP already held: take the pool out of BGP (a layer2 pool is never announced over BGP; the
      // bench's managers run without Layer 2, so nothing answers for it either) and put it back
      // one kubectl process patches every pool (a List on stdin names them), so the clock holds one
      // tool start-up, not one per pool
      const poolList = JSON.stringify({
        apiVersion: 'v1',
        kind: 'List',
        items: bulkPools(BULK).map((pool) => ({
          apiVersion: 'network.kubesphere.io/v1alpha2',
          kind: 'Eip',
          metadata: { name: pool.name },
        })),
      });
      const setProtocol = async (p: string) => {
        const r = await lab.kubectl(
          ['patch', '-f', '-', '--type=merge', '-p', JSON.stringify({ spec: { protocol: p } })],
          poolList,
        );
        if (r.code !== 0) throw new Error(`kubectl patch of the bulk pools failed: ${r.stderr}`);
      };
      await setProtocol('layer2');
      await waitFor(async () => (await countRoutes('198.19.0.0/16')) === 0, 120_000, {
        what: 'bulk routes withdrawn',
        intervalMs: 100,
      });
      t = performance.now();
      await setProtocol('bgp');
      await waitRoutes('198.19.0.0/16', BULK, 300_000);
      out.bulk_10k_announce_s = r2((performance.now() - t) / 1000);
      ctx.log(`${BULK} allocated IPs → all ECMP routes in the router: ${out.bulk_10k_announce_s} s`);
      await sleep(5000);
      out.rss_mb_10k = await rssMb(mpid);
      out.rss_peak_mb_10k = await rssMb(mpid, 'VmHWM');
      ctx.log(
        `manager RSS holding ${BULK} announced (5 s after the last change): ${out.rss_mb_10k} MiB (peak during the run ${out.rss_peak_mb_10k} MiB)`,
      );

      // graceful termination under load (new connection per request)
      const ip = '198.51.100.10';
      for (const n of lab.nodes) await lab.serveVip(n.name, ip);
      const probe = await lab.httpProbe(urlFor(ip), { ratePerSec: 60, timeoutMs: 2000 });
      await sleep(1500);
      await lab.managerProcs('node2').at(-1)?.stop('SIGTERM', 30_000);
      await sleep(1500);
      const pr = await probe.stop();
      out.bgp_term_failed_requests = pr.failed;
      ctx.log(`SIGTERM of one replica at 60 req/s: ${pr.sent} requests, ${pr.failed} failed`);
      out.bgp_bench_services_one = ONE;
      out.bgp_bench_services_bulk = BULK;
      return out;
    } finally {
      await lab.down();
    }
  },
};

export default group;

if (process.argv[1] === SELF && process.argv[2] === 'agent') {
  agent(JSON.parse(process.argv[3] ?? '{}') as AgentJob).then(
    (r) => {
      process.stdout.write(`${JSON.stringify(r)}\n`);
      process.exit(0);
    },
    (err: unknown) => {
      process.stderr.write(
        `bench agent failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
      );
      process.exit(1);
    },
  );
}
