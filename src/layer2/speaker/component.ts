// The Layer 2 speaker as a manager component: caches → targets, a watch on the replica Leases → the
// machine, conflicts → Events on the Services. Starts acting only after the caches have synced.
import type { Component, ComponentFactory, ManagerContext } from '../../manager/component.ts';
import { FaultGuard } from '../../manager/faults.ts';
import { Informer, intentChanged, KubeClient, type Lease, Resources } from '../../kube/index.ts';
import { logger } from '../../obs/log.ts';
import { AnnouncedEips } from '../../controllers/announce-eips.ts';
import { layer2Targets } from './desired.ts';
import { readLocalInterfaces } from './interfaces.ts';
import { macsOf, peerLeaseOf, REPLICA_LABEL, ReplicaLeaseIO } from './lease-io.ts';
import { packetLink } from './links.ts';
import { Layer2Speaker } from './speaker.ts';

const log = logger('layer2');
/** Interfaces and their addresses can change without any Kubernetes event. */
const RESCAN_MS = 10_000;

class Layer2Component implements Component {
  readonly name = 'layer2';
  readonly phase = 'main' as const;
  readonly #ctx: ManagerContext;
  #speaker: Layer2Speaker | undefined;
  #leases: Informer<Lease> | undefined;
  #unsubscribe: (() => void)[] = [];
  #recomputeQueued = false;
  #rescan: NodeJS.Timeout | undefined;
  #began: Promise<void> | undefined;
  #stopping = false;
  #lastProblems = '';
  readonly #faults = new FaultGuard('layer2', log);
  /** invalid Eip versions keep the last valid protocol and interface (see announce-eips.ts) */
  readonly #announced = new AnnouncedEips();

  constructor(ctx: ManagerContext) {
    this.#ctx = ctx;
    ctx.health.addReadinessCheck('layer2-errors', () => this.#faults.readiness());
  }

  async start(): Promise<void> {
    const { cfg, kubeConfig, client, events } = this.#ctx;
    const fenceBudget = cfg.layer2LeaseDurationMs - cfg.layer2MarginMs;
    // a renew slower than the fence budget cannot extend it: abandon it and try again
    const leaseClient = new KubeClient(kubeConfig, { fieldManager: 'openelb-layer2', requestTimeoutMs: Math.max(100, fenceBudget) });
    const io = new ReplicaLeaseIO({ client: leaseClient, namespace: cfg.namespace, node: cfg.nodeName, leaseDurationMs: cfg.layer2LeaseDurationMs });
    this.#speaker = new Layer2Speaker({
      self: cfg.nodeName,
      leases: io,
      leaseDurationMs: cfg.layer2LeaseDurationMs,
      marginMs: cfg.layer2MarginMs,
      renewIntervalMs: cfg.layer2RenewIntervalMs,
      keepAnsweringWithoutApi: cfg.layer2KeepAnsweringWithoutApi,
      gratuitousCount: cfg.layer2GratuitousCount,
      gratuitousIntervalMs: cfg.layer2GratuitousIntervalMs,
      probeIntervalMs: cfg.layer2ProbeIntervalMs,
      openLink: packetLink,
      onConflict: (target, c) => {
        const msg = `MAC ${c.mac} also answers for ${c.ip} (${c.kind}); this replica (node ${cfg.nodeName}) owns it — another host or a stale speaker uses the address`;
        for (const svc of target?.services ?? []) events.event(svc, 'Warning', 'Layer2Conflict', msg);
      },
    });
    this.#leases = new Informer<Lease>(client, Resources.Lease, {
      namespace: cfg.namespace,
      labelSelector: REPLICA_LABEL,
      name: 'layer2-leases',
      stallTimeoutMs: Math.max(10_000, 10 * cfg.layer2LeaseDurationMs),
      backoff: { initialMs: 100, maxMs: Math.max(1000, cfg.layer2LeaseDurationMs) },
    });
    this.#began = this.#ctx.caches.synced().then(() => this.#begin());
  }

  #begin(): void {
    const speaker = this.#speaker;
    const leases = this.#leases;
    if (this.#stopping || speaker === undefined || leases === undefined) return;
    const { caches } = this.#ctx;
    this.#unsubscribe.push(leases.onEvent((ev) => {
      const p = peerLeaseOf(ev.obj);
      if (p === undefined) return;
      if (ev.type === 'delete') speaker.peerDeleted(p.node);
      else speaker.peerObserved(p, macsOf(ev.obj));
    }));
    const q = (): void => this.#queueRecompute();
    // Services matter through what they ask for; their status is written by the allocator
    this.#unsubscribe.push(caches.eips.onEvent(q), caches.services.onEvent((ev) => intentChanged(ev) && q()), caches.endpointSlices.onEvent(q), caches.nodes.onEvent(q));
    this.#guardedRecompute();
    speaker.start();
    leases.start();
    this.#rescan = setInterval(() => this.#queueRecompute(), RESCAN_MS);
    this.#rescan.unref();
    log.info('layer2 speaker started', { node: this.#ctx.cfg.nodeName });
  }

  #queueRecompute(): void {
    if (this.#recomputeQueued) return;
    this.#recomputeQueued = true;
    setImmediate(() => {
      this.#recomputeQueued = false;
      this.#guardedRecompute();
    });
  }

  #guardedRecompute(): void {
    this.#faults.run('recompute', () => this.#recompute(), () => this.#recompute());
  }

  #recompute(): void {
    const speaker = this.#speaker;
    if (this.#stopping || speaker === undefined) return;
    const { caches, cfg } = this.#ctx;
    const targets = layer2Targets({
      self: cfg.nodeName,
      eips: this.#announced.select(caches.eips.list()),
      lookup: (ns, name) => caches.services.get(name, ns),
      nodes: caches.nodes.list(),
      slices: caches.endpointSlices.list(),
      local: readLocalInterfaces(),
    });
    const problems = [...targets.values()].filter((t) => t.problem !== undefined).map((t) => `${t.ip}: ${t.problem}`).join('; ');
    if (problems !== this.#lastProblems) {
      if (problems !== '') log.warn('layer2: no interface for some IPs on this node (not eligible here)', { problems });
      this.#lastProblems = problems;
    }
    speaker.setTargets(targets);
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    this.#faults.stop();
    clearInterval(this.#rescan);
    await Promise.race([this.#began, Promise.resolve()]);
    await this.#speaker?.stop();
    for (const u of this.#unsubscribe) u();
    this.#unsubscribe = [];
    await this.#leases?.stop();
  }
}

export const layer2Component: ComponentFactory = (ctx) => (ctx.cfg.enableLayer2 ? new Layer2Component(ctx) : undefined);
