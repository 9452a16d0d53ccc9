// The BGP controller component: caches → desired global / peers / paths for this node → GobgpdSink
// (gobgpd sidecar). Its parts, one job each: BgpReconciler (desired state → the speaker),
// PeerSecrets (passwords), NoteRecorder (Events and logs once per generation), BgpStatusReporter
// (status and session metrics), BgpReadyGate (readiness), Heartbeat (liveness of the pair),
// FaultGuard (an unexpected exception never escapes). This file: lifecycle and event coalescing.
//
// Order matters for "a restarted manager never lowers the route count": the heartbeat is written
// first, then nothing at all is sent to gobgpd until every cache has synced (an unsynced cache
// would read as "no BgpConf" = StopBgp, or "no peers" = DeletePeer, or "no paths" = withdraw).
import { randomBytes } from 'node:crypto';
import { GobgpdSink, type ReconcileReport } from '../../bgp/index.ts';
import { Backoff, sleep } from '../../core/backoff.ts';
import { Timer } from '../../core/timer.ts';
import { intentChanged } from '../../kube/index.ts';
import type { Component, ComponentFactory, ManagerContext } from '../../manager/component.ts';
import { FaultGuard } from '../../manager/faults.ts';
import { logger } from '../../obs/log.ts';
import { counter, histogram } from '../../obs/metrics.ts';
import { AnnouncedPublisher } from './announced-publisher.ts';
import { drainBgp } from './drain.ts';
import { Heartbeat } from './heartbeat.ts';
import { NoteRecorder } from './notes.ts';
import { BgpReadyGate } from './ready-gate.ts';
import { BgpReconciler } from './reconciler.ts';
import { BgpStatusReporter } from './reporter.ts';
import { PeerSecrets } from './secrets.ts';
import { ReplicaLiveness } from '../replicas/liveness.ts';
import { NodeStatusWriter } from './status.ts';

const log = logger('bgp.controller');

const mDuration = histogram(
  'bgp_reconcile_duration_seconds',
  'Duration of one BGP speaker reconcile pass',
  [],
  [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
);
const mErrors = counter('bgp_reconcile_errors_total', 'Failed BGP speaker reconcile passes');
const mSidecarRestarts = counter(
  'bgp_sidecar_restarts_total',
  'Times gobgpd was found to have lost its state and everything was re-applied',
);

// The label value of this component's error metrics (openelb_component_errors_total and
// openelb_component_failing) stays what it was when the component was called 'bgp-speaker', so
// dashboards and alerts keep matching.
const FAULT_LABEL = 'bgp-speaker';

export class BgpController implements Component {
  readonly name = 'bgp-controller';
  readonly phase = 'main' as const;
  private readonly ctx: ManagerContext;
  private readonly node: string;
  readonly speaker: GobgpdSink;
  readonly heartbeat: Heartbeat;
  private readonly faults = new FaultGuard(FAULT_LABEL, log);
  private readonly secrets: PeerSecrets;
  private readonly notes: NoteRecorder;
  private readonly reporter: BgpStatusReporter;
  private readonly reconciler: BgpReconciler;
  /** which other replicas are gone (their status entries count no more as replicas) */
  private readonly liveness: ReplicaLiveness;
  /** the per-Service announced summary (undefined with --announced-writes-per-second 0) */
  private readonly publisher: AnnouncedPublisher | undefined;
  private gate: BgpReadyGate | undefined;

  private started = false;
  private stopping = false;
  /** the desired version whose paths gobgpd has (readiness waits for the newest) */
  private pathsAppliedVersion = -1;

  private readonly unsubscribe: (() => void)[] = [];
  /** aborted by stop(): ends the waits between attempts to reach gobgpd */
  private readonly stopped = new AbortController();
  private computeScheduled = false;
  private readonly computeTimer = new Timer(() => this.runScheduled());
  /** Duration of the last scheduled compute (sets how long the next one coalesces events). */
  private lastComputeMs = 0;
  /** performance.now() when the last scheduled compute ended */
  private lastComputeEnd = -Infinity;

  constructor(ctx: ManagerContext) {
    this.ctx = ctx;
    this.node = ctx.cfg.nodeName;
    this.speaker = new GobgpdSink({ socket: ctx.cfg.gobgpSocket, log: logger('bgp') });
    const instance = `${ctx.cfg.podName}-${process.pid}-${randomBytes(3).toString('hex')}`;
    this.heartbeat = new Heartbeat(ctx.cfg.heartbeatFile, ctx.cfg.heartbeatIntervalMs, instance, log);
    this.secrets = new PeerSecrets(ctx.client, ctx.cfg.namespace, () => this.schedule(), log);
    this.notes = new NoteRecorder(ctx.caches, ctx.events, log);
    this.reporter = new BgpStatusReporter({
      caches: ctx.caches,
      writer: new NodeStatusWriter(ctx.writer, this.node, log, () => ctx.caches.bgpPeers.list()),
      node: this.node,
      speaker: this.speaker,
      intent: () => this.reconciler.intent,
      log,
    });
    this.liveness = new ReplicaLiveness({
      caches: ctx.caches,
      namespace: ctx.cfg.namespace,
      node: this.node,
      goneAfterMs: ctx.cfg.replicaGoneAfterMs,
    });
    this.reconciler = new BgpReconciler({
      caches: ctx.caches,
      node: this.node,
      speaker: this.speaker,
      secrets: this.secrets,
      notes: this.notes,
      log,
      gone: () => this.liveness.gone(),
    });
    if (ctx.cfg.announcedWritesPerSecond > 0)
      this.publisher = new AnnouncedPublisher({
        caches: ctx.caches,
        client: ctx.client,
        node: this.node,
        namespace: ctx.cfg.namespace,
        goneAfterMs: ctx.cfg.replicaGoneAfterMs,
        speaker: this.speaker,
        source: this.reconciler,
        writesPerSecond: ctx.cfg.announcedWritesPerSecond,
        log: logger('bgp.announced'),
      });
  }

  async start(): Promise<void> {
    // first heartbeat before anything is sent to gobgpd
    await this.heartbeat.start();
    const gate = new BgpReadyGate({
      speaker: this.speaker,
      socket: this.ctx.cfg.gobgpSocket,
      timeoutMs: this.ctx.cfg.bgpReadyTimeoutMs,
      log,
      inputs: () => {
        const r = this.reconciler;
        return {
          stopping: this.stopping,
          computed: r.computed,
          started: this.started,
          global: r.intent.configured ? r.intent.global : undefined,
          peers: r.peers,
          wanted: r.wanted,
          pathsApplied: this.pathsAppliedVersion === r.desiredVersion,
        };
      },
    });
    this.gate = gate;
    this.ctx.health.addReadinessCheck('bgp', () => gate.sessions());
    this.ctx.health.addReadinessCheck('bgp-errors', () => this.faults.readiness());
    this.ctx.health.addReadinessCheck('gobgpd', () => gate.sidecar());
    const c = this.ctx.caches;
    for (const inf of [c.eips, c.endpointSlices, c.nodes, c.bgpConfs] as const) {
      this.unsubscribe.push((inf as { onEvent(h: () => void): () => void }).onEvent(() => this.schedule()));
    }
    // an invalid BgpConf/BgpPeer version changes nothing that is applied, but its status must say why
    this.unsubscribe.push(c.bgpConfs.onRefusal(() => this.schedule()));
    this.unsubscribe.push(c.bgpPeers.onRefusal(() => this.schedule()));
    // the paths and peers follow only what Services and BgpPeers ask for, not their status (which
    // the allocator and every replica write)
    this.unsubscribe.push(c.services.onEvent((ev) => intentChanged(ev) && this.schedule()));
    this.unsubscribe.push(c.bgpPeers.onEvent((ev) => intentChanged(ev) && this.schedule()));
    this.speaker.on('reconciled', (r) => this.onReconciled(r));
    this.speaker.on('error', () => mErrors.inc());
    this.speaker.on('restarted', () => mSidecarRestarts.inc());
    this.speaker.on('peer-state', () => this.reporter.schedule());
    this.unsubscribe.push(this.liveness.onChange(() => this.schedule()));
    this.liveness.start();
    void this.init(gate);
  }

  private async init(gate: BgpReadyGate): Promise<void> {
    await this.ctx.caches.synced();
    if (this.stopping) return;
    await this.secrets.refresh(this.ctx.caches.bgpPeers.list());
    this.guardedCompute();
    this.speaker.markPathsSynced();
    // from here on, also while gobgpd cannot be reached (then every peer reads false)
    this.publisher?.start();
    const retry = new Backoff({ initialMs: 500, maxMs: 5000 });
    for (let attempt = 1; !this.stopping; attempt++) {
      try {
        await this.speaker.start({ connectTimeoutMs: 10_000 });
        break;
      } catch (err) {
        await gate.connectFailed(err, attempt);
        await sleep(retry.next(), this.stopped.signal);
      }
    }
    if (this.stopping) return;
    this.started = true;
    this.secrets.start(() => this.ctx.caches.bgpPeers.list());
    this.reporter.start();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.stopped.abort();
    this.computeTimer.cancel();
    this.faults.stop();
    for (const u of this.unsubscribe) u();
    this.liveness.stop();
    this.secrets.stop();
    const reporting = this.reporter.stop();
    // no more rows from a replica going away (its paths are handed over or withdrawn below)
    await this.publisher?.pause();
    if (this.started) {
      const successor = await this.heartbeat.otherInstanceAlive();
      if (successor) {
        log.info(
          'another manager instance is attached to this gobgpd: handing the paths over, not withdrawing',
          { successor },
        );
      } else {
        const { bgpGracefulShutdownMs, bgpDrainMs } = this.ctx.cfg;
        const times = { gracefulShutdownMs: bgpGracefulShutdownMs, drainMs: bgpDrainMs };
        // after the withdrawal: this replica's announced rows and status entries go
        await reporting;
        await drainBgp(this.speaker, times, log, async (budgetMs) => {
          await Promise.all([this.publisher?.retract(budgetMs), this.reporter.retract(budgetMs)]);
        });
      }
    }
    await reporting;
    await this.publisher?.stop();
    await this.speaker.stop();
    await this.heartbeat.stop();
  }

  // ---- desired state -----------------------------------------------------------------------------

  private schedule(): void {
    if (this.computeScheduled || this.stopping) return;
    if (this.ctx.caches.notSynced().length > 0) return; // nothing before every cache synced (init computes then)
    this.computeScheduled = true;
    // A compute covers every Service, so under a burst of events (10k Services created) running one
    // per event is quadratic. After a compute, the next waits until twice its cost has passed (at
    // most 100 ms), which keeps computing under a third of the CPU; an event after a quiet spell
    // (one Service created) is computed on the next turn, without waiting.
    const gap = this.lastComputeMs > 2 ? Math.min(100, 2 * this.lastComputeMs) : 0;
    const delay = Math.max(0, this.lastComputeEnd + gap - performance.now());
    if (delay === 0) setImmediate(() => this.runScheduled());
    else this.computeTimer.restart(delay);
  }

  private runScheduled(): void {
    this.computeScheduled = false;
    if (this.stopping) return;
    const t0 = performance.now();
    this.guardedCompute();
    this.lastComputeEnd = performance.now();
    this.lastComputeMs = this.lastComputeEnd - t0;
  }

  /** compute() behind the fault guard: an exception is logged, counted, makes us not ready and is retried. */
  private guardedCompute(): void {
    this.faults.run(
      'compute',
      () => this.compute(),
      () => {
        if (!this.stopping) this.compute();
      },
    );
  }

  private compute(): void {
    this.reconciler.compute();
    this.reporter.schedule();
  }

  private onReconciled(r: ReconcileReport): void {
    if (r.durationMs !== undefined) mDuration.observe(r.durationMs / 1000);
    if (r.paths && !r.paths.skipped) this.pathsAppliedVersion = this.reconciler.desiredVersion;
    if (r.peers?.actions.length || r.global !== 'none') this.reporter.schedule();
  }
}

export const bgpControllerComponent: ComponentFactory = (ctx) =>
  ctx.cfg.enableBgp ? new BgpController(ctx) : undefined;
