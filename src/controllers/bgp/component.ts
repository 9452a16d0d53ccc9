// The BGP speaker component: caches → desired global / peers / paths for this node → GobgpdSink
// (gobgpd sidecar). Its parts, one job each: desired.ts (pure mapping), PeerSecrets (passwords),
// NoteRecorder (Events and logs once per generation), BgpStatusReporter (status and session
// metrics), BgpReadyGate (readiness), LocalPolicyConditions (eTP=Local Service condition),
// Heartbeat (liveness of the pair), FaultGuard (an unexpected exception never escapes).
//
// Order matters for "a restarted manager never lowers the route count": the heartbeat is written
// first, then nothing at all is sent to gobgpd until every cache has synced (an unsynced cache
// would read as "no BgpConf" = StopBgp, or "no peers" = DeletePeer, or "no paths" = withdraw).
import { randomBytes } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { BgpConf } from '../../api/v1alpha2.ts';
import { BGPCONF_DEFAULT_NAME, PASSWORD_SECRET_DEFAULT_KEY } from '../../api/names.ts';
import {
  GobgpdSink,
  type DesiredGlobal,
  type DesiredPath,
  type DesiredPeer,
  type IpFamily,
  type ReconcileReport,
} from '../../bgp/index.ts';
import { errorMessage, intentChanged, sleep } from '../../kube/index.ts';
import type { Component, ComponentFactory, ManagerContext } from '../../manager/component.ts';
import { FaultGuard } from '../../manager/faults.ts';
import { logger } from '../../obs/log.ts';
import { counter, gauge, histogram } from '../../obs/metrics.ts';
import { announcementsFrom } from '../announce.ts';
import { AnnouncedEips } from '../announce-eips.ts';
import { desiredGlobal, desiredPaths, desiredPeers, type Note } from './desired.ts';
import { Heartbeat } from './heartbeat.ts';
import { LocalPolicyConditions } from './local-policy-writer.ts';
import { NoteRecorder } from './notes.ts';
import { BgpReadyGate } from './ready-gate.ts';
import { BgpStatusReporter, type BgpIntent } from './reporter.ts';
import { PeerSecrets } from './secrets.ts';
import { NodeStatusWriter } from './status.ts';

const log = logger('bgp.controller');

const mPaths = gauge('bgp_paths_announced', 'Service routes this node announces, by family', [
  'node',
  'family',
]);
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
const mRejected = gauge('bgp_paths_rejected', 'Desired Service routes refused by validation (never sent)', [
  'node',
]);

export class BgpController implements Component {
  readonly name = 'bgp-speaker';
  readonly phase = 'main' as const;
  private readonly ctx: ManagerContext;
  private readonly node: string;
  readonly speaker: GobgpdSink;
  readonly heartbeat: Heartbeat;
  private readonly faults = new FaultGuard('bgp-speaker', log);
  private readonly secrets: PeerSecrets;
  private readonly notes: NoteRecorder;
  private readonly reporter: BgpStatusReporter;
  private readonly localPolicy: LocalPolicyConditions;
  private gate: BgpReadyGate | undefined;
  /** invalid Eip versions keep the last valid protocol and spec.bgp (see announce-eips.ts) */
  private readonly announced = new AnnouncedEips();

  private started = false;
  private stopping = false;
  private computed = false;
  private pathsAppliedVersion = -1;
  private desiredVersion = 0;

  private intent: BgpIntent = {
    configured: false,
    global: undefined,
    globalError: undefined,
    selectedPeers: [],
    peerErrors: {},
  };
  private peers: DesiredPeer[] = [];
  private wanted: Record<IpFamily, number> = { ipv4: 0, ipv6: 0 };
  /** what was last handed to the speaker (compared by value, so an unchanged compute sends nothing) */
  private last: {
    global: DesiredGlobal | undefined | null;
    peers: DesiredPeer[] | null;
    paths: DesiredPath[] | null;
  } = { global: null, peers: null, paths: null };

  private readonly unsubscribe: (() => void)[] = [];
  private computeScheduled = false;
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
      intent: () => this.intent,
      log,
    });
    this.localPolicy = new LocalPolicyConditions({
      node: this.node,
      writer: ctx.writer,
      events: ctx.events,
      log,
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
      inputs: () => ({
        stopping: this.stopping,
        computed: this.computed,
        started: this.started,
        global: this.intent.configured ? this.intent.global : undefined,
        peers: this.peers,
        wanted: this.wanted,
        pathsApplied: this.pathsAppliedVersion === this.desiredVersion,
      }),
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
    void this.init(gate);
  }

  private async init(gate: BgpReadyGate): Promise<void> {
    await this.ctx.caches.synced();
    if (this.stopping) return;
    await this.secrets.refresh(this.ctx.caches.bgpPeers.list());
    this.guardedCompute();
    this.speaker.markPathsSynced();
    for (let attempt = 1; !this.stopping; attempt++) {
      try {
        await this.speaker.start({ connectTimeoutMs: 10_000 });
        break;
      } catch (err) {
        await gate.connectFailed(err, attempt);
        await sleep(Math.min(5000, 500 * attempt));
      }
    }
    if (this.stopping) return;
    this.started = true;
    this.secrets.start(() => this.ctx.caches.bgpPeers.list());
    this.reporter.start();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.faults.stop();
    for (const u of this.unsubscribe) u();
    this.secrets.stop();
    const reporting = this.reporter.stop();
    if (this.started) {
      const successor = await this.heartbeat.otherInstanceAlive();
      if (successor) {
        log.info(
          'another manager instance is attached to this gobgpd: handing the paths over, not withdrawing',
          { successor },
        );
      } else {
        try {
          const n = await this.speaker.drain();
          log.info('drain: withdrew our paths; waiting before exit', {
            withdrawn: n,
            drainMs: this.ctx.cfg.bgpDrainMs,
          });
          await sleep(this.ctx.cfg.bgpDrainMs);
        } catch (err) {
          log.error('drain: withdrawing paths failed', { error: errorMessage(err) });
        }
      }
    }
    await reporting;
    await this.speaker.stop();
    await this.heartbeat.stop();
  }

  // ---- desired state -----------------------------------------------------------------------------

  private schedule(): void {
    if (this.computeScheduled || this.stopping) return;
    if (this.ctx.caches.notSynced().length > 0) return; // nothing before every cache synced (init computes then)
    this.computeScheduled = true;
    const run = (): void => {
      this.computeScheduled = false;
      if (this.stopping) return;
      const t0 = performance.now();
      this.guardedCompute();
      this.lastComputeEnd = performance.now();
      this.lastComputeMs = this.lastComputeEnd - t0;
    };
    // A compute covers every Service, so under a burst of events (10k Services created) running one
    // per event is quadratic. After a compute, the next waits until twice its cost has passed (at
    // most 100 ms), which keeps computing under a third of the CPU; an event after a quiet spell
    // (one Service created) is computed on the next turn, without waiting.
    const gap = this.lastComputeMs > 2 ? Math.min(100, 2 * this.lastComputeMs) : 0;
    const delay = Math.max(0, this.lastComputeEnd + gap - performance.now());
    if (delay === 0) setImmediate(run);
    else setTimeout(run, delay);
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

  private replicaNodes(conf: BgpConf | undefined): Set<string> {
    const s = new Set(Object.keys(conf?.status?.nodesConfStatus ?? {}));
    s.add(this.node);
    return s;
  }

  private compute(): void {
    const c = this.ctx.caches;
    const node = c.nodes.get(this.node);
    const conf = c.bgpConfs.get(BGPCONF_DEFAULT_NAME);
    const replicas = this.replicaNodes(conf);
    const notes: Note[] = [];

    const g = desiredGlobal(conf, node, replicas.size);
    notes.push(...g.notes);
    const confRefused = c.bgpConfs.refusal(BGPCONF_DEFAULT_NAME);
    if (confRefused) {
      const kept = conf
        ? 'the last valid BgpConf stays in force'
        : 'BGP stays unconfigured until it is fixed';
      notes.push({
        kind: 'BgpConf',
        name: BGPCONF_DEFAULT_NAME,
        type: 'Warning',
        reason: 'InvalidSpec',
        message: `BgpConf ${BGPCONF_DEFAULT_NAME} is invalid and not applied (${kept}): ${confRefused.reason}`,
      });
    }
    // a BgpConf that cannot be used keeps the last good settings (never StopBgp on a bad edit)
    const global = g.global || !conf || conf.metadata.deletionTimestamp ? g.global : this.intent.global;
    if (g.error) log.warn('BgpConf default cannot be applied on this node', { error: g.error });

    const p = desiredPeers(
      c.bgpPeers.list(),
      node,
      (name, key) => this.secrets.value(name, key),
      PASSWORD_SECRET_DEFAULT_KEY,
    );
    notes.push(...p.notes);
    const peerErrors = { ...p.errors };
    for (const r of c.bgpPeers.refused()) {
      const name = r.obj.metadata.name;
      const kept = c.bgpPeers.get(name) ? 'the last valid spec stays in force' : 'not configured';
      notes.push({
        kind: 'BgpPeer',
        name,
        type: 'Warning',
        reason: 'InvalidSpec',
        message: `BgpPeer ${name} is invalid and not applied (${kept}): ${r.reason}`,
      });
      peerErrors[name] ??= `invalid spec not applied: ${r.reason}`;
    }
    this.intent = {
      configured: global !== undefined,
      global,
      globalError: confRefused ? `invalid spec not applied: ${confRefused.reason}` : g.error,
      selectedPeers: p.selected,
      peerErrors,
    };
    this.computed = true;

    const announcements = announcementsFrom(this.announced.select(c.eips.list()), (ns, name) =>
      c.services.get(name, ns),
    );
    const slices = c.endpointSlices.list();
    const paths = desiredPaths(announcements, node, slices, p.peers, global);
    notes.push(...paths.notes);

    if (!isDeepStrictEqual(global, this.last.global)) {
      this.last.global = global;
      const changes = this.speaker.setGlobal(global);
      if (changes.length)
        log.info('BgpConf change', { changes: changes.map((x) => `${x.field}: ${x.class}`) });
    }
    if (!isDeepStrictEqual(p.peers, this.last.peers)) {
      this.last.peers = p.peers;
      this.peers = p.peers;
      this.speaker.setPeers(p.peers);
    }
    if (!isDeepStrictEqual(paths.paths, this.last.paths)) {
      this.last.paths = paths.paths;
      const rejected = this.speaker.setPaths(paths.paths);
      const bad = new Set(rejected.map((r) => r.path));
      this.wanted = { ipv4: 0, ipv6: 0 };
      for (const x of paths.paths) if (!bad.has(x)) this.wanted[x.family]++;
      mRejected.set({ node: this.node }, rejected.length);
      for (const r of rejected)
        notes.push({
          kind: 'Eip',
          name: announcements.find((a) => a.ip === r.path.prefix)?.eip ?? '',
          type: 'Warning',
          reason: 'RouteRefused',
          message: `route ${r.path.prefix} not announced by ${this.node}: ${r.error}`,
        });
      this.desiredVersion++;
    }
    mPaths.set({ node: this.node, family: 'ipv4' }, this.wanted.ipv4);
    mPaths.set({ node: this.node, family: 'ipv6' }, this.wanted.ipv6);

    for (const n of notes) this.notes.tell(n);
    this.reporter.schedule();
    if (this.intent.configured) this.localPolicy.update(announcements, slices, replicas);
  }

  private onReconciled(r: ReconcileReport): void {
    if (r.durationMs !== undefined) mDuration.observe(r.durationMs / 1000);
    if (r.paths && !r.paths.skipped) this.pathsAppliedVersion = this.desiredVersion;
    if (r.peers?.actions.length || r.global !== 'none') this.reporter.schedule();
  }
}

export const bgpSpeakerComponent: ComponentFactory = (ctx) =>
  ctx.cfg.enableBgp ? new BgpController(ctx) : undefined;
