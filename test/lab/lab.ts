import { createWriteStream, type WriteStream } from 'node:fs';
import { access, mkdir, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Capture } from './capture.ts';
import { register, unregister, type Cleanable } from './cleanup.ts';
import { inNs, run, runOk, runSyncQuiet, type RunOptions, type RunResult } from './exec.ts';
import { kernelRoute, linkMac, neighbours, type KernelRoute, type Neighbour } from './fib.ts';
import { GobgpClient } from './gobgp/client.ts';
import { HttpProbe, httpGet, type HttpGetResult, type ProbeOptions } from './http.ts';
import { arping, ndisc6, type ArpingResult, type NdiscResult } from './l2.ts';
import { newRunId, PREFIX } from './names.ts';
import { writeOwner } from './orphans.ts';
import {
  addNamespace,
  addVeth,
  deleteNamespace,
  hostAddressLines,
  ipBatch,
  switchLines,
  sysctl,
  sysctlsFor,
  type HostKind,
} from './netns.ts';
import { Proc, type SpawnOptions } from './proc.ts';
import { OPENELB_MANIFEST, webhookService } from './manifest.ts';
import { startKubeServerCmd } from './kube-server-cmd.ts';
import {
  CRD_DIR,
  exists,
  KUBE_DOUBLE_CLI,
  MANAGER_MAIN,
  managerConfig,
  startKubeDouble,
  startManager,
  type KubeDouble,
  type ManagerOptions,
} from './roles.ts';
import { BirdRouter, type BirdOptions } from './routers/bird.ts';
import { FrrRouter } from './routers/frr.ts';
import type { Router, SessionState } from './routers/router.ts';
import {
  kubeServerCmdFromEnv,
  plan,
  runtimeFromEnv,
  type HostPlan,
  type LabDesc,
  type LabPlan,
  type LabRuntime,
  type NodePlan,
  type RouterPlan,
} from './topology.ts';
import { ReplicaPods, type StartPodOptions } from './replica-pods.ts';
import type { Pod } from '../pod/pod.ts';
import { waitFor } from './wait.ts';
import { WebhookEndpoints } from './webhook-endpoints.ts';
import type { ManagerConfig } from '../../src/config.ts';

// One lab = one run id: a switch namespace with a bridge, node / router / client / control namespaces
// each wired to it by a veth, and the daemons in them. Every process is a direct child held by PID;
// down() (also run on test failure, Ctrl-C, SIGTERM and process exit) stops them and deletes exactly
// the namespaces this lab created.

const STANDIN = fileURLToPath(new URL('./agents/http-standin.ts', import.meta.url));
export const KUBE_PORT = 6443;

export interface LabTimings {
  /** start of up() → namespaces, links and addresses ready. */
  netnsMs: number;
  /** start of up() → every daemon started (and, in 'peered' mode, gobgpd configured), before any wait for BGP. */
  daemonsMs: number;
  /** start of up() → up() resolved (daemons running; sessions Established when waited for). */
  upMs: number;
  /** start of up() → every lab-peered session Established on every router (when waited for). */
  establishedMs: number | undefined;
}

export interface LabExtras {
  /** per router index (1-based): prefixes the router originates towards the nodes. */
  routerAnnounce?: Record<number, string[]>;
}

/** The command playing the API server for desc, if any (desc first, then $KUBE_SERVER_CMD). */
export function kubeServerCmdOf(desc: LabDesc): string | undefined {
  if (desc.kubeServerCmd === false) return undefined;
  return desc.kubeServerCmd ?? kubeServerCmdFromEnv();
}

export class Lab implements Cleanable {
  readonly desc: LabDesc;
  readonly plan: LabPlan;
  readonly id: string;
  /** run directory: configs, sockets, logs (/tmp/oelab-<id>). */
  readonly dir: string;
  readonly routers: Router[] = [];
  kube: KubeDouble | undefined;
  timings: LabTimings = { netnsMs: 0, daemonsMs: 0, upMs: 0, establishedMs: undefined };

  private readonly procs = new Set<Proc>();
  private readonly createdNs: string[] = [];
  private readonly gobgpd = new Map<string, Proc>();
  private readonly managers = new Map<string, Proc[]>();
  /** How each manager reads its flags (health and webhook ports). */
  private readonly managerCfg = new Map<Proc, ManagerConfig>();
  private webhookEndpoints: WebhookEndpoints | undefined;
  private readonly clients = new Map<string, Promise<GobgpClient>>();
  private downPromise: Promise<void> | undefined;
  private readonly t0 = performance.now();
  /** podman runtime: the replica pods (see replica-pods.ts) */
  private pods: ReplicaPods | undefined;
  private podLogFile: WriteStream | undefined;

  private constructor(desc: LabDesc, p: LabPlan) {
    this.desc = desc;
    this.plan = p;
    this.id = p.id;
    this.dir = p.dir;
  }

  // ---------------------------------------------------------------- lifecycle

  /** Builds the whole lab; on any failure tears down what was built and rethrows. */
  static async up(desc: LabDesc, extras: LabExtras = {}): Promise<Lab> {
    const serverCmd = kubeServerCmdOf(desc);
    const wantKube =
      desc.kubeDouble === true ||
      (desc.kubeDouble === 'if-present' && (serverCmd !== undefined || (await exists(KUBE_DOUBLE_CLI))));
    if (desc.kubeDouble === true && serverCmd === undefined && !(await exists(KUBE_DOUBLE_CLI)))
      throw new Error(`lab: kubeDouble requested but ${KUBE_DOUBLE_CLI} does not exist`);
    let lab: Lab | undefined;
    for (let attempt = 0; attempt < 5 && !lab; attempt++) {
      const id = newRunId();
      const dir = `/tmp/${PREFIX}${id}`;
      try {
        await mkdir(dir, { mode: 0o755 });
      } catch {
        continue; // id collision with another run: draw again
      }
      const l = new Lab(desc, plan(id, dir, desc, wantKube));
      await writeOwner(dir);
      register(l);
      if (await addNamespace(l.plan.swNs)) {
        l.createdNs.push(l.plan.swNs);
        lab = l;
      } else {
        unregister(l);
        await rm(dir, { recursive: true, force: true });
      }
    }
    if (!lab) throw new Error('lab: could not find a free run id');
    try {
      await lab.build(extras);
      return lab;
    } catch (err) {
      await lab.down().catch(() => undefined);
      throw err;
    }
  }

  private hosts(): { host: HostPlan; kind: HostKind }[] {
    const p = this.plan;
    return [
      ...p.nodes.map((host) => ({ host, kind: 'node' as const })),
      ...p.routers.map((host) => ({ host, kind: 'router' as const })),
      ...(p.client ? [{ host: p.client, kind: 'client' as const }] : []),
      ...(p.control ? [{ host: p.control, kind: 'control' as const }] : []),
    ];
  }

  private async build(extras: LabExtras): Promise<void> {
    const p = this.plan;
    const hosts = this.hosts();
    // namespaces (the switch namespace exists already)
    await Promise.all(
      hosts.map(async ({ host }) => {
        if (!(await addNamespace(host.ns))) throw new Error(`lab: namespace ${host.ns} already exists`);
        this.createdNs.push(host.ns);
      }),
    );
    await Promise.all([
      sysctl(p.swNs, sysctlsFor('switch')),
      ...hosts.map(({ host, kind }) => sysctl(host.ns, sysctlsFor(kind))),
    ]);
    await Promise.all(hosts.map(({ host }) => addVeth(host, p.swNs)));
    const r1 = p.routers[0];
    await Promise.all([
      ipBatch(
        p.swNs,
        switchLines(
          p.bridge,
          hosts.map(({ host }) => host.port),
        ),
      ),
      ...hosts.map(({ host, kind }) => {
        const extra =
          kind === 'client' && r1
            ? [`route add default via ${r1.ipv4}`, `route add ::/0 via ${r1.ipv6}`]
            : [];
        return ipBatch(host.ns, hostAddressLines(host, extra));
      }),
      ...p.nodes.map((n) => mkdir(`${p.dir}/${n.role}`, { recursive: true })),
    ]);
    this.timings.netnsMs = performance.now() - this.t0;

    const mode = this.desc.gobgp ?? 'peered';
    for (const r of p.routers) {
      const announce = extras.routerAnnounce?.[r.index];
      const opts: BirdOptions = announce ? { announce } : {};
      this.routers.push(
        r.kind === 'bird' ? new BirdRouter(r, p.nodeAsn, opts) : new FrrRouter(r, p.nodeAsn, opts),
      );
    }
    const startRouters = async (): Promise<void> => {
      await Promise.all(this.routers.map((r) => r.start()));
    };
    const work: Promise<unknown>[] = [];
    if (this.desc.http !== false) work.push(...p.nodes.map((n) => this.startHttpStandin(n)));
    if (p.control) work.push(this.startKube());
    if (mode === 'none') work.push(startRouters());
    else if (mode === 'bare')
      work.push(
        startRouters(),
        ...(this.runtime === 'podman' ? [] : p.nodes.map((n) => this.startGobgpd(n.name))),
      );
    else if (this.runtime === 'podman')
      throw new Error(
        "lab: runtime podman runs gobgpd inside the replica pods, configured by the manager: use gobgp 'bare' (or 'none')",
      );
    else {
      // gobgpd listening before the routers start dialling: a refused first dial costs BIRD seconds
      work.push(
        (async () => {
          await Promise.all(
            p.nodes.map(async (n) => {
              await this.startGobgpd(n.name);
              await this.peerNode(n.name);
            }),
          );
          await startRouters();
        })(),
      );
    }
    await Promise.all(work);
    if (p.control && this.kube) await this.registerNodes();
    if (this.desc.openelbManifest) {
      if (!this.kube) throw new Error('lab: openelbManifest needs the API double (kubeDouble)');
      const r = await this.installManifest();
      if (r.code !== 0) throw new Error(`lab: kubectl apply -f ${OPENELB_MANIFEST} failed: ${r.stderr}`);
    }
    const wantManagers =
      this.desc.managers === true || (this.desc.managers === 'if-present' && (await exists(MANAGER_MAIN)));
    if (this.desc.managers === true && !(await exists(MANAGER_MAIN)))
      throw new Error(`lab: managers requested but ${MANAGER_MAIN} does not exist`);
    if (wantManagers) {
      if (!this.kube) throw new Error('lab: managers need the API double (kubeDouble)');
      // the manager's namespace exists before the managers, as the one-file install creates it
      const ns = await this.kubectl(
        ['apply', '-f', '-'],
        JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'openelb-system' } }),
      );
      if (ns.code !== 0) throw new Error(`lab: creating namespace openelb-system failed: ${ns.stderr}`);
      if (this.runtime === 'podman') for (const n of p.nodes) await this.startManagerPod(n.name);
      else for (const n of p.nodes) this.startManager(n.name);
    }
    this.timings.daemonsMs = performance.now() - this.t0;
    if (mode === 'peered' && this.desc.waitEstablished !== false && p.routers.length > 0) {
      await this.waitEstablished(this.desc.establishTimeoutMs ?? 30_000);
      this.timings.establishedMs = performance.now() - this.t0;
    }
    this.timings.upMs = performance.now() - this.t0;
  }

  /** Stops every process (managers first, by PID), deletes our namespaces and run dir. Idempotent. */
  down(): Promise<void> {
    this.downPromise ??= this.teardown();
    return this.downPromise;
  }

  private async teardown(): Promise<void> {
    // no more endpoint writes; the one in flight (a kubectl in the control namespace) ends first
    this.webhookEndpoints?.close();
    await this.webhookEndpoints?.settled();
    for (const c of this.clients.values()) void c.then((x) => x.close()).catch(() => undefined);
    await this.pods?.deleteAll();
    this.podLogFile?.end();
    const managers = [...this.managers.values()].flat();
    await Promise.all(managers.map((m) => m.stop('SIGTERM', 5000)));
    await Promise.all([
      ...[...this.procs].map((pr) => pr.stop('SIGTERM', 2000)),
      ...this.routers.map((r) => r.stop().catch(() => undefined)),
    ]);
    for (const ns of [...this.createdNs].reverse()) await deleteNamespace(ns).catch(() => undefined);
    this.createdNs.length = 0;
    if (process.env.OELAB_KEEP_DIR !== '1') await rm(this.dir, { recursive: true, force: true });
    unregister(this);
  }

  downSync(): void {
    this.pods?.deleteAllSync();
    const all = [
      ...this.procs,
      ...[...this.managers.values()].flat(),
      ...this.routers.flatMap((r) => r.procs()),
    ];
    for (const pr of all) {
      pr.signal('SIGCONT');
      pr.signal('SIGKILL');
    }
    for (const ns of [...this.createdNs].reverse()) runSyncQuiet(['ip', 'netns', 'del', ns]);
    for (const r of this.routers) if (r instanceof FrrRouter) r.removeRunDirSync();
    if (process.env.OELAB_KEEP_DIR !== '1') runSyncQuiet(['rm', '-rf', this.dir]);
  }

  // ---------------------------------------------------------------- names and plumbing

  /** Every namespace of this lab. */
  namespaces(): string[] {
    return [this.plan.swNs, ...this.hosts().map(({ host }) => host.ns)];
  }

  /** A role ('n1', 'r1', 'c', 'k', 'sw'), a node name ('node1') or a full namespace name of THIS lab. */
  ns(ref: string): string {
    if (ref === 'sw' || ref === this.plan.swNs) return this.plan.swNs;
    const h = this.hosts().find(
      ({ host }) => host.role === ref || host.ns === ref || ('name' in host && host.name === ref),
    );
    if (!h) throw new Error(`lab ${this.id}: no namespace ${ref} (have ${this.namespaces().join(', ')})`);
    return h.host.ns;
  }

  host(ref: string): HostPlan {
    const ns = this.ns(ref);
    const h = this.hosts().find(({ host }) => host.ns === ns);
    if (!h) throw new Error(`lab ${this.id}: ${ref} is not a host`);
    return h.host;
  }

  get nodes(): NodePlan[] {
    return this.plan.nodes;
  }

  /** node by name ('node1'), role ('n1') or 1-based index. */
  node(ref: string | number): NodePlan {
    const n = this.plan.nodes.find((x) => x.index === ref || x.name === ref || x.role === ref);
    if (!n) throw new Error(`lab ${this.id}: no node ${ref}`);
    return n;
  }

  /** router by 1-based index (default the first). */
  router(index = 1): Router {
    const r = this.routers[index - 1];
    if (!r) throw new Error(`lab ${this.id}: no router ${index}`);
    return r;
  }

  get client(): HostPlan {
    if (!this.plan.client) throw new Error(`lab ${this.id}: no client namespace`);
    return this.plan.client;
  }

  /** Runs argv inside one of this lab's namespaces. */
  exec(ref: string, argv: readonly string[], opts?: RunOptions): Promise<RunResult> {
    return run(inNs(this.ns(ref), argv), opts);
  }

  /** Same, throws unless exit 0; returns stdout. */
  execOk(ref: string, argv: readonly string[], opts?: RunOptions): Promise<string> {
    return runOk(inNs(this.ns(ref), argv), opts);
  }

  /** Starts a long-lived process inside a lab namespace; down() stops it. */
  spawn(ref: string, argv: readonly string[], opts: SpawnOptions = {}): Proc {
    const pr = new Proc(this.ns(ref), argv, opts);
    this.procs.add(pr);
    return pr;
  }

  /** PIDs of every process the lab has started and that still runs. */
  pids(): number[] {
    const all = [
      ...this.procs,
      ...[...this.managers.values()].flat(),
      ...this.routers.flatMap((r) => r.procs()),
    ];
    return all.filter((p) => p.running).map((p) => p.pid);
  }

  // ---------------------------------------------------------------- gobgpd

  /** (Re)starts gobgpd in the node: no config file, gRPC on a unix socket only, pprof off. */
  async startGobgpd(ref: string | number): Promise<Proc> {
    const n = this.node(ref);
    const old = this.gobgpd.get(n.name);
    if (old?.running) throw new Error(`gobgpd already runs in ${n.name} (pid ${old.pid})`);
    await rm(n.gobgpSocket, { force: true });
    this.clients.delete(n.name);
    const pr = this.spawn(
      n.role,
      ['gobgpd', `--api-hosts=unix://${n.gobgpSocket}`, '--pprof-disable', '-p', '-l', 'info'],
      {
        name: `gobgpd@${n.name}`,
        logFile: `${this.dir}/${n.role}/gobgpd.log`,
      },
    );
    this.gobgpd.set(n.name, pr);
    await waitFor(
      async () => {
        if (!pr.running) throw new Error(`gobgpd in ${n.name} exited: ${pr.output().slice(-1000)}`);
        await access(n.gobgpSocket);
        return true;
      },
      10_000,
      { what: `gobgpd socket ${n.gobgpSocket}`, intervalMs: 5 },
    );
    return pr;
  }

  gobgpdProc(ref: string | number): Proc | undefined {
    return this.gobgpd.get(this.node(ref).name);
  }

  /** Stops gobgpd in the node with a signal (SIGTERM = Cease to peers, SIGKILL = crash). */
  async stopGobgpd(ref: string | number, sig: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const n = this.node(ref);
    const c = this.clients.get(n.name);
    this.clients.delete(n.name);
    if (c) void c.then((x) => x.close()).catch(() => undefined);
    await this.gobgpd.get(n.name)?.stop(sig, 2000);
  }

  /** gRPC helper connected to the node's gobgpd (one per node, cached). */
  gobgp(ref: string | number): Promise<GobgpClient> {
    const n = this.node(ref);
    let c = this.clients.get(n.name);
    if (!c) {
      c = GobgpClient.connect(n.gobgpSocket);
      this.clients.set(n.name, c);
    }
    return c;
  }

  /** What 'peered' mode does for each node: StartBgp on the node address, AddPeer for every router. */
  async peerNode(ref: string | number): Promise<void> {
    const n = this.node(ref);
    const c = await this.gobgp(n.name);
    const routers = this.plan.routers.filter((r) => r.peers.some((x) => x.name === n.name));
    const v6 = routers.some((r) => r.sessions.includes('v6'));
    await c.startBgp({
      asn: this.plan.nodeAsn,
      routerId: n.ipv4,
      listenPort: n.bgpPort,
      listenAddresses: v6 ? [n.ipv4, n.ipv6] : [n.ipv4],
    });
    for (const r of routers) {
      for (const fam of r.sessions) {
        const hold = this.desc.nodeHoldTime ?? 9;
        // the router dials (fast); gobgpd stays passive so no connection collision slows things down
        await c.addPeer({
          address: fam === 'v4' ? r.ipv4 : r.ipv6,
          asn: r.asn,
          holdTime: hold,
          keepalive: Math.max(1, Math.floor(hold / 3)),
          passive: !r.passive,
        });
      }
    }
  }

  /** AddPath of prefix from the node; next hop defaults to the node's own address of that family. */
  async announce(ref: string | number, prefix: string, nextHop?: string): Promise<void> {
    const n = this.node(ref);
    await (await this.gobgp(n.name)).addPath(prefix, nextHop ?? (prefix.includes(':') ? n.ipv6 : n.ipv4));
  }

  async withdraw(ref: string | number, prefix: string): Promise<void> {
    await (await this.gobgp(ref)).deletePath(prefix);
  }

  /** Sessions of every router with every peer node it is configured for. */
  async sessions(): Promise<{ router: string; sessions: SessionState[] }[]> {
    return Promise.all(
      this.routers.map(async (r) => ({ router: r.plan.name, sessions: await r.sessions() })),
    );
  }

  /** Waits until every configured router↔node session is Established. */
  async waitEstablished(deadlineMs = 30_000): Promise<void> {
    const expected = (r: RouterPlan): number => r.peers.length * r.sessions.length;
    await waitFor(
      async () => {
        const all = await this.sessions();
        const pending = all.flatMap((x, i) => {
          const rp = this.plan.routers[i];
          const est = x.sessions.filter((s) => s.established).length;
          return rp && est >= expected(rp)
            ? []
            : [`${x.router}: ${x.sessions.map((s) => `${s.session}=${s.state}`).join(' ')}`];
        });
        if (pending.length > 0) throw new Error(pending.join('; '));
        return true;
      },
      deadlineMs,
      { what: 'BGP sessions Established', intervalMs: 20 },
    );
  }

  // ---------------------------------------------------------------- router side

  /** The kernel route for dst in a router namespace (default router 1). */
  routerRoute(dst: string, routerIndex = 1): Promise<KernelRoute | undefined> {
    return kernelRoute(this.router(routerIndex).plan.ns, dst);
  }

  /** Next hops for dst in a router's kernel (sorted; [] = no route). */
  async routerNextHops(dst: string, routerIndex = 1): Promise<string[]> {
    return (await this.routerRoute(dst, routerIndex))?.nextHops ?? [];
  }

  /** Waits until the router kernel's next hops for dst are exactly `want` (order ignored); returns ms waited. */
  async waitNextHops(dst: string, want: string[], deadlineMs = 10_000, routerIndex = 1): Promise<number> {
    const t = performance.now();
    const w = [...want].sort();
    await waitFor(
      async () => {
        const got = await this.routerNextHops(dst, routerIndex);
        if (JSON.stringify(got) !== JSON.stringify(w)) throw new Error(`have ${got.join(',') || '(none)'}`);
        return true;
      },
      deadlineMs,
      { what: `next hops ${w.join(',') || '(none)'} for ${dst} in router ${routerIndex}`, intervalMs: 10 },
    );
    return performance.now() - t;
  }

  // ---------------------------------------------------------------- node side

  private async startHttpStandin(n: NodePlan): Promise<void> {
    const pr = this.spawn(
      n.role,
      [process.execPath, STANDIN, n.name, String(this.desc.httpPort ?? 80), n.ns],
      {
        name: `http-standin@${n.name}`,
        logFile: `${this.dir}/${n.role}/http.log`,
      },
    );
    await pr.waitForOutput(/http-standin ready/, 15_000);
  }

  /**
   * Makes the node's kernel accept traffic for a Service IP (what kube-proxy does) without answering
   * ARP/NDP for it: a local route in table local (with the node's arp_ignore=1 / arp_announce=2).
   */
  async serveVip(ref: string | number, ip: string): Promise<void> {
    const n = this.node(ref);
    const v6 = ip.includes(':');
    await runOk([
      'ip',
      '-n',
      n.ns,
      ...(v6 ? ['-6'] : []),
      'route',
      'replace',
      'local',
      `${ip}/${v6 ? 128 : 32}`,
      'dev',
      'lo',
      'table',
      'local',
    ]);
  }

  async unserveVip(ref: string | number, ip: string): Promise<void> {
    const n = this.node(ref);
    const v6 = ip.includes(':');
    await runOk([
      'ip',
      '-n',
      n.ns,
      ...(v6 ? ['-6'] : []),
      'route',
      'del',
      'local',
      `${ip}/${v6 ? 128 : 32}`,
      'dev',
      'lo',
      'table',
      'local',
    ]);
  }

  /** Puts ip on the node's LAN interface: the node's kernel then answers ARP/NDP for it. */
  async addAddress(ref: string | number, ip: string): Promise<void> {
    const n = this.node(ref);
    const v6 = ip.includes(':');
    await runOk([
      'ip',
      '-n',
      n.ns,
      'addr',
      'add',
      `${ip}/${v6 ? 128 : 32}`,
      'dev',
      n.ifname,
      ...(v6 ? ['nodad'] : []),
    ]);
  }

  async delAddress(ref: string | number, ip: string): Promise<void> {
    const n = this.node(ref);
    const v6 = ip.includes(':');
    await runOk(['ip', '-n', n.ns, 'addr', 'del', `${ip}/${v6 ? 128 : 32}`, 'dev', n.ifname]);
  }

  /** MAC address of a host's LAN interface. */
  mac(ref: string): Promise<string> {
    const h = this.host(ref);
    return linkMac(h.ns, h.ifname);
  }

  // ---------------------------------------------------------------- Kubernetes roles

  private async startKube(): Promise<void> {
    const k = this.plan.control;
    if (!k) return;
    // with the install manifest the CRDs come from it, as on a fresh cluster
    const crds = this.desc.kubeCrds !== false && this.desc.openelbManifest !== true;
    const cmd = kubeServerCmdOf(this.desc);
    if (cmd === undefined) {
      this.kube = await startKubeDouble(
        k.ns,
        k.ipv4,
        KUBE_PORT,
        `${this.dir}/kubeconfig`,
        `${this.dir}/kube-double.log`,
        crds,
      );
      this.procs.add(this.kube.proc);
      return;
    }
    const o = {
      ns: k.ns,
      host: k.ipv4,
      port: KUBE_PORT,
      kubeconfig: `${this.dir}/kubeconfig`,
      logFile: `${this.dir}/kube-server.log`,
      dir: this.dir,
    };
    this.kube = await startKubeServerCmd(cmd, { ...o, timeoutMs: this.desc.kubeServerTimeoutMs ?? 60_000 });
    this.procs.add(this.kube.proc);
    // a server of the user's starts empty: the CRDs the double would have loaded come by kubectl
    if (crds) {
      const r = await this.kubectl(['apply', '-f', CRD_DIR]);
      if (r.code !== 0)
        throw new Error(
          `lab: kubectl apply -f ${CRD_DIR} against KUBE_SERVER_CMD's server failed: ${r.stderr}`,
        );
      const est = await this.kubectl(['wait', '--for=condition=Established', '--timeout=15s', '-f', CRD_DIR]);
      if (est.code !== 0)
        throw new Error(
          `lab: the CRDs of ${CRD_DIR} are not Established on KUBE_SERVER_CMD's server: ${est.stderr}`,
        );
    }
  }

  get kubeconfig(): string {
    if (!this.kube) throw new Error(`lab ${this.id}: no API double running`);
    return this.kube.kubeconfig;
  }

  /** kubectl against the API double, run in the control namespace (the only place that reaches it besides the nodes). */
  kubectl(args: string[], input?: string): Promise<RunResult> {
    return this.exec(
      'k',
      ['kubectl', '--kubeconfig', this.kubeconfig, ...args],
      input === undefined ? {} : { input },
    );
  }

  /** The labels of a lab node's Node object (the pod runner admits pods against them). */
  nodeLabels(n: NodePlan): Record<string, string> {
    return { 'kubernetes.io/hostname': n.name, 'kubernetes.io/os': 'linux' };
  }

  /** Creates a Node object per lab node (InternalIP = node address, Ready) in the API double. */
  private async registerNodes(): Promise<void> {
    const items = this.plan.nodes.map((n) => ({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: n.name, labels: this.nodeLabels(n) },
    }));
    const r = await this.kubectl(
      ['apply', '--validate=false', '-f', '-'],
      JSON.stringify({ apiVersion: 'v1', kind: 'List', items }),
    );
    if (r.code !== 0) throw new Error(`lab: creating Node objects failed: ${r.stderr}`);
    await Promise.all(
      this.plan.nodes.map(async (n) => {
        const status = {
          status: {
            addresses: [
              { type: 'InternalIP', address: n.ipv4 },
              { type: 'InternalIP', address: n.ipv6 },
              { type: 'Hostname', address: n.name },
            ],
            conditions: [
              {
                type: 'Ready',
                status: 'True',
                reason: 'KubeletReady',
                message: 'oelab node',
                lastHeartbeatTime: new Date().toISOString(),
                lastTransitionTime: new Date().toISOString(),
              },
            ],
          },
        };
        const s = await this.kubectl([
          'patch',
          'node',
          n.name,
          '--subresource=status',
          '--type=merge',
          '-p',
          JSON.stringify(status),
        ]);
        if (s.code !== 0) throw new Error(`lab: setting status of Node ${n.name} failed: ${s.stderr}`);
      }),
    );
  }

  /** `kubectl apply -f deploy/openelb.yaml`: what step 1 of the seed does on a cluster. */
  installManifest(): Promise<RunResult> {
    return this.kubectl(['apply', '-f', OPENELB_MANIFEST]);
  }

  /**
   * Starts a manager replica in the node (several may run at once, e.g. for rolling restarts; each
   * needs its own --health-addr and --webhook-addr then). A replica that serves the webhook is listed
   * in the webhook Service's endpoints while its process runs (see webhook-endpoints.ts).
   */
  startManager(ref: string | number, extraArgs: string[] = []): Proc {
    if (this.runtime === 'podman')
      throw new Error('lab: runtime podman runs replicas as pods: use startManagerPod()');
    const n = this.node(ref);
    const list = this.managers.get(n.name) ?? [];
    // the node's gobgpd socket and a heartbeat file beside it (the emptyDir of a real pod)
    const base = ['--gobgp-socket', n.gobgpSocket, '--heartbeat-file', `${this.dir}/${n.role}/heartbeat`];
    const args = [...base, ...(this.desc.managerArgs?.(n) ?? []), ...extraArgs];
    const opts: ManagerOptions = {
      kubeconfig: this.kubeconfig,
      nodeName: n.name,
      args,
      env: { ...this.desc.managerEnv?.(n) },
      logFile: `${this.dir}/${n.role}/manager-${list.length + 1}.log`,
    };
    const cfg = managerConfig(opts);
    const pr = startManager(n.ns, opts);
    list.push(pr);
    this.managers.set(n.name, list);
    this.managerCfg.set(pr, cfg);
    if (cfg.enableWebhook) {
      const host = cfg.webhookAddr.host;
      this.endpoints().add(pr, {
        node: n.name,
        address: host === '' || host === '0.0.0.0' || host === '::' ? n.ipv4 : host,
        port: cfg.webhookAddr.port,
      });
    }
    return pr;
  }

  private endpoints(): WebhookEndpoints {
    this.webhookEndpoints ??= new WebhookEndpoints(webhookService(), (json) =>
      this.kubectl(['apply', '--validate=false', '-f', '-'], json),
    );
    return this.webhookEndpoints;
  }

  /**
   * Waits until every running replica that serves the webhook says so (`[+]webhook ok` in its
   * /readyz?verbose: certificate in place, server listening) and the webhook Service's endpoints
   * list every running replica. From then on admission and conversion answer.
   */
  async waitWebhooks(deadlineMs = 60_000): Promise<void> {
    const serving = [...this.managers.entries()].flatMap(([node, procs]) =>
      procs
        .filter((p) => p.running && this.managerCfg.get(p)?.enableWebhook === true)
        .map((p) => {
          const health = this.managerCfg.get(p)?.healthAddr;
          return {
            node,
            label: `pid ${p.pid}`,
            healthHost: !health?.host || health.host === '0.0.0.0' ? '127.0.0.1' : health.host,
            healthPort: health?.port ?? 8080,
          };
        }),
    );
    serving.push(...(this.pods?.serving() ?? []));
    await waitFor(
      async () => {
        const bad: string[] = [];
        for (const { node, label, healthHost, healthPort } of serving) {
          const r = await httpGet(this.node(node).ns, `http://${healthHost}:${healthPort}/readyz?verbose`);
          if (!/^\[\+\]webhook ok$/m.test(r.body))
            bad.push(
              `${node} (${label}): ${r.body.split('\n').find((l) => l.includes('webhook')) ?? r.error ?? r.status}`,
            );
        }
        if (bad.length > 0) throw new Error(bad.join('; '));
        return true;
      },
      deadlineMs,
      { what: 'the webhook of every manager replica', intervalMs: 200 },
    );
    const err = await this.webhookEndpointsSettled();
    if (err) throw new Error(`lab: publishing the webhook Service's endpoints failed: ${err}`);
  }

  /** Resolves (with the last publish error, if any) once the webhook endpoints show the running replicas. */
  async webhookEndpointsSettled(): Promise<string | undefined> {
    const e = this.webhookEndpoints;
    if (!e) return undefined;
    return e.settled();
  }

  /** GET a manager health path (/healthz, /readyz, /metrics) from inside the node namespace. */
  managerHealth(ref: string | number, path = '/readyz', port = 8080): Promise<HttpGetResult> {
    return httpGet(this.node(ref).ns, `http://127.0.0.1:${port}${path}`);
  }

  /** Waits until every node's manager answers 200 on /readyz. */
  async waitManagersReady(deadlineMs = 60_000, port = 8080): Promise<void> {
    await waitFor(
      async () => {
        const bad: string[] = [];
        for (const n of this.plan.nodes) {
          const r = await this.managerHealth(n.name, '/readyz', port);
          if (!r.ok) bad.push(`${n.name}: ${r.status} ${r.body.trim().split('\n')[0] ?? ''}`);
          // podman: the pod's Ready condition as the runner's probes see it, too
          const pod = this.pods?.of(n.name).at(-1);
          if (this.runtime === 'podman' && !pod?.ready) bad.push(`${n.name}: ${pod ? pod.line() : 'no pod'}`);
        }
        if (bad.length > 0) throw new Error(bad.join('; '));
        return true;
      },
      deadlineMs,
      { what: 'manager /readyz on every node', intervalMs: 250 },
    );
    await this.webhookEndpointsSettled();
  }

  managerProcs(ref: string | number): Proc[] {
    return this.managers.get(this.node(ref).name) ?? [];
  }

  // ---------------------------------------------------------------- podman runtime

  /** 'process' or 'podman' (LabDesc.runtime, else $OE_RUNTIME). */
  get runtime(): LabRuntime {
    return this.desc.runtime ?? runtimeFromEnv();
  }

  /**
   * podman runtime: creates the node's replica pod — the Deployment's pod template from
   * deploy/openelb.yaml run by the pod runner — plus the lab's managerArgs/managerEnv as printed
   * spec edits. Does not wait for Ready (pod.waitReady / waitManagersReady).
   */
  async startManagerPod(ref: string | number, o: StartPodOptions = {}): Promise<Pod> {
    if (this.runtime !== 'podman')
      throw new Error('lab: startManagerPod needs runtime podman (LabDesc.runtime or OE_RUNTIME=podman)');
    this.pods ??= new ReplicaPods({
      dir: this.dir,
      owner: `${PREFIX}${this.id}`,
      kubeconfig: () => this.kubeconfig,
      nodeLabels: (n) => this.nodeLabels(n),
      managerArgs: (n) => this.desc.managerArgs?.(n) ?? [],
      managerEnv: (n) => this.desc.managerEnv?.(n) ?? {},
      addEndpoint: (handle, m) => this.endpoints().add(handle, m),
      socketMoved: (n) => void this.clients.delete(n.name),
      log: (line) => this.podLog(line),
    });
    return this.pods.start(this.node(ref), o);
  }

  /** podman runtime: the node's replica pods, newest last. */
  managerPods(ref: string | number): Pod[] {
    return this.pods?.of(this.node(ref).name) ?? [];
  }

  private podLog(line: string): void {
    if (this.desc.podLog) return this.desc.podLog(line);
    this.podLogFile ??= createWriteStream(`${this.dir}/pod-runner.log`, { flags: 'a' });
    this.podLogFile.write(`${line}\n`);
  }

  // ---------------------------------------------------------------- client side

  /** One HTTP GET from the client namespace (fresh connection). */
  httpGet(url: string, timeoutMs?: number): Promise<HttpGetResult> {
    return httpGet(this.client.ns, url, timeoutMs);
  }

  /** Starts a rate-driven HTTP prober in the client namespace. */
  async httpProbe(url: string, opts: ProbeOptions = {}): Promise<HttpProbe> {
    const p = await HttpProbe.start(this.client.ns, url, opts, `${this.dir}/probe-${Date.now()}.log`);
    this.procs.add(p.process());
    return p;
  }

  arping(ip: string, opts?: { count?: number; deadlineS?: number }, from = 'c'): Promise<ArpingResult> {
    const h = this.host(from);
    return arping(h.ns, h.ifname, ip, opts);
  }

  ndisc6(ip: string, opts?: { tries?: number; waitMs?: number }, from = 'c'): Promise<NdiscResult> {
    const h = this.host(from);
    return ndisc6(h.ns, h.ifname, ip, opts);
  }

  neighbours(from = 'c'): Promise<Neighbour[]> {
    const h = this.host(from);
    return neighbours(h.ns, h.ifname);
  }

  /** tcpdump on a host's LAN interface (or the bridge with ref 'sw'), stopped by Capture.stop(). */
  async capture(ref: string, filter = ''): Promise<Capture> {
    const ns = this.ns(ref);
    const dev = ns === this.plan.swNs ? this.plan.bridge : this.host(ref).ifname;
    const c = await Capture.start(ns, dev, `${this.dir}/capture-${ref}-${Date.now()}.pcap`, filter);
    this.procs.add(c.process());
    return c;
  }
}
