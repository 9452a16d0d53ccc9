// Memory probe for one manager process: where does its RSS go when 10,000 LoadBalancer Services in
// bgp Eips are allocated and announced? The same workload as bench group `bgp`'s rss keys, without
// the lab (no network namespaces, no router): the API double as its own process, one bare gobgpd on
// a unix socket in a temp dir (BgpConf listenPort -1: it never listens for BGP), ONE manager
// (`node src/main.ts`, webhook and Layer 2 off; it holds the allocator Lease, as the bench's node1
// does).
//
//   node bench/lib/rss-probe.ts [--n 10000] [--toggle] [--settle 5] [--hold 30] [--label x]
//       [--node-flag <node/V8 flag>]... [--env K=V]... [--main <scratch>/src/main.ts]
//       [--trim-idle] [--timeline] [--snapshot] [--alloc-profile burst|steady] [--malloc-trim]
//       [--log-level info] [--keep]
//
// Phases (a sample each: VmRSS, VmHWM, CPU seconds, the manager's heap figures from /metrics, and
// resident MiB by mapping kind from /proc/<pid>/smaps):
//   idle         every Eip, BgpConf and the Node exist, no Service yet; manager ready + 3 s
//   idle-trimmed (--trim-idle) after a memory-reducing GC: idle without startup garbage
//   created      N Services created (16 in flight)
//   announced    all N hold an IP (sum of Eip status.usage) and gobgpd's global table has N
//                destinations
//   settled      `--settle` s later (the bench reads its rss_mb_10k 5 s after the last change)
//   held         `--hold` s after that (is the figure stable, or was it GC high water?)
//   toggled      (--toggle) pools set to protocol layer2, all paths gone, back to bgp, all N again,
//                + settle: what the bench does before reading rss_mb_10k
// --node-flag=--import=bench/lib/rss-probe-trim.ts runs the manager with the memory trimmer on.
// --main runs another copy of the manager (A/B against a scratch tree whose node_modules is a link).
// --timeline prints a sample every 500 ms; --alloc-profile samples allocation sites through the
// inspector (bytes allocated per function, collected or not); --malloc-trim calls glibc's
// malloc_trim(0) in the manager through gdb at the end (how much malloc kept while free).
// --snapshot: the manager runs with --heapsnapshot-signal=SIGUSR2 and a snapshot is written after the
// idle sample and one at the end (in the temp dir, kept; writing a snapshot grows the manager's
// malloc heap, so the samples after it are not comparable with a run without --snapshot);
// summarise one with `node bench/lib/heap-summary.ts <file>`.
// Prints one JSON line (`RSS-PROBE {...}`) with every sample, and a readable table on stderr.
// The tools it drives, one file each in bench/lib/: children.ts (process control), proc-memory.ts
// (/proc sampling), memory-metrics.ts (the manager's /metrics), inspector.ts + alloc-profile.ts
// (allocation profiling), heap-snapshot.ts, malloc-trim.ts (gdb), poll.ts (bounded waits).
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { GobgpClient } from '../../src/bgp/client/client.ts';
import { FAMILY } from '../../src/bgp/path-build.ts';
import type { Eip } from '../../src/api/v1alpha2.ts';
import { KubeClient, loadKubeConfig, Resources } from '../../src/kube/index.ts';
import { setLogLevel } from '../../src/obs/log.ts';
import { freePort } from '../../test/lab/free-port.ts';
import { startAllocationSampling, stopAllocationSampling } from './alloc-profile.ts';
import { Children } from './children.ts';
import { takeSnapshot } from './heap-snapshot.ts';
import { Inspector } from './inspector.ts';
import { mallocTrim } from './malloc-trim.ts';
import { memoryMetrics } from './memory-metrics.ts';
import { sleep, until } from './poll.ts';
import { cpuSeconds, procStatus, smaps } from './proc-memory.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PER_POOL = 2500;
const MANAGER_NS = 'openelb-system';
const SVC_NS = 'probe';
const NODE = 'probe-node';

const { values: args } = parseArgs({
  options: {
    n: { type: 'string', default: '10000' },
    'node-flag': { type: 'string', multiple: true, default: [] },
    snapshot: { type: 'boolean', default: false },
    toggle: { type: 'boolean', default: false },
    settle: { type: 'string', default: '5' },
    hold: { type: 'string', default: '30' },
    keep: { type: 'boolean', default: false },
    label: { type: 'string', default: '' },
    /**
     * sample allocation sites (including objects already collected): `burst` from idle to settled,
     * `steady` from settled to held
     */
    'alloc-profile': { type: 'string' },
    /**
     * diagnosis: after the last sample, call glibc's malloc_trim(0) in the manager through gdb and
     * sample again (how much of the malloc growth is free memory glibc kept)
     */
    'malloc-trim': { type: 'boolean', default: false },
    /**
     * before the idle sample, have V8 do a memory-reducing GC (inspector HeapProfiler.collectGarbage,
     * i.e. LowMemoryNotification) and sample `idle-trimmed` too: the idle figure a trim would give
     */
    'trim-idle': { type: 'boolean', default: false },
    /** sample every 500 ms from idle on and print the timeline (with the phase marks) */
    timeline: { type: 'boolean', default: false },
    /** the manager's entry point (a scratch copy of src/ for A/B runs); default src/main.ts here */
    main: { type: 'string' },
    /** the manager's --log-level (its log is kept in the temp dir with --keep) */
    'log-level': { type: 'string', default: 'warn' },
    /** K=V added to the manager's environment (e.g. MALLOC_ARENA_MAX=2) */
    env: { type: 'string', multiple: true, default: [] },
  },
  strict: true,
});
const N = Number(args.n);
const SETTLE_MS = Number(args.settle) * 1000;
const HOLD_MS = Number(args.hold) * 1000;
setLogLevel('warn');

const mib = (b: number | undefined) => (b === undefined ? undefined : Math.round((b / 2 ** 20) * 10) / 10);
const pools = Array.from({ length: Math.max(1, Math.ceil(N / PER_POOL)) }, (_, k) => ({
  name: `bench-bulk-${k}`,
  address: `198.19.${k * 16}.0/20`,
}));

const children = new Children(mkdtempSync(join(tmpdir(), `openelb-rss-probe-${process.pid}-`)), args.env);
children.keep = args.keep || args.snapshot;
const tmp = children.dir;
process.once('exit', () => children.cleanup());
process.once('SIGINT', () => {
  children.cleanup();
  process.exit(130);
});

interface Sample {
  phase: string;
  atS: number;
  /** manager CPU seconds so far (user + system) */
  cpuS?: number;
  rssMiB?: number;
  hwmMiB?: number;
  heapTotalMiB?: number;
  heapUsedMiB?: number;
  externalMiB?: number;
  arrayBuffersMiB?: number;
  /** memory trims so far (src/obs/memory-trim.ts), when the trimmer runs */
  trims?: number;
  /** V8's own malloc use now / at its peak (zones, compiler, tables) */
  v8MallocMiB?: number;
  v8PeakMallocMiB?: number;
  /** resident MiB from /proc/<pid>/smaps (see smaps()) */
  fileMiB?: number;
  brkMiB?: number;
  v8PagesMiB?: number;
  anonMiB?: number;
  /** per V8 space: used / size (MiB) */
  spaces?: Record<string, string>;
}

const t0 = performance.now();
async function sample(phase: string, pid: number, port: number): Promise<Sample> {
  const st = procStatus(pid);
  const sm = smaps(pid);
  const m = await memoryMetrics(port).catch(() => new Map<string, number>());
  const spaces: Record<string, string> = {};
  for (const [k, v] of m) {
    const sp = /^openelb_nodejs_heap_space_size_used_bytes\{space="(\w+)"\}/.exec(k);
    const total = sp?.[1] ? m.get(`openelb_nodejs_heap_space_size_total_bytes{space="${sp[1]}"}`) : undefined;
    if (sp?.[1] && (v > 0 || (total ?? 0) > 0)) spaces[sp[1]] = `${mib(v)}/${mib(total)}`;
  }
  return {
    phase,
    atS: Math.round((performance.now() - t0) / 100) / 10,
    cpuS: cpuSeconds(pid),
    rssMiB: mib(st.rss),
    hwmMiB: mib(st.hwm),
    heapTotalMiB: mib(m.get('openelb_nodejs_heap_size_total_bytes')),
    heapUsedMiB: mib(m.get('openelb_nodejs_heap_size_used_bytes')),
    externalMiB: mib(m.get('openelb_nodejs_external_memory_bytes')),
    arrayBuffersMiB: mib(m.get('openelb_process_memory_bytes{kind="arrayBuffers"}')),
    trims: m.get('openelb_memory_trims_total'),
    v8MallocMiB: mib(m.get('openelb_process_memory_bytes{kind="v8Malloced"}')),
    v8PeakMallocMiB: mib(m.get('openelb_process_memory_bytes{kind="v8PeakMalloced"}')),
    fileMiB: mib(sm.file),
    brkMiB: mib(sm.brk),
    v8PagesMiB: mib(sm.v8pages),
    anonMiB: mib(sm.anon),
    spaces,
  };
}

async function inFlight(n: number, width: number, f: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < n) await f(next++);
    }),
  );
}

async function main(): Promise<void> {
  const kubeconfig = await children.startKubeDouble(ROOT);
  const client = new KubeClient(loadKubeConfig({ kubeconfigPath: kubeconfig }), {
    fieldManager: 'rss-probe',
  });
  const create = (r: (typeof Resources)[keyof typeof Resources], o: Record<string, unknown>) =>
    client.create(r, o);
  await create(Resources.Namespace, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: MANAGER_NS } });
  await create(Resources.Namespace, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: SVC_NS } });
  await create(Resources.Node, {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: NODE, labels: { 'kubernetes.io/hostname': NODE } },
  });
  await client.patch(
    Resources.Node,
    NODE,
    undefined,
    {
      status: {
        addresses: [
          { type: 'InternalIP', address: '10.255.0.1' },
          { type: 'Hostname', address: NODE },
        ],
        conditions: [
          {
            type: 'Ready',
            status: 'True',
            reason: 'KubeletReady',
            message: 'probe',
            lastHeartbeatTime: new Date().toISOString(),
            lastTransitionTime: new Date().toISOString(),
          },
        ],
      },
    },
    'merge',
    { subresource: 'status' },
  );
  await create(Resources.BgpConf, {
    apiVersion: 'network.kubesphere.io/v1alpha2',
    kind: 'BgpConf',
    metadata: { name: 'default' },
    spec: { as: 65001, listenPort: -1 },
  });
  for (const p of pools)
    await create(Resources.Eip, {
      apiVersion: 'network.kubesphere.io/v1alpha2',
      kind: 'Eip',
      metadata: { name: p.name },
      spec: { address: p.address, protocol: 'bgp' },
    });

  const socket = join(tmp, 'gobgpd.sock');
  children.start(
    'gobgpd',
    ['--api-hosts', `unix://${socket}`, '--pprof-disable', '-p', '-l', 'warn'],
    'gobgpd.log',
  );
  await until(
    'gobgpd socket',
    () => {
      try {
        statSync(socket);
        return true;
      } catch {
        return undefined;
      }
    },
    10_000,
    50,
  );
  const gobgp = new GobgpClient({ socket });

  const port = await freePort();
  const nodeFlags = [...(args['node-flag'] ?? [])];
  if (args.snapshot) nodeFlags.push('--heapsnapshot-signal=SIGUSR2');
  const inspectPort = args['alloc-profile'] || args['trim-idle'] ? await freePort() : 0;
  if (inspectPort) nodeFlags.push(`--inspect=127.0.0.1:${inspectPort}`);
  const manager = children.start(
    process.execPath,
    [
      ...nodeFlags,
      args.main ?? join(ROOT, 'src/main.ts'),
      '--kubeconfig',
      kubeconfig,
      '--node-name',
      NODE,
      '--namespace',
      MANAGER_NS,
      '--enable-webhook',
      'false',
      '--enable-layer2',
      'false',
      '--gobgp-socket',
      socket,
      '--heartbeat-file',
      join(tmp, 'heartbeat'),
      '--heartbeat-interval',
      '1s',
      '--health-addr',
      `127.0.0.1:${port}`,
      '--bgp-ready-timeout',
      '5s',
      '--log-level',
      args['log-level'] ?? 'warn',
    ],
    'manager.log',
  );
  const pid = manager.pid ?? 0;
  const snapshots: string[] = [];
  await until(
    'manager /readyz',
    async () => {
      if (manager.exitCode !== null)
        throw new Error(`manager exited ${manager.exitCode}; see ${tmp}/manager.log`);
      const r = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined);
      return r?.status === 200 ? true : undefined;
    },
    60_000,
  );
  await sleep(3000);
  const samples: Sample[] = [await sample('idle', pid, port)];
  const profiler = inspectPort ? await Inspector.connect(inspectPort) : undefined;
  if (args['trim-idle'] && profiler) {
    await profiler.send('HeapProfiler.collectGarbage');
    await sleep(1000);
    samples.push(await sample('idle-trimmed', pid, port));
  }
  const timeline: string[] = [];
  let mark = '';
  const marker = (m: string) => {
    mark = m;
  };
  const sampler = args.timeline
    ? setInterval(() => {
        void sample('', pid, port).then(
          (x) => {
            timeline.push(
              `${x.atS}\t${x.cpuS}\t${x.trims ?? ''}\t${x.rssMiB}\t${x.heapTotalMiB}\t${x.heapUsedMiB}\t${x.brkMiB}\t${mark}`,
            );
            mark = '';
          },
          () => undefined,
        );
      }, 500)
    : undefined;
  if (args.snapshot) snapshots.push(await takeSnapshot(manager, tmp));
  await profiler?.send('HeapProfiler.enable');
  const startSampling = async () => {
    if (profiler) await startAllocationSampling(profiler);
  };
  const stopSampling = async (window: string) => {
    if (profiler) await stopAllocationSampling(profiler, tmp, window, ROOT);
  };
  if (args['alloc-profile'] === 'burst') await startSampling();

  const usage = async () => {
    const list = await client.list<Eip>(Resources.Eip, {});
    return list.items.reduce((s, e) => s + (e.status?.usage ?? 0), 0);
  };
  const destinations = async () => {
    const t = await gobgp.getTable(FAMILY[4]);
    return Number((t as { num_destination?: number | string }).num_destination ?? 0);
  };
  const allAnnounced = async (what: string, timeoutMs: number) =>
    until(what, async () => ((await destinations()) === N ? true : undefined), timeoutMs, 500);

  marker('create');
  const tCreate = performance.now();
  await inFlight(N, 16, async (i) => {
    const pool = pools[Math.floor(i / PER_POOL)]?.name ?? '';
    await create(Resources.Service, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: `s${i}`,
        namespace: SVC_NS,
        annotations: { 'lb.kubesphere.io/v1alpha1': 'openelb', 'eip.openelb.kubesphere.io/v1alpha2': pool },
      },
      spec: {
        type: 'LoadBalancer',
        // the 2,768 nodePorts run out long before 10,000 Services (the double allocates them as a real
        // apiserver does), as in bench group bgp
        allocateLoadBalancerNodePorts: false,
        ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 80 }],
        selector: { app: `s${i}` },
        externalTrafficPolicy: 'Cluster',
      },
    });
  });
  const createdS = (performance.now() - tCreate) / 1000;
  samples.push(await sample('created', pid, port));
  await until(`${N} allocations`, async () => ((await usage()) === N ? true : undefined), 900_000, 1000);
  await allAnnounced(`${N} paths in gobgpd`, 900_000);
  const announcedS = (performance.now() - tCreate) / 1000;
  marker('announced');
  samples.push(await sample('announced', pid, port));
  await sleep(SETTLE_MS);
  samples.push(await sample('settled', pid, port));
  if (args['alloc-profile'] === 'burst') await stopSampling('burst');
  if (args['alloc-profile'] === 'steady') await startSampling();
  await sleep(HOLD_MS);
  if (args['alloc-profile'] === 'steady') await stopSampling('steady');
  profiler?.close();
  samples.push(await sample('held', pid, port));

  if (args.toggle) {
    const setProtocol = (p: string) =>
      Promise.all(
        pools.map((pool) =>
          client.patch(Resources.Eip, pool.name, undefined, { spec: { protocol: p } }, 'merge'),
        ),
      );
    marker('layer2');
    await setProtocol('layer2');
    await until(
      'paths withdrawn',
      async () => ((await destinations()) === 0 ? true : undefined),
      300_000,
      500,
    );
    marker('withdrawn; bgp');
    await setProtocol('bgp');
    await allAnnounced(`${N} paths again`, 300_000);
    marker('re-announced');
    await sleep(SETTLE_MS);
    samples.push(await sample('toggled', pid, port));
  }

  if (args.snapshot) snapshots.push(await takeSnapshot(manager, tmp));
  clearInterval(sampler);
  if (args.timeline)
    process.stderr.write(`t\tcpu\ttrims\trss\theapTotal\theapUsed\tbrk\tmark\n${timeline.join('\n')}\n`);
  if (args['malloc-trim']) {
    await mallocTrim(pid);
    await sleep(500);
    samples.push(await sample('malloc_trim', pid, port));
  }

  if (args.keep) writeFileSync(join(tmp, 'manager.smaps'), readFileSync(`/proc/${pid}/smaps`));
  gobgp.close();
  manager.kill('SIGTERM');
  await new Promise((r) => manager.once('exit', r));
  const result = {
    label: args.label,
    main: args.main,
    n: N,
    nodeFlags,
    env: args.env,
    createdS: Math.round(createdS * 10) / 10,
    announcedS: Math.round(announcedS * 10) / 10,
    samples,
    snapshots,
    dir: args.keep || args.snapshot ? tmp : undefined,
  };
  process.stdout.write(`RSS-PROBE ${JSON.stringify(result)}\n`);
  const cols = [
    'phase',
    'atS',
    'cpuS',
    'trims',
    'rssMiB',
    'hwmMiB',
    'heapTotalMiB',
    'heapUsedMiB',
    'externalMiB',
    'arrayBuffersMiB',
    'v8MallocMiB',
    'v8PeakMallocMiB',
    'fileMiB',
    'brkMiB',
    'v8PagesMiB',
    'anonMiB',
  ] as const;
  process.stderr.write(`${cols.join('\t')}\n`);
  for (const s of samples) process.stderr.write(`${cols.map((c) => String(s[c] ?? '')).join('\t')}\n`);
  process.stderr.write(
    `old/new/large space used at settled: ${JSON.stringify(samples.find((s) => s.phase === 'settled')?.spaces)}\n`,
  );
}

main().then(
  () => {
    children.cleanup();
    process.exit(0);
  },
  (e: unknown) => {
    process.stderr.write(`rss-probe failed: ${e instanceof Error ? e.stack : String(e)}\n(logs in ${tmp})\n`);
    children.keep = true;
    children.cleanup();
    process.exit(1);
  },
);
