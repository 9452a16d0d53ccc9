// Benchmark group `pod-mem`: the manager container's memory under the chart's real limit. The lab runs
// each replica as the Deployment's pod from deploy/openelb.yaml on podman (test/pod: the manifest's
// args, its `resources.limits.memory` as the container's cgroup limit, swap = limit), N Services
// (default 10,000) are created through the API the way group `bgp` does, and the group reads what the
// kernel's OOM killer acts on: the container's memory cgroup (peak, limit, OOM kills), beside the
// node process's RSS, and the pod runner's restart count and OOMKilled state.
//
// Phases: bulk create → all N ECMP routes in the router; hold (default 75 s, one 60 s resync inside);
// every Service deleted → all routes withdrawn → all created again → all N back. (Group `bgp`
// toggles the pools through `protocol: layer2`, which would make the manifest's pods answer ARP.) The cgroup is sampled
// every second (so a container that dies still leaves its last peak) and read after each phase.
import type { Lab } from '../../test/lab/index.ts';
import { cgroupMemoryOf, procRssMiB, type CgroupMemory } from '../lib/cgroup-mem.ts';
import type { BenchContext, BenchGroup, BenchValue } from '../types.ts';
import { BGP_AGENT, bulkPools, type AgentJob } from './bgp.ts';

const MiB = 1024 * 1024;
const r1 = (x: number): number => Math.round(x * 10) / 10;
const r3 = (x: number): number => Math.round(x * 1000) / 1000;
const CONTAINERS = ['manager', 'gobgpd'] as const;
type ContainerName = (typeof CONTAINERS)[number];

interface Seen {
  /** highest cgroup peak over every attempt of the container */
  peakBytes: number;
  anonPeakBytes: number;
  hwmMiB: number;
  limitBytes: number;
  oomKills: number;
  limitHits: number;
  last?: CgroupMemory;
  lastRssMiB?: number;
}

/** Reads every replica's containers' cgroups every second; keeps the maxima across restarts. */
class MemSampler {
  readonly seen = new Map<string, Seen>();
  private timer: NodeJS.Timeout | undefined;
  private busy = false;
  private readonly lab: Lab;

  constructor(lab: Lab) {
    this.lab = lab;
  }

  start(): void {
    this.timer = setInterval(() => {
      if (this.busy) return;
      this.busy = true;
      void this.sample().finally(() => (this.busy = false));
    }, 1000);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  key(node: string, c: ContainerName): string {
    return `${node}/${c}`;
  }

  async sample(): Promise<void> {
    for (const n of this.lab.nodes) {
      const pod = this.lab.managerPods(n.name).at(-1);
      if (!pod) continue;
      for (const c of CONTAINERS) {
        const pid = (await pod.inspect(c))?.State.Pid ?? 0;
        if (pid <= 0) continue;
        try {
          const m = await cgroupMemoryOf(pid);
          const rss = await procRssMiB(pid);
          const k = this.key(n.name, c);
          const s = this.seen.get(k) ?? {
            peakBytes: 0,
            anonPeakBytes: 0,
            hwmMiB: 0,
            limitBytes: m.limitBytes,
            oomKills: 0,
            limitHits: 0,
          };
          s.peakBytes = Math.max(s.peakBytes, m.peakBytes);
          s.anonPeakBytes = Math.max(s.anonPeakBytes, m.anonBytes);
          s.hwmMiB = Math.max(s.hwmMiB, rss.hwm);
          s.limitBytes = m.limitBytes;
          s.oomKills = Math.max(s.oomKills, m.oomKills);
          s.limitHits = Math.max(s.limitHits, m.limitHits);
          s.last = m;
          s.lastRssMiB = rss.rss;
          this.seen.set(k, s);
        } catch {
          // the container exited between inspect and read: its last sample stands
        }
      }
    }
  }
}

const group: BenchGroup = {
  name: 'pod-mem',
  description:
    "manager container (the Deployment's pod on podman) holding N Services under the chart's memory limit: cgroup peak vs limit, RSS, OOM kills, restarts",
  async run(ctx: BenchContext): Promise<Record<string, BenchValue>> {
    const { waitFor, sleep, runOk } = await import('../../test/lab/index.ts');
    const { upPodLab } = await import('../../test/pod/e2e-lab.ts');
    const e2e = await import('../../test/e2e/bgp-lab.ts');
    const N = Number(process.env.OE_BENCH_POD_MEM_N ?? (ctx.quick ? 1000 : 10_000));
    const HOLD_S = Number(process.env.OE_BENCH_POD_MEM_HOLD_S ?? (ctx.quick ? 10 : 75));
    const out: Record<string, BenchValue> = {};

    const lab = await upPodLab('bgp');
    const sampler = new MemSampler(lab);
    try {
      const router = lab.router(1).plan;
      const countRoutes = async (): Promise<number> => {
        const o = await runOk(
          ['ip', '-n', router.ns, 'route', 'show', 'proto', 'bird', 'root', '198.19.0.0/16'],
          { timeoutMs: 30_000 },
        );
        return o.split('\n').filter((l) => /nexthop via/.test(l)).length / 2;
      };
      const waitRoutes = (n: number, deadlineMs: number) =>
        waitFor(async () => (await countRoutes()) >= n, deadlineMs, {
          what: `${n} ECMP routes under 198.19.0.0/16`,
          intervalMs: 200,
        });
      const report = async (phase: string): Promise<void> => {
        await sampler.sample();
        for (const [k, s] of sampler.seen) {
          ctx.log(
            `${phase}: ${k} cgroup usage ${r1((s.last?.usageBytes ?? NaN) / MiB)} MiB (anon ${r1((s.last?.anonBytes ?? NaN) / MiB)}, cache ${r1((s.last?.fileBytes ?? NaN) / MiB)}), peak ${r1(s.peakBytes / MiB)} MiB of ${r1(s.limitBytes / MiB)} MiB; RSS ${r1(s.lastRssMiB ?? NaN)} MiB, VmHWM ${r1(s.hwmMiB)} MiB; limit hits ${s.limitHits}, OOM kills ${s.oomKills}`,
          );
        }
      };
      await report('idle, 2 replicas ready');
      sampler.start();

      await e2e.apply(
        lab,
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench' } },
        ...bulkPools(N).map((p) => e2e.eip(p)),
      );
      const bulkCreate = async (): Promise<{ startEpochMs?: number; createdEpochMs?: number }> => {
        const o = await lab.execOk(
          'k',
          [
            process.execPath,
            BGP_AGENT,
            'agent',
            JSON.stringify({
              op: 'bulk',
              n: N,
              noNodePorts: true,
              kubeconfig: lab.kubeconfig,
            } satisfies AgentJob),
          ],
          { timeoutMs: 900_000 },
        );
        return JSON.parse(o.trim().split('\n').pop() ?? '{}') as {
          startEpochMs?: number;
          createdEpochMs?: number;
        };
      };
      const t0 = Date.now();
      const b = await bulkCreate();
      await waitRoutes(N, 900_000);
      out.pod_mem_announce_10k_s = Math.round((Date.now() - (b.startEpochMs ?? t0)) / 10) / 100;
      ctx.log(
        `${N} Services created (16 in flight) → all ECMP routes in the router: ${out.pod_mem_announce_10k_s} s (creates took ${((Number(b.createdEpochMs) - Number(b.startEpochMs)) / 1000).toFixed(2)} s)`,
      );
      await report('announced');

      await sleep(HOLD_S * 1000);
      await report(`held ${HOLD_S} s`);

      // churn: every Service deleted (all routes withdrawn), then created again (all routes back)
      const del = await lab.kubectl(['delete', 'services', '--all', '-n', 'bench', '--wait=false']);
      if (del.code !== 0) throw new Error(`kubectl delete of the bench Services failed: ${del.stderr}`);
      await waitFor(async () => (await countRoutes()) === 0, 600_000, {
        what: 'bulk routes withdrawn',
        intervalMs: 200,
      });
      await report('all deleted, routes withdrawn');
      const t1 = performance.now();
      await bulkCreate();
      await waitRoutes(N, 900_000);
      out.pod_mem_recreate_10k_s = Math.round((performance.now() - t1) / 10) / 100;
      ctx.log(`${N} Services created again → all routes back in ${out.pod_mem_recreate_10k_s} s`);
      await sleep(5000);
      sampler.stop();
      await report('recreated');

      // restarts and OOM as the pod runner and podman saw them
      let restarts = 0;
      let oomKilled = 0;
      for (const n of lab.nodes) {
        for (const pod of lab.managerPods(n.name)) {
          for (const st of pod.statuses()) {
            restarts += st.restartCount;
            if (st.lastTermination?.reason === 'OOMKilled') oomKilled++;
            const d = await pod.inspect(st.name);
            if (d?.State.OOMKilled) oomKilled++;
            ctx.log(
              `${n.name} ${pod.name} ${st.name}: ${st.state}, restarts ${st.restartCount}, last termination ${st.lastTermination ? `${st.lastTermination.reason} (exit ${st.lastTermination.exitCode})` : 'none'}, podman OOMKilled ${d?.State.OOMKilled ?? '?'}, podman memory limit ${d?.HostConfig.Memory ? r1(d.HostConfig.Memory / MiB) : '?'} MiB`,
            );
          }
        }
      }
      const of = (c: ContainerName) =>
        lab.nodes
          .map((n) => sampler.seen.get(sampler.key(n.name, c)))
          .filter((s): s is Seen => s !== undefined);
      const managers = of('manager');
      if (managers.length !== lab.nodes.length)
        throw new Error(
          `cgroup of the manager container read on ${managers.length} of ${lab.nodes.length} nodes`,
        );
      const peak = Math.max(...managers.map((s) => s.peakBytes));
      const limit = Math.max(...managers.map((s) => s.limitBytes));
      lab.nodes.forEach(
        (n, i) => (out[`pod_mem_peak_mib_${n.name}`] = r1((managers[i]?.peakBytes ?? NaN) / MiB)),
      );
      out.pod_mem_limit_mib = r1(limit / MiB);
      out.pod_mem_peak_mib = r1(peak / MiB);
      out.pod_mem_peak_ratio = r3(peak / limit);
      out.pod_mem_anon_peak_mib = r1(Math.max(...managers.map((s) => s.anonPeakBytes)) / MiB);
      out.pod_mem_rss_peak_mib = r1(Math.max(...managers.map((s) => s.hwmMiB)));
      out.pod_mem_rss_mib = r1(Math.max(...managers.map((s) => s.lastRssMiB ?? NaN)));
      out.pod_mem_oom_kills = Math.max(
        oomKilled,
        managers.reduce((n, s) => n + s.oomKills, 0),
      );
      out.pod_mem_limit_hits = managers.reduce((n, s) => n + s.limitHits, 0);
      out.pod_mem_restarts = restarts;
      const sidecars = of('gobgpd');
      if (sidecars.length > 0) {
        out.pod_mem_gobgpd_peak_mib = r1(Math.max(...sidecars.map((s) => s.peakBytes)) / MiB);
        out.pod_mem_gobgpd_limit_mib = r1(Math.max(...sidecars.map((s) => s.limitBytes)) / MiB);
      }
      out.pod_mem_services = N;
      ctx.log(
        `manager container: cgroup peak ${out.pod_mem_peak_mib} MiB of ${out.pod_mem_limit_mib} MiB (${((peak / limit) * 100).toFixed(1)} %), VmHWM ${out.pod_mem_rss_peak_mib} MiB, OOM kills ${out.pod_mem_oom_kills}, restarts ${restarts}`,
      );
      return out;
    } finally {
      sampler.stop();
      await lab.down();
    }
  },
};

export default group;
