// The BGP speaker component: caches → desired global / peers / paths for this node → BgpSpeaker
// (gobgpd sidecar); per-node status back to BgpConf / BgpPeer; heartbeat, readiness and drain.
//
// Order matters for "a restarted manager never lowers the route count": the heartbeat is written
// first, then nothing at all is sent to gobgpd until every cache has synced (an unsynced cache
// would read as "no BgpConf" = StopBgp, or "no peers" = DeletePeer, or "no paths" = withdraw).
import { randomBytes } from 'node:crypto';
import type { BgpConf, BgpPeer } from '../../api/v1alpha2.ts';
import { BGPCONF_DEFAULT_NAME, PASSWORD_SECRET_DEFAULT_KEY } from '../../api/names.ts';
import { BgpSpeaker, parseAddress, type DesiredGlobal, type DesiredPath, type DesiredPeer, type IpFamily, type PeerStatus, type ReconcileReport } from '../../bgp/index.ts';
import { errorMessage, intentChanged, Resources, sleep, type Secret } from '../../kube/index.ts';
import type { Component, ComponentFactory, ManagerContext } from '../../manager/component.ts';
import { FaultGuard } from '../../manager/faults.ts';
import { logger } from '../../obs/log.ts';
import { counter, gauge, histogram } from '../../obs/metrics.ts';
import { announcementsFrom } from '../announce.ts';
import { AnnouncedEips } from '../announce-eips.ts';
import { desiredGlobal, desiredPaths, desiredPeers, type Note } from './desired.ts';
import { Heartbeat } from './heartbeat.ts';
import { localPolicyFindings, nextConditions, conditionMessage, CONDITION_ENDPOINTS_WITHOUT_REPLICA } from './local-policy.ts';
import { bgpReady } from './readiness.ts';
import { confEntry, NodeStatusWriter, peerEntry } from './status.ts';

const log = logger('bgp.controller');

const SESSION_CODE: Record<PeerStatus['sessionState'], number> = { UNKNOWN: 0, IDLE: 1, CONNECT: 2, ACTIVE: 3, OPENSENT: 4, OPENCONFIRM: 5, ESTABLISHED: 6 };
const mSession = gauge('bgp_session_state', 'BGP session state per peer on this node (0 unknown, 1 idle, 2 connect, 3 active, 4 opensent, 5 openconfirm, 6 established)', ['peer', 'node']);
const mEstablished = gauge('bgp_session_established', '1 when the BGP session to the peer is Established', ['peer', 'node']);
const mPaths = gauge('bgp_paths_announced', 'Service routes this node announces, by family', ['node', 'family']);
const mDuration = histogram('bgp_reconcile_duration_seconds', 'Duration of one BGP speaker reconcile pass', [], [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]);
const mErrors = counter('bgp_reconcile_errors_total', 'Failed BGP speaker reconcile passes');
const mSidecarRestarts = counter('bgp_sidecar_restarts_total', 'Times gobgpd was found to have lost its state and everything was re-applied');
const mRejected = gauge('bgp_paths_rejected', 'Desired Service routes refused by validation (never sent)', ['node']);

/** How often Secrets named by BgpPeers are re-read (there is no watch on Secrets: get only). */
const SECRET_REFRESH_MS = 30_000;
/** Status (and session metrics) are refreshed at least this often, and soon after each session event. */
const STATUS_POLL_MS = 5_000;
const STATUS_DEBOUNCE_MS = 200;

export class BgpController implements Component {
  readonly name = 'bgp-speaker';
  readonly phase = 'main' as const;
  private readonly ctx: ManagerContext;
  private readonly node: string;
  readonly speaker: BgpSpeaker;
  readonly heartbeat: Heartbeat;
  private readonly status: NodeStatusWriter;
  private readonly faults = new FaultGuard('bgp-speaker', log);
  /** invalid Eip versions keep the last valid protocol and spec.bgp (see announce-eips.ts) */
  private readonly announced = new AnnouncedEips();

  private started = false;
  private stopping = false;
  private configured = false;
  private computed = false;
  private startedAt = 0;
  private readyLatched = false;
  private pathsAppliedVersion = -1;
  private desiredVersion = 0;

  private global: DesiredGlobal | undefined;
  private globalError: string | undefined;
  private peers: DesiredPeer[] = [];
  private selectedPeers: string[] = [];
  private peerErrors: Record<string, string> = {};
  private paths: DesiredPath[] = [];
  private wanted: Record<IpFamily, number> = { ipv4: 0, ipv6: 0 };
  private lastKey = { global: '', peers: '', paths: '' };

  private readonly secrets = new Map<string, Record<string, string> | undefined>();
  private readonly noted = new Set<string>();
  private readonly unsubscribe: (() => void)[] = [];
  private readonly timers: NodeJS.Timeout[] = [];
  private computeScheduled = false;
  /** Duration of the last scheduled compute (sets how long the next one coalesces events). */
  private lastComputeMs = 0;
  /** performance.now() when the last scheduled compute ended */
  private lastComputeEnd = -Infinity;
  private statusTimer: NodeJS.Timeout | undefined;
  private statusRunning: Promise<void> | undefined;
  private statusAgain = false;
  private sessionsSeen = new Set<string>();
  /** Service key → endpoint nodes last written into its condition ('' = removed) */
  private readonly conditionWritten = new Map<string, string>();

  constructor(ctx: ManagerContext) {
    this.ctx = ctx;
    this.node = ctx.cfg.nodeName;
    this.speaker = new BgpSpeaker({ socket: ctx.cfg.gobgpSocket, log: logger('bgp') });
    const instance = `${ctx.cfg.podName}-${process.pid}-${randomBytes(3).toString('hex')}`;
    this.heartbeat = new Heartbeat(ctx.cfg.heartbeatFile, ctx.cfg.heartbeatIntervalMs, instance, log);
    this.status = new NodeStatusWriter(ctx.writer, this.node, log);
  }

  async start(): Promise<void> {
    // first heartbeat before anything is sent to gobgpd
    await this.heartbeat.start();
    this.startedAt = Date.now();
    this.ctx.health.addReadinessCheck('bgp', () => this.readiness());
    this.ctx.health.addReadinessCheck('bgp-errors', () => this.faults.readiness());
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
    this.speaker.on('peer-state', () => this.scheduleStatus());
    void this.init();
  }

  private async init(): Promise<void> {
    await this.ctx.caches.synced();
    if (this.stopping) return;
    await this.refreshSecrets();
    this.guardedCompute();
    this.speaker.markPathsSynced();
    for (let attempt = 1; !this.stopping; attempt++) {
      try {
        await this.speaker.start({ connectTimeoutMs: 10_000 });
        break;
      } catch (err) {
        log.error('cannot reach gobgpd; retrying', { socket: this.ctx.cfg.gobgpSocket, attempt, error: errorMessage(err) });
        await sleep(Math.min(5000, 500 * attempt));
      }
    }
    if (this.stopping) return;
    this.started = true;
    const sec = setInterval(() => void this.refreshSecrets().then((changed) => changed && this.schedule()), SECRET_REFRESH_MS);
    sec.unref();
    this.timers.push(sec);
    const st = setInterval(() => this.scheduleStatus(0), STATUS_POLL_MS);
    st.unref();
    this.timers.push(st);
    this.scheduleStatus(0);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.faults.stop();
    for (const u of this.unsubscribe) u();
    for (const t of this.timers) clearInterval(t);
    if (this.statusTimer) clearTimeout(this.statusTimer);
    if (this.started) {
      const successor = await this.heartbeat.otherInstanceAlive();
      if (successor) {
        log.info('another manager instance is attached to this gobgpd: handing the paths over, not withdrawing', { successor });
      } else {
        try {
          const n = await this.speaker.drain();
          log.info('drain: withdrew our paths; waiting before exit', { withdrawn: n, drainMs: this.ctx.cfg.bgpDrainMs });
          await sleep(this.ctx.cfg.bgpDrainMs);
        } catch (err) {
          log.error('drain: withdrawing paths failed', { error: errorMessage(err) });
        }
      }
    }
    await this.statusRunning?.catch(() => undefined);
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
    this.faults.run('compute', () => this.compute(), () => { if (!this.stopping) this.compute(); });
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
      const kept = conf ? 'the last valid BgpConf stays in force' : 'BGP stays unconfigured until it is fixed';
      notes.push({ kind: 'BgpConf', name: BGPCONF_DEFAULT_NAME, type: 'Warning', reason: 'InvalidSpec', message: `BgpConf ${BGPCONF_DEFAULT_NAME} is invalid and not applied (${kept}): ${confRefused.reason}` });
    }
    this.globalError = confRefused ? `invalid spec not applied: ${confRefused.reason}` : g.error;
    // a BgpConf that cannot be used keeps the last good settings (never StopBgp on a bad edit)
    if (g.global || !conf || conf.metadata.deletionTimestamp) this.global = g.global;
    if (g.error) log.warn('BgpConf default cannot be applied on this node', { error: g.error });
    this.configured = this.global !== undefined;
    this.computed = true;

    const p = desiredPeers(c.bgpPeers.list(), node, (name, key) => this.secret(name, key), PASSWORD_SECRET_DEFAULT_KEY);
    notes.push(...p.notes);
    this.selectedPeers = p.selected;
    this.peerErrors = { ...p.errors };
    for (const r of c.bgpPeers.refused()) {
      const name = r.obj.metadata.name;
      const kept = c.bgpPeers.get(name) ? 'the last valid spec stays in force' : 'not configured';
      notes.push({ kind: 'BgpPeer', name, type: 'Warning', reason: 'InvalidSpec', message: `BgpPeer ${name} is invalid and not applied (${kept}): ${r.reason}` });
      if (this.peerErrors[name] === undefined) this.peerErrors[name] = `invalid spec not applied: ${r.reason}`;
    }

    const announcements = announcementsFrom(this.announced.select(c.eips.list()), (ns, name) => c.services.get(name, ns));
    const slices = c.endpointSlices.list();
    const paths = desiredPaths(announcements, node, slices, p.peers, this.global);
    notes.push(...paths.notes);

    const gKey = JSON.stringify(this.global ?? null);
    if (gKey !== this.lastKey.global) {
      this.lastKey.global = gKey;
      const changes = this.speaker.setGlobal(this.global);
      if (changes.length) log.info('BgpConf change', { changes: changes.map((x) => `${x.field}: ${x.class}`) });
    }
    const pKey = JSON.stringify(p.peers);
    if (pKey !== this.lastKey.peers) {
      this.lastKey.peers = pKey;
      this.peers = p.peers;
      this.speaker.setPeers(p.peers);
    }
    const aKey = JSON.stringify(paths.paths);
    if (aKey !== this.lastKey.paths) {
      this.lastKey.paths = aKey;
      const rejected = this.speaker.setPaths(paths.paths);
      const bad = new Set(rejected.map((r) => r.path));
      this.paths = paths.paths.filter((x) => !bad.has(x));
      this.wanted = { ipv4: 0, ipv6: 0 };
      for (const x of this.paths) this.wanted[x.family]++;
      mRejected.set({ node: this.node }, rejected.length);
      for (const r of rejected) notes.push({ kind: 'Eip', name: announcements.find((a) => a.ip === r.path.prefix)?.eip ?? '', type: 'Warning', reason: 'RouteRefused', message: `route ${r.path.prefix} not announced by ${this.node}: ${r.error}` });
      this.desiredVersion++;
    }
    mPaths.set({ node: this.node, family: 'ipv4' }, this.wanted.ipv4);
    mPaths.set({ node: this.node, family: 'ipv6' }, this.wanted.ipv6);

    for (const n of notes) this.note(n);
    if (this.started) this.scheduleStatus();
    this.localPolicy(announcements, slices, replicas);
  }

  private note(n: Note): void {
    const c = this.ctx.caches;
    const obj = n.kind === 'BgpConf' ? c.bgpConfs.latest(n.name) : n.kind === 'BgpPeer' ? c.bgpPeers.latest(n.name) : n.kind === 'Eip' ? c.eips.get(n.name) : c.nodes.get(n.name);
    if (!obj) return;
    const key = `${n.kind}/${n.name}/${obj.metadata.generation ?? obj.metadata.resourceVersion}/${n.reason}/${n.message}`;
    if (this.noted.has(key)) return;
    this.noted.add(key);
    if (this.noted.size > 10_000) this.noted.clear();
    log.warn(n.message, { object: `${n.kind}/${n.name}`, reason: n.reason });
    this.ctx.events.event(obj, n.type, n.reason, n.message);
  }

  // ---- Secrets (get only; re-read periodically) ---------------------------------------------------

  private secret(name: string, key: string): string | undefined {
    if (!this.secrets.has(name)) {
      // first sight: fetch, then recompute with the value
      this.secrets.set(name, undefined);
      void this.fetchSecret(name).then((changed) => changed && this.schedule());
      return undefined;
    }
    const data = this.secrets.get(name);
    const v = data?.[key];
    return v === undefined ? undefined : Buffer.from(v, 'base64').toString('utf8');
  }

  private async fetchSecret(name: string): Promise<boolean> {
    try {
      const s = await this.ctx.client.getOrUndefined<Secret>(Resources.Secret, name, this.ctx.cfg.namespace);
      const data = s?.data ?? (s?.stringData ? Object.fromEntries(Object.entries(s.stringData).map(([k, v]) => [k, Buffer.from(v).toString('base64')])) : undefined);
      const changed = JSON.stringify(data ?? null) !== JSON.stringify(this.secrets.get(name) ?? null);
      this.secrets.set(name, data);
      return changed;
    } catch (err) {
      log.warn('cannot read Secret', { namespace: this.ctx.cfg.namespace, name, error: errorMessage(err) });
      return false;
    }
  }

  private async refreshSecrets(): Promise<boolean> {
    const names = new Set<string>();
    for (const p of this.ctx.caches.bgpPeers.list()) {
      const n = p.spec.conf?.authPasswordSecretRef?.name;
      if (n) names.add(n);
    }
    for (const n of this.secrets.keys()) if (!names.has(n)) this.secrets.delete(n);
    let changed = false;
    for (const n of names) if (await this.fetchSecret(n)) changed = true;
    return changed;
  }

  // ---- status, metrics, readiness ---------------------------------------------------------------

  private onReconciled(r: ReconcileReport): void {
    if (r.durationMs !== undefined) mDuration.observe(r.durationMs / 1000);
    if (r.paths && !r.paths.skipped) this.pathsAppliedVersion = this.desiredVersion;
    if (r.peers?.actions.length || r.global !== 'none') this.scheduleStatus();
  }

  private scheduleStatus(delay = STATUS_DEBOUNCE_MS): void {
    if (!this.started || this.stopping) return;
    if (this.statusRunning) {
      this.statusAgain = true;
      return;
    }
    if (this.statusTimer) {
      if (delay > 0) return;
      clearTimeout(this.statusTimer);
    }
    this.statusTimer = setTimeout(() => {
      this.statusTimer = undefined;
      this.statusRunning = this.writeStatus()
        .catch((err: unknown) => {
          log.warn('status update failed', { error: errorMessage(err) });
        })
        .finally(() => {
          this.statusRunning = undefined;
          if (this.statusAgain) {
            this.statusAgain = false;
            this.scheduleStatus();
          }
        });
    }, delay);
    this.statusTimer.unref?.();
  }

  private async writeStatus(): Promise<void> {
    const c = this.ctx.caches;
    let status: PeerStatus[] = [];
    let speakerError: string | undefined;
    try {
      status = this.configured ? await this.speaker.peerStatus() : [];
    } catch (err) {
      speakerError = `gobgpd: ${errorMessage(err)}`;
    }
    const byAddr = new Map(status.map((s) => [canon(s.address), s]));
    const seen = new Set<string>();
    for (const s of status) {
      const peer = canon(s.address);
      seen.add(peer);
      mSession.set({ peer, node: this.node }, SESSION_CODE[s.sessionState] ?? 0);
      mEstablished.set({ peer, node: this.node }, s.sessionState === 'ESTABLISHED' ? 1 : 0);
    }
    for (const old of this.sessionsSeen) {
      if (!seen.has(old)) {
        mSession.remove({ peer: old, node: this.node });
        mEstablished.remove({ peer: old, node: this.node });
      }
    }
    this.sessionsSeen = seen;

    const selected = new Set(this.selectedPeers);
    // the newest version of each object: its status and conditions are what gets written, also
    // when that version was refused (the conditions then say why)
    for (const obj of c.bgpPeers.listLatest()) {
      const name = obj.metadata.name;
      if (!selected.has(name) || obj.metadata.deletionTimestamp) {
        if (obj.status?.nodesPeerStatus?.[this.node] !== undefined) await this.status.peer(obj, undefined);
        // a peer no replica selects still gets its Valid condition (same content from every replica)
        else if (!obj.metadata.deletionTimestamp) await this.status.conditions.peer(obj as BgpPeer);
        continue;
      }
      const addr = obj.spec.conf?.neighborAddress ?? '';
      const s = this.configured ? byAddr.get(canon(addr)) : undefined;
      const err = this.peerErrors[name] ?? (this.configured ? speakerError : 'BGP is not configured (no BgpConf default)');
      await this.status.peer(obj as BgpPeer, peerEntry(s, addr, err));
    }
    const conf = c.bgpConfs.latest(BGPCONF_DEFAULT_NAME);
    if (conf && !conf.metadata.deletionTimestamp) await this.status.conf(conf, confEntry(this.global, this.globalError ?? speakerError));
    // BgpConfs not named default are ignored, and their Valid=False/NotDefault condition says so
    for (const o of c.bgpConfs.listLatest()) {
      if (o.metadata.name !== BGPCONF_DEFAULT_NAME && !o.metadata.deletionTimestamp) await this.status.conditions.conf(o);
    }
  }

  private async readiness(): Promise<true | string> {
    if (this.stopping) return 'draining';
    if (this.readyLatched) return true;
    if (!this.computed) return 'caches not synced yet';
    if (!this.configured) return true;
    const g = this.global;
    if (!g) return true;
    const waited = Date.now() - this.startedAt;
    let reason: true | string;
    if (!this.started) reason = 'connecting to gobgpd';
    else {
      let status: PeerStatus[] = [];
      try {
        status = await this.speaker.peerStatus();
      } catch (err) {
        status = [];
        log.debug('readiness: peer status failed', { error: errorMessage(err) });
      }
      reason = bgpReady(this.peers, g, this.wanted, status, this.pathsAppliedVersion === this.desiredVersion);
    }
    if (reason === true) {
      this.readyLatched = true;
      log.info('BGP ready: sessions Established and paths advertised', { afterMs: waited });
      return true;
    }
    if (waited >= this.ctx.cfg.bgpReadyTimeoutMs) {
      this.readyLatched = true;
      log.warn('BGP not ready within the bounded wait; reporting ready anyway', { waitedMs: waited, reason });
      return true;
    }
    return reason;
  }

  // ---- eTP=Local endpoints on nodes without a replica ---------------------------------------------

  private localPolicy(announcements: ReturnType<typeof announcementsFrom>, slices: ReturnType<ManagerContext['caches']['endpointSlices']['list']>, replicas: Set<string>): void {
    // one writer: the first replica node by name
    if ([...replicas].sort()[0] !== this.node || !this.configured) return;
    for (const f of localPolicyFindings(announcements, slices, replicas)) {
      const svc = f.service;
      const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
      if (!nextConditions(svc.status?.conditions, f.nodes, now)) continue;
      const key = `${svc.metadata.namespace ?? ''}/${svc.metadata.name}`;
      const want = f.nodes.join(',');
      if (this.conditionWritten.get(key) === want) continue;
      this.conditionWritten.set(key, want);
      const target = { name: svc.metadata.name, namespace: svc.metadata.namespace };
      void this.ctx.writer
        .updateStatus(Resources.Service, target, (cur: typeof svc) => {
          const next = nextConditions(cur.status?.conditions, f.nodes, now, cur.metadata.generation);
          return next ? { conditions: next } : undefined;
        })
        .then((written) => {
          if (written && f.nodes.length) this.ctx.events.event(svc, 'Warning', 'EndpointsWithoutBgpSpeaker', conditionMessage(f.nodes));
        })
        .catch((err: unknown) => {
          this.conditionWritten.delete(key);
          log.warn('Service condition write failed', { service: `${target.namespace}/${target.name}`, condition: CONDITION_ENDPOINTS_WITHOUT_REPLICA, error: errorMessage(err) });
        });
    }
  }
}

function canon(a: string): string {
  try {
    return parseAddress(a).address;
  } catch {
    return a;
  }
}

export const bgpSpeakerComponent: ComponentFactory = (ctx) => (ctx.cfg.enableBgp ? new BgpController(ctx) : undefined);
