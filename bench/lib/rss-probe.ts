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
//   toggled      (--toggle) pools set to protocol vip, all paths gone, back to bgp, all N again,
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
import { spawn, type ChildProcess } from 'node:child_process';
import {
  createWriteStream,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mib = (b: number | undefined) => (b === undefined ? undefined : Math.round((b / 2 ** 20) * 10) / 10);
const pools = Array.from({ length: Math.max(1, Math.ceil(N / PER_POOL)) }, (_, k) => ({
  name: `bench-bulk-${k}`,
  address: `198.19.${k * 16}.0/20`,
}));

const children: ChildProcess[] = [];
const tmp = mkdtempSync(join(tmpdir(), `openelb-rss-probe-${process.pid}-`));
let cleaned = false;
function cleanup(): void {
  if (cleaned) return;
  cleaned = true;
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  if (!args.keep && !args.snapshot) rmSync(tmp, { recursive: true, force: true });
}
process.once('exit', cleanup);
process.once('SIGINT', () => {
  cleanup();
  process.exit(130);
});

function start(cmd: string, argv: string[], logName: string): ChildProcess {
  const extra = Object.fromEntries(
    (args.env ?? []).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  );
  const c = spawn(cmd, argv, {
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: tmp,
    env: { ...process.env, KUBECONFIG: '', ...extra },
  });
  const log = createWriteStream(join(tmp, logName));
  c.stdout?.pipe(log);
  c.stderr?.pipe(log);
  children.push(c);
  return c;
}

async function until<T>(
  what: string,
  f: () => Promise<T | undefined> | T | undefined,
  timeoutMs: number,
  intervalMs = 200,
): Promise<T> {
  const end = performance.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (performance.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

async function startDouble(): Promise<string> {
  const kubeconfig = join(tmp, 'kubeconfig');
  const c = spawn(
    process.execPath,
    [join(ROOT, 'test/kube/cli.ts'), '--port', '0', '--kubeconfig', kubeconfig],
    { stdio: ['ignore', 'pipe', 'pipe'], cwd: ROOT },
  );
  children.push(c);
  const log = createWriteStream(join(tmp, 'double.log'));
  c.stderr?.pipe(log);
  let out = '';
  await until(
    'kube-double ready',
    () => {
      const chunk: unknown = c.stdout?.read();
      if (chunk) out += String(chunk);
      if (c.exitCode !== null) throw new Error(`kube double exited ${c.exitCode}`);
      return out.includes('kube-double ready') ? true : undefined;
    },
    30_000,
    50,
  );
  c.stdout?.resume();
  return kubeconfig;
}

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

/**
 * Resident bytes by mapping kind: file-backed (binary, libraries), the brk heap (main malloc arena),
 * V8 pages (anonymous 256 KiB mappings: V8's regular heap pages, in use or pooled), other anonymous
 * (malloc thread arenas, large-object pages, stacks, code range).
 */
function smaps(pid: number): { file: number; brk: number; v8pages: number; anon: number } {
  const out = { file: 0, brk: 0, v8pages: 0, anon: 0 };
  let kind: keyof typeof out = 'anon';
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \d+\s*(.*)$/.exec(line);
    if (head) {
      const name = head[3] ?? '';
      const size = parseInt(head[2] ?? '0', 16) - parseInt(head[1] ?? '0', 16);
      kind =
        name === '[heap]' ? 'brk' : name.startsWith('/') ? 'file' : size === 256 * 1024 ? 'v8pages' : 'anon';
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss) out[kind] += Number(rss[1]) * 1024;
  }
  return out;
}

function cpuSeconds(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return Math.round(((Number(rest[11]) + Number(rest[12])) / 100) * 10) / 10; // utime, stime in clock ticks (100/s)
}

function procStatus(pid: number): { rss?: number; hwm?: number } {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (re: RegExp) => {
    const m = re.exec(s);
    return m ? Number(m[1]) * 1024 : undefined;
  };
  return { rss: kb(/VmRSS:\s+(\d+)/), hwm: kb(/VmHWM:\s+(\d+)/) };
}

async function metrics(port: number): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  for (const line of text.split('\n')) {
    if (!/^openelb_(nodejs_heap|nodejs_external|process_memory|memory_)/.test(line)) continue;
    const i = line.lastIndexOf(' ');
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}

const t0 = performance.now();
async function sample(phase: string, pid: number, port: number): Promise<Sample> {
  const st = procStatus(pid);
  const sm = smaps(pid);
  const m = await metrics(port).catch(() => new Map<string, number>());
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
  const kubeconfig = await startDouble();
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
  start('gobgpd', ['--api-hosts', `unix://${socket}`, '--pprof-disable', '-p', '-l', 'warn'], 'gobgpd.log');
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
  const manager = start(
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
  if (args.snapshot) snapshots.push(await takeSnapshot(manager));
  await profiler?.send('HeapProfiler.enable');
  const startSampling = () =>
    profiler?.send('HeapProfiler.startSampling', {
      samplingInterval: 32768,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
  const stopSampling = async (window: string) => {
    if (!profiler) return;
    const r = (await profiler.send('HeapProfiler.stopSampling')) as { profile: SamplingProfile };
    writeFileSync(join(tmp, `alloc-${window}.heapprofile`), JSON.stringify(r.profile));
    summariseAllocations(r.profile, window);
  };
  if (args['alloc-profile'] === 'burst') await startSampling();

  const usage = async () => {
    const list = await client.list<Eip>(Resources.Eip, {});
    return list.items.reduce((s, e) => s + (e.status?.usage ?? 0), 0);
  };
  const destinations = async () => {
    const t = await gobgp.getTable(FAMILY.ipv4);
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
    marker('vip');
    await setProtocol('vip');
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

  if (args.snapshot) snapshots.push(await takeSnapshot(manager));
  clearInterval(sampler);
  if (args.timeline)
    process.stderr.write(`t\tcpu\ttrims\trss\theapTotal\theapUsed\tbrk\tmark\n${timeline.join('\n')}\n`);
  if (args['malloc-trim']) {
    await new Promise<void>((resolve) => {
      const g = spawn('gdb', ['-p', String(pid), '-batch', '-ex', 'call (int)malloc_trim(0)'], {
        stdio: 'ignore',
      });
      g.once('exit', () => resolve());
    });
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

/** A minimal Chrome DevTools Protocol client over the manager's --inspect port. */
class Inspector {
  private readonly ws: WebSocket;
  private seq = 0;
  private readonly waiting = new Map<number, (r: unknown) => void>();
  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.addEventListener('message', (ev: MessageEvent) => {
      const m = JSON.parse(String(ev.data)) as { id?: number; result?: unknown; error?: { message: string } };
      if (m.id === undefined) return;
      const done = this.waiting.get(m.id);
      this.waiting.delete(m.id);
      done?.(m.error ? new Error(m.error.message) : m.result);
    });
  }
  static async connect(port: number): Promise<Inspector> {
    const list = await until(
      'inspector target',
      async () => {
        const r = await fetch(`http://127.0.0.1:${port}/json/list`).catch(() => undefined);
        return r?.ok ? ((await r.json()) as { webSocketDebuggerUrl: string }[]) : undefined;
      },
      10_000,
    );
    const url = list[0]?.webSocketDebuggerUrl;
    if (!url) throw new Error('no inspector target');
    const ws = new WebSocket(url);
    await new Promise((resolve, reject) => {
      ws.addEventListener('open', resolve);
      ws.addEventListener('error', reject);
    });
    return new Inspector(ws);
  }
  async send(method: string, params: Record<string, unknown> = {}): Promise<unknown> {
    const id = ++this.seq;
    const r = await new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.ws.send(JSON.stringify({ id, method, params }));
    });
    if (r instanceof Error) throw r;
    return r;
  }
  close(): void {
    this.ws.close();
  }
}

interface SamplingNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: SamplingNode[];
}
interface SamplingProfile {
  head: SamplingNode;
}

/** Bytes allocated (sampled, collected or not) by function, and by the first frame in src/. */
function summariseAllocations(p: SamplingProfile, window: string): void {
  const self = new Map<string, number>();
  const ours = new Map<string, number>();
  let total = 0;
  const walk = (n: SamplingNode, stack: string[]) => {
    const f = n.callFrame;
    const file = f.url.replace(/^file:\/\//, '').replace(ROOT, '');
    const name = `${f.functionName || '(anonymous)'} ${file}:${f.lineNumber + 1}`;
    const here = file.startsWith('src/') ? [...stack, name] : stack;
    if (n.selfSize > 0) {
      total += n.selfSize;
      self.set(name, (self.get(name) ?? 0) + n.selfSize);
      const owner = here.at(-1) ?? '(no src/ frame)';
      ours.set(owner, (ours.get(owner) ?? 0) + n.selfSize);
    }
    for (const c of n.children) walk(c, here);
  };
  walk(p.head, []);
  const top = (m: Map<string, number>, k: number) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, k)
      .map(([n, b]) => `${(b / 2 ** 20).toFixed(1).padStart(8)} MiB  ${n}`)
      .join('\n');
  process.stderr.write(
    `allocated (sampled) in window ${window}: ${(total / 2 ** 20).toFixed(0)} MiB\n== by allocating function ==\n${top(self, 25)}\n== by innermost src/ frame ==\n${top(ours, 30)}\n`,
  );
}

/** SIGUSR2 (--heapsnapshot-signal) → the new .heapsnapshot file once its size stops changing. */
async function takeSnapshot(manager: ChildProcess): Promise<string> {
  const before = new Set(readdirSync(tmp).filter((x) => x.endsWith('.heapsnapshot')));
  manager.kill('SIGUSR2');
  let last = -1;
  return until(
    'heap snapshot written',
    () => {
      const f = readdirSync(tmp).find((x) => x.endsWith('.heapsnapshot') && !before.has(x));
      if (!f) return undefined;
      const p = join(tmp, f);
      const size = statSync(p).size;
      const done = size > 0 && size === last;
      last = size;
      return done ? p : undefined;
    },
    300_000,
    1000,
  );
}

main().then(
  () => {
    cleanup();
    process.exit(0);
  },
  (e: unknown) => {
    process.stderr.write(`rss-probe failed: ${e instanceof Error ? e.stack : String(e)}\n(logs in ${tmp})\n`);
    args.keep = true;
    cleanup();
    process.exit(1);
  },
);
