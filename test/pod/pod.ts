// One pod, run with podman the way a kubelet runs it: checked against what the runner implements,
// admitted to its node, volumes made, native sidecars started first (each one's startup probe passing
// before the next container starts), then the main containers; probes on their periods; a container
// that exits or fails its liveness/startup probe restarted in the same pod (volumes kept) after the
// kubelet's back-off; deletion = SIGTERM to the main containers, SIGKILL after the grace period, then
// the sidecars in reverse order.
import { createHash, randomUUID } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { register, unregister, type Cleanable } from '../lab/cleanup.ts';
import { run } from '../lab/exec.ts';
import { waitFor } from '../lab/wait.ts';
import { auditContainer, kernelView, type Audit } from './audit.ts';
import { RestartBackoff } from './backoff.ts';
import { placementProblems, type NodeInfo } from './placement.ts';
import {
  planContainers,
  runArgv,
  SERVICE_ACCOUNT_DIR,
  DEFAULT_GRACE_S,
  type ContainerPlan,
  type ImageConfig,
  type ProbeKind,
} from './plan.ts';
import * as podman from './podman.ts';
import { ProbeWorker, tryProbe, type ProbeTry, type ProbeVerdict } from './probe.ts';
import { checkPodTemplate } from './schema.ts';
import type { PodTemplate } from './types.ts';
import {
  diskUsage,
  makeVolumes,
  removeVolumes,
  removeVolumesSync,
  writeServiceAccount,
  type HostVolume,
} from './volumes.ts';

export interface PodNode extends NodeInfo {
  /** network namespace (`ip netns` name) the hostNetwork pod joins */
  netns: string;
  /** the node's addresses: status.podIP(s) and status.hostIP(s) of a hostNetwork pod */
  ips: string[];
}

export interface PodOptions {
  /** the pod template exactly as the manifest has it; checked here */
  template: unknown;
  /** the workload's namespace (the pod's metadata.namespace) */
  namespace: string;
  /** the workload's name: the pod is named <owner>-<template hash>-<5 random> as a Deployment's are */
  ownerName: string;
  node: PodNode;
  /** host directory under which the pod's own directory (volumes, logs, termination messages) is made */
  stateRoot: string;
  /** host kubeconfig that stands in for the ServiceAccount token (mounted read-only, KUBECONFIG set) */
  kubeconfig?: string;
  /** cleanup tag: every container carries it as a label */
  owner: string;
  /** receives the runner's event lines (default stderr) */
  log?: (line: string) => void;
}

export interface Termination {
  exitCode: number;
  reason: string;
  finishedAt: string;
  message: string;
}

export interface ContainerStatus {
  name: string;
  sidecar: boolean;
  /** podman name of the current (or last) attempt */
  podmanName: string | undefined;
  state: 'waiting' | 'running' | 'terminated';
  reason: string;
  started: boolean;
  ready: boolean;
  restartCount: number;
  lastTermination: Termination | undefined;
  /** ms (performance.now) of the current attempt's podman run, its startup probe pass and first ready */
  runAt: number | undefined;
  startedAt: number | undefined;
  readyAt: number | undefined;
}

export type PodPhase = 'Pending' | 'Running' | 'Terminating' | 'Deleted' | 'Failed';

const LIVE = new Map<string, Set<Pod>>();
const NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

function randomSuffix(n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += NAME_ALPHABET[Math.floor(Math.random() * NAME_ALPHABET.length)];
  return s;
}

/** Stable per template, like the pod-template-hash label of a ReplicaSet. */
export function templateHash(template: unknown): string {
  const h = createHash('sha256').update(JSON.stringify(template)).digest();
  let s = '';
  for (let i = 0; i < 10; i++) s += NAME_ALPHABET[(h[i] ?? 0) % NAME_ALPHABET.length];
  return s;
}

class ContainerRun {
  readonly plan: ContainerPlan;
  readonly backoff = new RestartBackoff();
  readonly names: string[] = [];
  readonly logs: string[] = [];
  attempt = -1;
  state: ContainerStatus['state'] = 'waiting';
  reason = 'PodInitializing';
  started = false;
  ready = false;
  lastTermination: Termination | undefined;
  workers: ProbeWorker[] = [];
  loop: Promise<void> = Promise.resolve();
  runAt: number | undefined;
  startedAt: number | undefined;
  readyAt: number | undefined;
  constructor(plan: ContainerPlan) {
    this.plan = plan;
  }
  get current(): string | undefined {
    return this.names.at(-1);
  }
  stopWorkers(): void {
    for (const w of this.workers) w.stop();
    this.workers = [];
  }
}

export class Pod {
  readonly name: string;
  readonly namespace: string;
  readonly uid: string;
  readonly labels: Record<string, string>;
  readonly node: PodNode;
  readonly stateDir: string;
  readonly template: PodTemplate;
  readonly graceS: number;
  readonly createdAt = performance.now();
  readonly #opts: PodOptions;
  readonly #containers: ContainerRun[] = [];
  #volumes: HostVolume[] = [];
  #phase: PodPhase = 'Pending';
  #reason = '';
  #deleting = false;
  #deletion: Promise<void> | undefined;
  #wake = new Set<() => void>();
  #evictionTimer: NodeJS.Timeout | undefined;
  #readyAt: number | undefined;
  #markGone: () => void = () => undefined;
  /** Resolves once the pod is gone (deleted or failed, containers removed): an endpoint's lifetime. */
  readonly gone: Promise<void> = new Promise((resolve) => {
    this.#markGone = resolve;
  });

  private constructor(o: PodOptions, template: PodTemplate, name: string) {
    this.#opts = o;
    this.template = template;
    this.name = name;
    this.namespace = o.namespace;
    this.uid = randomUUID();
    this.labels = { ...(template.metadata?.labels ?? {}), 'pod-template-hash': templateHash(o.template) };
    this.node = o.node;
    this.stateDir = join(o.stateRoot, name);
    this.graceS = template.spec.terminationGracePeriodSeconds ?? DEFAULT_GRACE_S;
  }

  /**
   * Checks the template (PodSpecRefused names every field the runner does not implement), admits
   * the pod to the node, prepares it and starts it; resolves once the start sequence is under way
   * (use waitReady). Nothing is started when a check fails.
   */
  static async create(o: PodOptions): Promise<Pod> {
    const template = checkPodTemplate(o.template);
    const hash = templateHash(o.template);
    const pod = new Pod(o, template, `${o.ownerName}-${hash}-${randomSuffix(5)}`);
    const others = [...(LIVE.get(o.node.netns) ?? [])].map((p) => p.labels);
    const problems = placementProblems(template.spec, o.node, others);
    if (problems.length > 0)
      throw new Error(`pod ${pod.name} cannot run on node ${o.node.name}:\n  ${problems.join('\n  ')}`);
    const images = new Map<string, ImageConfig>();
    for (const c of [...(template.spec.initContainers ?? []), ...template.spec.containers]) {
      const cfg = await podman.imageConfig(c.image);
      if (cfg) images.set(c.image, cfg);
    }
    await mkdir(pod.stateDir, { recursive: true });
    const volRoot = join(pod.stateDir, 'volumes');
    const saDir =
      o.kubeconfig !== undefined && template.spec.automountServiceAccountToken !== false
        ? join(pod.stateDir, 'serviceaccount')
        : undefined;
    // planned before anything is made on the host: a refusal leaves nothing behind
    const identity = {
      name: pod.name,
      namespace: o.namespace,
      uid: pod.uid,
      labels: pod.labels,
      annotations: template.metadata?.annotations ?? {},
      nodeName: o.node.name,
      nodeIPs: o.node.ips,
    };
    const volumeDirs = new Map((template.spec.volumes ?? []).map((v) => [v.name, join(volRoot, v.name)]));
    const plans = planContainers({
      template,
      identity,
      host: { netnsPath: `/run/netns/${o.node.netns}`, volumes: volumeDirs, serviceAccountDir: saDir },
      images,
    });
    let set = LIVE.get(o.node.netns);
    if (!set) LIVE.set(o.node.netns, (set = new Set()));
    set.add(pod);
    // test failures, Ctrl-C and process exit still remove the containers and unmount the volumes
    register(pod.#cleanable);
    try {
      pod.#volumes = await makeVolumes(template.spec, volRoot);
      if (saDir !== undefined && o.kubeconfig !== undefined) {
        await writeServiceAccount(saDir, o.kubeconfig, o.namespace);
        const server = /server:\s*(\S+)/.exec(await readFile(o.kubeconfig, 'utf8'))?.[1] ?? '?';
        pod.#event(
          '',
          'Substituted',
          `ServiceAccount ${template.spec.serviceAccountName ?? 'default'}: no token in the lab; ${o.kubeconfig} (API double ${server}) is mounted read-only at ${SERVICE_ACCOUNT_DIR}/kubeconfig and KUBECONFIG points at it`,
        );
      }
      if (template.spec.dnsPolicy === 'ClusterFirstWithHostNet')
        pod.#event(
          '',
          'Substituted',
          "dnsPolicy ClusterFirstWithHostNet: the lab has no cluster DNS; containers get the node's resolv.conf",
        );
    } catch (e) {
      await pod.#cleanupHost();
      throw e;
    }
    for (const p of plans) pod.#containers.push(new ContainerRun(p));
    pod.#event('', 'Scheduled', `assigned to ${o.node.name} (network namespace ${o.node.netns})`);
    void pod.#startSequence();
    pod.#startEvictionCheck();
    return pod;
  }

  // ------------------------------------------------------------------ lifecycle

  async #startSequence(): Promise<void> {
    for (const c of this.#containers.filter((x) => x.plan.sidecar)) {
      c.loop = this.#supervise(c);
      // the next container starts only once this sidecar has started (its startup probe passed)
      await waitFor(() => this.#deleting || c.started, 2 ** 31 - 1, {
        intervalMs: 50,
        what: `sidecar ${c.plan.name} started`,
      });
      if (this.#deleting) return;
    }
    this.#phase = 'Running';
    for (const c of this.#containers.filter((x) => !x.plan.sidecar)) c.loop = this.#supervise(c);
  }

  async #supervise(c: ContainerRun): Promise<void> {
    let delay = 0;
    for (;;) {
      if (delay > 0) {
        c.state = 'waiting';
        c.reason = 'CrashLoopBackOff';
        this.#event(c.plan.name, 'BackOff', `back-off ${delay / 1000}s restarting failed container`);
        await this.#sleep(delay);
      }
      if (this.#deleting) return;
      const name = await this.#runAttempt(c);
      if (name === undefined) {
        delay = c.backoff.next(Date.now());
        continue;
      }
      const code = await podman.waitStopped(name);
      c.stopWorkers();
      c.started = false;
      c.ready = false;
      c.state = 'terminated';
      const d = await podman.inspect(name);
      const oom = d?.State.OOMKilled === true;
      const message = (
        await readFile(join(this.stateDir, 'termination', `${c.plan.name}-${c.attempt}`), 'utf8').catch(
          () => '',
        )
      ).slice(0, 4096);
      c.reason = oom ? 'OOMKilled' : code === 0 ? 'Completed' : 'Error';
      c.lastTermination = {
        exitCode: code,
        reason: c.reason,
        finishedAt: d?.State.FinishedAt ?? new Date().toISOString(),
        message,
      };
      if (this.#deleting) return;
      this.#event(
        c.plan.name,
        'Exited',
        `container exited with code ${code} (${c.reason}); restartPolicy Always restarts it in this pod`,
      );
      delay = c.backoff.next(Date.now());
    }
  }

  /** One attempt: a new podman container; returns its name, or undefined when podman run failed. */
  async #runAttempt(c: ContainerRun): Promise<string | undefined> {
    c.attempt++;
    const name = `k8s_${c.plan.name}_${this.name}_${this.namespace}_${this.uid.slice(0, 8)}_${c.attempt}`;
    const logDir = join(this.stateDir, 'logs', c.plan.name);
    const termDir = join(this.stateDir, 'termination');
    await mkdir(logDir, { recursive: true });
    await mkdir(termDir, { recursive: true });
    const termFile = join(termDir, `${c.plan.name}-${c.attempt}`);
    await writeFile(termFile, '', { mode: 0o666 });
    const logPath = join(logDir, `${c.attempt}.log`);
    const labels = {
      [podman.OWNER_LABEL]: this.#opts.owner,
      [podman.POD_LABEL]: this.name,
      'io.kubernetes.pod.name': this.name,
      'io.kubernetes.pod.namespace': this.namespace,
      'io.kubernetes.container.name': c.plan.name,
    };
    const argv = runArgv(c.plan, name, labels, logPath, termFile);
    c.state = 'waiting';
    c.reason = 'ContainerCreating';
    const r = await run(argv, { timeoutMs: 60_000 });
    c.names.push(name);
    c.logs.push(logPath);
    if (r.code !== 0) {
      c.state = 'terminated';
      c.reason = 'StartError';
      c.lastTermination = {
        exitCode: 128,
        reason: 'StartError',
        finishedAt: new Date().toISOString(),
        message: r.stderr.trim(),
      };
      this.#event(c.plan.name, 'Failed', `podman run failed: ${r.stderr.trim()}`);
      return undefined;
    }
    c.runAt = performance.now();
    c.startedAt = undefined;
    c.readyAt = undefined;
    c.state = 'running';
    c.reason = '';
    this.#event(c.plan.name, 'Started', `container ${name} (restart count ${c.attempt})`);
    if (this.#deleting) {
      void podman.stop(name, this.graceS);
      return name;
    }
    this.#startProbes(c, name);
    return name;
  }

  #startProbes(c: ContainerRun, name: string): void {
    const make = (
      kind: ProbeKind,
      onVerdict: (v: ProbeVerdict, last: ProbeTry) => void,
    ): ProbeWorker | undefined => {
      const plan = c.plan.probes[kind];
      if (!plan) return undefined;
      const w = new ProbeWorker(
        plan,
        () => tryProbe(plan.handler, name, this.node.netns, plan.timeoutMs),
        onVerdict,
      );
      c.workers.push(w);
      w.start();
      return w;
    };
    const afterStartup = (): void => {
      c.started = true;
      c.startedAt = performance.now();
      const live = make('liveness', (v, last) => {
        if (v === 'failure') void this.#killForProbe(c, name, 'Liveness', last);
      });
      const ready = make('readiness', (v, last) => {
        c.ready = v === 'success';
        if (c.ready) {
          c.readyAt ??= performance.now();
          if (this.ready) this.#readyAt ??= performance.now();
        } else this.#event(c.plan.name, 'Unhealthy', `Readiness probe failed: ${last.detail}`);
      });
      void live;
      if (!ready) {
        c.ready = true;
        c.readyAt = performance.now();
      }
    };
    const startup = make('startup', (v, last) => {
      if (v === 'success') {
        startup?.stop();
        afterStartup();
      } else void this.#killForProbe(c, name, 'Startup', last);
    });
    if (!startup) afterStartup();
  }

  async #killForProbe(
    c: ContainerRun,
    name: string,
    which: 'Liveness' | 'Startup',
    last: ProbeTry,
  ): Promise<void> {
    if (this.#deleting || c.current !== name) return;
    const plan = c.plan.probes[which === 'Liveness' ? 'liveness' : 'startup'];
    this.#event(c.plan.name, 'Unhealthy', `${which} probe failed: ${last.detail}`);
    this.#event(
      c.plan.name,
      'Killing',
      `container failed ${which.toLowerCase()} probe, will be restarted (grace ${plan?.killGraceS ?? this.graceS}s)`,
    );
    c.stopWorkers();
    c.ready = false;
    await podman.stop(name, plan?.killGraceS ?? this.graceS);
  }

  #startEvictionCheck(): void {
    const limited = this.#volumes.filter((v) => !v.tmpfs && v.sizeLimit !== undefined);
    if (limited.length === 0) return;
    this.#evictionTimer = setInterval(() => {
      void (async () => {
        for (const v of limited) {
          const used = await diskUsage(v.dir);
          if (v.sizeLimit !== undefined && used > v.sizeLimit && !this.#deleting) {
            this.#reason = `Evicted: usage of EmptyDir volume "${v.name}" exceeds the limit "${v.sizeLimit}" (${used} bytes)`;
            this.#event('', 'Evicted', this.#reason);
            await this.#terminateOnce(0, 'Failed');
          }
        }
      })();
    }, 10_000);
    this.#evictionTimer.unref();
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(t);
        this.#wake.delete(done);
        resolve();
      };
      const t = setTimeout(done, ms);
      this.#wake.add(done);
    });
  }

  // ------------------------------------------------------------------ operations

  /** Sends a signal to a container's main process (podman kill); a dead container is restarted like any exit. */
  async kill(container: string, signal = 'SIGKILL'): Promise<void> {
    const c = this.#container(container);
    if (!c.current) throw new Error(`pod ${this.name}: container ${container} has not been started`);
    this.#event(container, 'Signal', `${signal} to ${c.current}`);
    await podman.kill(c.current, signal);
  }

  /** Graceful deletion: main containers SIGTERM → SIGKILL after the grace period, then sidecars in reverse order. */
  delete(graceS = this.graceS): Promise<void> {
    return this.#terminateOnce(graceS, 'Deleted');
  }

  #terminateOnce(graceS: number, final: PodPhase): Promise<void> {
    this.#deletion ??= this.#terminate(graceS, final);
    return this.#deletion;
  }

  async #terminate(graceS: number, final: PodPhase): Promise<void> {
    this.#deleting = true;
    this.#phase = 'Terminating';
    if (this.#evictionTimer) clearInterval(this.#evictionTimer);
    for (const w of [...this.#wake]) w();
    const deadline = performance.now() + graceS * 1000;
    const left = (): number => Math.max(0, (deadline - performance.now()) / 1000);
    this.#event('', 'Killing', `deleting the pod: SIGTERM to the main containers, SIGKILL after ${graceS}s`);
    const mains = this.#containers.filter((c) => !c.plan.sidecar);
    for (const c of this.#containers) c.stopWorkers();
    await Promise.all(
      mains.map(async (c) =>
        c.state === 'running' && c.current ? podman.stop(c.current, left()) : undefined,
      ),
    );
    await Promise.all(mains.map((c) => c.loop));
    for (const c of this.#containers.filter((x) => x.plan.sidecar).reverse()) {
      this.#event(c.plan.name, 'Killing', `stopping sidecar ${c.plan.name} after the main containers`);
      if (c.state === 'running' && c.current) await podman.stop(c.current, Math.max(2, left()));
      await c.loop;
    }
    for (const c of this.#containers) {
      c.ready = false;
      c.started = false;
    }
    await podman.remove(this.#containers.flatMap((c) => c.names));
    await this.#cleanupHost();
    this.#phase = final;
    this.#event('', final, `pod ${final === 'Failed' ? 'failed' : 'deleted'}; volumes removed`);
    this.#markGone();
  }

  async #cleanupHost(): Promise<void> {
    await removeVolumes(join(this.stateDir, 'volumes'));
    LIVE.get(this.node.netns)?.delete(this);
    unregister(this.#cleanable);
  }

  readonly #cleanable: Cleanable = { down: () => this.delete(), downSync: () => this.deleteSync() };

  /** For exit handlers: removes every container and unmounts the volumes, synchronously. */
  deleteSync(): void {
    this.#deleting = true;
    const names = this.#containers.flatMap((c) => c.names);
    if (names.length > 0) {
      try {
        execFileSync('podman', ['rm', '--force', '--time=0', ...names], { stdio: 'ignore', timeout: 30_000 });
      } catch {
        // best effort on the way out
      }
    }
    removeVolumesSync(join(this.stateDir, 'volumes'));
    LIVE.get(this.node.netns)?.delete(this);
    unregister(this.#cleanable);
    this.#markGone();
  }

  // ------------------------------------------------------------------ status

  #container(name: string): ContainerRun {
    const c = this.#containers.find((x) => x.plan.name === name);
    if (!c)
      throw new Error(
        `pod ${this.name} has no container ${name} (has ${this.#containers.map((x) => x.plan.name).join(', ')})`,
      );
    return c;
  }

  get phase(): PodPhase {
    return this.#phase;
  }

  /** The pod's Ready condition: every container (sidecars included) ready, pod not terminating. */
  get ready(): boolean {
    return this.#phase === 'Running' && this.#containers.length > 0 && this.#containers.every((c) => c.ready);
  }

  /** performance.now() of the first time the pod was Ready */
  get readyAt(): number | undefined {
    return this.#readyAt;
  }

  get reason(): string {
    return this.#reason;
  }

  get plans(): readonly ContainerPlan[] {
    return this.#containers.map((c) => c.plan);
  }

  containerStatus(name: string): ContainerStatus {
    const c = this.#container(name);
    return {
      name: c.plan.name,
      sidecar: c.plan.sidecar,
      podmanName: c.current,
      state: c.state,
      reason: c.reason,
      started: c.started,
      ready: c.ready,
      restartCount: Math.max(0, c.attempt),
      lastTermination: c.lastTermination,
      runAt: c.runAt,
      startedAt: c.startedAt,
      readyAt: c.readyAt,
    };
  }

  statuses(): ContainerStatus[] {
    return this.#containers.map((c) => this.containerStatus(c.plan.name));
  }

  /** `kubectl get pod -o wide`-like line: NAME READY STATUS RESTARTS NODE. */
  line(): string {
    const st = this.statuses();
    const readyN = st.filter((s) => s.ready).length;
    const waiting = st.find(
      (s) => s.state === 'waiting' && s.reason !== '' && s.reason !== 'PodInitializing',
    );
    const status =
      this.#phase === 'Running' && waiting
        ? waiting.reason
        : this.#phase === 'Pending'
          ? 'Init:0/1'
          : this.#phase;
    const restarts = st.reduce((n, s) => n + s.restartCount, 0);
    return `${this.name}  ${readyN}/${st.length}  ${status}  ${restarts} restarts  ${this.node.name}`;
  }

  /** The last probe try of a container's probe (what an Unhealthy event would say). */
  lastProbe(container: string, kind: ProbeKind): ProbeTry | undefined {
    return this.#container(container).workers.find((w) => w.plan.kind === kind)?.lastTry;
  }

  /** Container logs of the current attempt, or the previous one (kubectl logs --previous). */
  async logs(container: string, previous = false): Promise<string> {
    const c = this.#container(container);
    const path = previous ? c.logs.at(-2) : c.logs.at(-1);
    return path ? podman.readLog(path) : '';
  }

  /** podman inspect of the current attempt of a container. */
  inspect(container: string): Promise<podman.InspectData | undefined> {
    const name = this.#container(container).current;
    return name ? podman.inspect(name) : Promise.resolve(undefined);
  }

  /** podman inspect and the kernel's view of every running container, checked against the plan. */
  async audit(): Promise<Audit[]> {
    const out: Audit[] = [];
    for (const c of this.#containers) {
      const d = c.current ? await podman.inspect(c.current) : undefined;
      if (!d?.State.Running) {
        out.push({
          container: c.plan.name,
          podmanName: c.current ?? '',
          inspectLine: 'not running',
          kernelLine: '',
          problems: ['not running'],
        });
        continue;
      }
      out.push(auditContainer(c.plan, d, await kernelView(d.State.Pid)));
    }
    return out;
  }

  /** The host path behind a path inside a container (through its volume mounts), e.g. a socket in an emptyDir. */
  hostPath(container: string, path: string): string {
    const plan = this.#container(container).plan;
    const m = plan.mounts
      .filter((x) => path === x.destination || path.startsWith(`${x.destination.replace(/\/$/, '')}/`))
      .sort((a, b) => b.destination.length - a.destination.length)[0];
    if (!m) throw new Error(`pod ${this.name}: ${path} in container ${container} is on no volume`);
    return join(m.source, path.slice(m.destination.length));
  }

  /** Host directory backing a volume (kept across container restarts, removed with the pod). */
  volumeDir(name: string): string {
    const v = this.#volumes.find((x) => x.name === name);
    if (!v) throw new Error(`pod ${this.name} has no volume ${name}`);
    return v.dir;
  }

  async waitReady(deadlineMs: number): Promise<number> {
    await waitFor(
      () =>
        this.ready ||
        (this.#phase !== 'Running' && this.#phase !== 'Pending'
          ? Promise.reject(new Error(`pod is ${this.#phase} ${this.#reason}`))
          : false),
      deadlineMs,
      {
        what: `pod ${this.name} Ready`,
        intervalMs: 100,
      },
    ).catch((e: unknown) => {
      throw new Error(`${(e as Error).message}\n${this.describe()}`);
    });
    return (this.#readyAt ?? performance.now()) - this.createdAt;
  }

  /** Multi-line state, for error messages and transcripts. */
  describe(): string {
    const lines = [this.line()];
    for (const s of this.statuses()) {
      const probes = (['startup', 'liveness', 'readiness'] as const).flatMap((k) => {
        const t = this.lastProbe(s.name, k);
        return t ? [`${k}: ${t.ok ? 'ok' : 'FAIL'} ${t.detail.split('\n')[0]?.slice(0, 300) ?? ''}`] : [];
      });
      const last = s.lastTermination
        ? ` last: exit ${s.lastTermination.exitCode} ${s.lastTermination.reason}`
        : '';
      lines.push(
        `  ${s.sidecar ? 'sidecar ' : ''}${s.name}: ${s.state}${s.reason ? ` (${s.reason})` : ''} started=${s.started} ready=${s.ready} restarts=${s.restartCount}${last}${probes.length ? `; ${probes.join('; ')}` : ''}`,
      );
    }
    return lines.join('\n');
  }

  #event(container: string, reason: string, message: string): void {
    const line = `[pod-runner] ${new Date().toISOString()} ${this.namespace}/${this.name}${container ? ` ${container}` : ''}: ${reason}: ${message}`;
    (this.#opts.log ?? ((l: string) => void process.stderr.write(`${l}\n`)))(line);
  }
}
