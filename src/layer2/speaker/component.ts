// The Layer 2 speaker as a manager component: caches → targets and reserved addresses, a watch on the
// replica Leases → the machine, refusals → Events and the Eip condition. Starts acting only after the
// caches have synced.
import { Timer } from '../../core/timer.ts';
import type { Component, ComponentFactory, ManagerContext } from '../../manager/component.ts';
import { FaultGuard } from '../../manager/faults.ts';
import { Informer, intentChanged, KubeClient, type Lease, Resources } from '../../kube/index.ts';
import { logger } from '../../obs/log.ts';
import { reservedAddresses } from '../guard/reserved.ts';
import { readGateways } from '../guard/routes.ts';
import { AnnouncedEips } from '../../announce/announced-eips.ts';
import { layer2Targets } from './desired.ts';
import { readLocalInterfaces } from './interfaces.ts';
import { macsOf, peerLeaseOf, REPLICA_LABEL, ReplicaLeaseIO } from './lease-io.ts';
import { packetLink, type LinkHandle } from './links.ts';
import { RefusalReporter } from './refusal-report.ts';
import { checkPacketSocket, LinkOpenErrors } from './socket-health.ts';
import { Layer2Speaker } from './speaker.ts';
import { readyUnless } from '../../obs/health.ts';

const log = logger('layer2');
/** Interfaces and their addresses can change without any Kubernetes event. */
const RESCAN_MS = 10_000;

class Layer2Component implements Component {
  readonly name = 'layer2';
  readonly phase = 'main' as const;
  readonly #ctx: ManagerContext;
  #speaker: Layer2Speaker | undefined;
  #reporter: RefusalReporter | undefined;
  #lastReserved = '';
  #leases: Informer<Lease> | undefined;
  #unsubscribe: (() => void)[] = [];
  #recomputeQueued = false;
  /** The next rescan of the interfaces and routes. */
  readonly #rescan = new Timer(() => {
    this.#rescan.restart(RESCAN_MS);
    this.#queueRecompute();
  });
  #began: Promise<void> | undefined;
  #stopping = false;
  #lastProblems = '';
  readonly #faults = new FaultGuard('layer2', log);
  readonly #linkErrors = new LinkOpenErrors();
  /** why AF_PACKET sockets cannot be opened here (checked once, before readiness can ever pass) */
  readonly #capability: string | undefined;
  /** invalid Eip versions keep the last valid protocol and interface (see src/announce/announced-eips.ts) */
  readonly #announced = new AnnouncedEips();

  constructor(ctx: ManagerContext) {
    this.#ctx = ctx;
    // in the constructor, before any readiness probe can run: a window in which readiness passed
    // before start() had checked let a pod without NET_RAW report Ready once
    this.#capability = checkPacketSocket();
    if (this.#capability !== undefined)
      log.error('layer2 cannot answer ARP/NDP on this node; readiness stays false', {
        problem: this.#capability,
      });
    ctx.health.addReadinessCheck('layer2-errors', () => this.#faults.readiness());
    ctx.health.addReadinessCheck('layer2-socket', () => {
      const p = this.#capability ?? this.#linkErrors.problem();
      return readyUnless(p === undefined ? undefined : `layer2: ${p}`);
    });
  }

  /** packetLink, with its open errors tracked for readiness. */
  #openLink(ifname: string): LinkHandle {
    const link = packetLink(ifname);
    link.onSocketError?.((ev) => this.#linkErrors.failed(ev));
    link.onOpen(() => this.#linkErrors.opened(ifname));
    return {
      ...link,
      ifname,
      get mac() {
        return link.mac;
      },
      close: () => {
        this.#linkErrors.closed(ifname);
        link.close();
      },
    };
  }

  async start(): Promise<void> {
    const { cfg, kubeConfig, client, events, writer, caches } = this.#ctx;
    const fenceBudget = cfg.layer2LeaseDurationMs - cfg.layer2MarginMs;
    // a renew slower than the fence budget cannot extend it: abandon it and try again
    const leaseClient = new KubeClient(kubeConfig, {
      fieldManager: 'openelb-layer2',
      requestTimeoutMs: Math.max(100, fenceBudget),
    });
    const io = new ReplicaLeaseIO({
      client: leaseClient,
      namespace: cfg.namespace,
      node: cfg.nodeName,
      leaseDurationMs: cfg.layer2LeaseDurationMs,
    });
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
      guard: {
        probeWaitMs: cfg.layer2ProbeWaitMs,
        takeoverProbeWaitMs: cfg.layer2TakeoverProbeWaitMs,
        probeCount: 2,
        retryInitialMs: cfg.layer2ConflictRetryMs,
        retryMaxMs: cfg.layer2ConflictRetryMaxMs,
      },
      openLink: (ifname) => this.#openLink(ifname),
      onRefused: (target, r) => this.#reporter?.refused(target, r),
      onResolved: (target, ip) => this.#reporter?.resolved(target, ip),
      onHoldingsChanged: () => this.#reporter?.poke(),
    });
    this.#reporter = new RefusalReporter({
      node: cfg.nodeName,
      speaker: this.#speaker,
      eips: () => caches.eips.list(),
      writer,
      events,
      log,
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
    this.#unsubscribe.push(
      leases.onEvent((ev) => {
        const p = peerLeaseOf(ev.obj);
        if (p === undefined) return;
        if (ev.type === 'delete') speaker.peerDeleted(p.node);
        else speaker.peerObserved(p, macsOf(ev.obj));
      }),
    );
    const q = (): void => this.#queueRecompute();
    // Services matter through what they ask for; their status is written by the allocator
    this.#unsubscribe.push(
      caches.eips.onEvent(q),
      caches.services.onEvent((ev) => intentChanged(ev) && q()),
      caches.endpointSlices.onEvent(q),
      caches.nodes.onEvent(q),
      caches.bgpPeers.onEvent(q),
    );
    this.#guardedRecompute();
    speaker.start();
    leases.start();
    this.#rescan.restart(RESCAN_MS);
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
    this.#faults.run(
      'recompute',
      () => this.#recompute(),
      () => this.#recompute(),
    );
  }

  #recompute(): void {
    const speaker = this.#speaker;
    if (this.#stopping || speaker === undefined) return;
    const { caches, cfg } = this.#ctx;
    const local = readLocalInterfaces();
    const targets = layer2Targets({
      self: cfg.nodeName,
      eips: this.#announced.select(caches.eips.list()),
      lookup: (ns, name) => caches.services.get(name, ns),
      nodes: caches.nodes.list(),
      slices: caches.endpointSlices.list(),
      local,
    });
    const problems = [...targets.values()]
      .filter((t) => t.problem !== undefined)
      .map((t) => `${t.ip}: ${t.problem}`)
      .join('; ');
    if (problems !== this.#lastProblems) {
      if (problems !== '')
        log.warn('layer2: no interface for some IPs on this node (not eligible here)', { problems });
      this.#lastProblems = problems;
    }
    const reserved = reservedAddresses({
      self: cfg.nodeName,
      nodes: caches.nodes.list(),
      peers: caches.bgpPeers.list(),
      gateways: readGateways(),
      local,
      targets: targets.values(),
    });
    // only what concerns our targets goes to the log; the map itself holds every node and peer address
    const hit = [...targets.keys()]
      .filter((ip) => reserved.has(ip))
      .map((ip) => `${ip}: ${reserved.get(ip) ?? ''}`)
      .join('; ');
    if (hit !== this.#lastReserved) {
      if (hit !== '')
        log.warn('layer2: some Service IPs are reserved addresses and are never answered', { reserved: hit });
      this.#lastReserved = hit;
    }
    speaker.setReserved(reserved);
    speaker.setTargets(targets);
    this.#reporter?.poke();
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    this.#faults.stop();
    this.#rescan.cancel();
    await Promise.race([this.#began, Promise.resolve()]);
    await this.#speaker?.stop();
    await this.#reporter?.stop();
    for (const u of this.#unsubscribe) u();
    this.#unsubscribe = [];
    await this.#leases?.stop();
  }
}

export const layer2Component: ComponentFactory = (ctx) =>
  ctx.cfg.enableLayer2 ? new Layer2Component(ctx) : undefined;
