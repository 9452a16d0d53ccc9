import { EventEmitter } from 'node:events';
import { systemClock, type Clock } from '../core/clock.ts';
import { Timer } from '../core/timer.ts';
import type { Logger } from '../obs/log.ts';
import { logger } from '../obs/log.ts';
import { GobgpClient } from './client/client.ts';
import { GobgpError } from './client/error.ts';
import { classifyGlobalChange, GlobalSink, type GlobalChange } from './global.ts';
import { PassRunner } from './pass-runner.ts';
import { PathsSink, type PathsResult, type RejectedPath } from './paths.ts';
import { PeerWatch } from './peer-watch.ts';
import { PeersSink } from './peers.ts';
import { PolicySink } from './policy.ts';
import type { GobgpdSinkOptions, ReconcileReport, GobgpdSinkEvents } from './gobgpd-sink-types.ts';
import type { DesiredGlobal, DesiredPath, DesiredPeer, PeerStatus } from './types.ts';
import { probeGobgpdVersion, type GobgpdVersion } from './version.ts';

export type { GobgpdSinkOptions, ReconcileReport, GobgpdSinkEvents } from './gobgpd-sink-types.ts';

/**
 * Drives one gobgpd sidecar from desired state: global (StartBgp only on a stopped server),
 * routing policy, peers and paths, in one serialised level-triggered loop. A GetBgp poll (and the
 * end of the WatchEvent stream) detects a sidecar that lost its state; the next pass then
 * re-applies everything and emits 'restarted'.
 */
export class GobgpdSink extends EventEmitter<GobgpdSinkEvents> {
  readonly client: GobgpClient;
  readonly global: GlobalSink;
  readonly policy: PolicySink;
  readonly peers: PeersSink;
  readonly paths: PathsSink;
  private readonly log: Logger;
  private readonly opts: GobgpdSinkOptions;

  private desiredGlobal: DesiredGlobal | undefined;
  private desiredPeers: readonly DesiredPeer[] = [];
  /** gobgpd was seen running with our config: a later asn 0 means it restarted */
  private believedRunning = false;
  private dirty = { global: true, peers: true, paths: true, full: true };
  /**
   * GetBgp is due: set by the poll timer, the end of the peer watch (gobgpd went away) and a failed
   * pass. Passes that only change paths skip it, keeping one gRPC round trip off the announce path.
   */
  private globalCheckDue = true;
  private stopped = true;
  private draining = false;
  private readonly clock: Clock;
  /** GetBgp poll: is the sidecar still holding our state? */
  private readonly pollTimer: Timer;
  private lastFull = -Infinity;
  private readonly runner: PassRunner;
  private readonly watch: PeerWatch;

  constructor(opts: GobgpdSinkOptions) {
    super();
    this.opts = opts;
    this.log = opts.log ?? logger('bgp');
    this.clock = opts.clock ?? systemClock;
    this.pollTimer = new Timer(() => this.poll(), { clock: this.clock });
    this.client = new GobgpClient({
      socket: opts.socket,
      callTimeoutMs: opts.callTimeoutMs,
      log: this.log,
      onCall: opts.onGobgpCall,
    });
    this.global = new GlobalSink(this.client, this.log);
    this.policy = new PolicySink(this.client, opts.policy, this.log);
    this.peers = new PeersSink(this.client, this.log);
    this.paths = new PathsSink(this.client, { ...opts.paths, log: this.log });
    this.runner = new PassRunner({
      pass: () => this.pass(),
      canRun: () => !this.stopped && !this.draining,
      onFailure: (err, failures) => this.onFailure(err, failures),
      clock: this.clock,
    });
    this.watch = new PeerWatch(this.client, {
      onState: (s) => this.emit('peer-state', s),
      onEnded: () => {
        // the stream ends when gobgpd goes away: check at once (the watch reopens itself)
        this.globalCheckDue = true;
        this.kick();
      },
      log: this.log,
      clock: this.clock,
    });
  }

  // ---- desired state ---------------------------------------------------------------------------

  /** Sets the BgpConf; returns how the change is classified (empty on first set). */
  setGlobal(g: DesiredGlobal | undefined): GlobalChange[] {
    const changes = g && this.desiredGlobal ? classifyGlobalChange(this.desiredGlobal, g) : [];
    this.desiredGlobal = g;
    this.dirty.global = true;
    // peer-reset class fields are per-peer defaults
    if (changes.some((c) => c.class === 'peer-reset') || !g) this.dirty.peers = true;
    this.kick();
    return changes;
  }

  setPeers(peers: readonly DesiredPeer[]): void {
    this.desiredPeers = peers;
    this.dirty.peers = true;
    this.kick();
  }

  /** Replaces the desired announcements; invalid ones are refused (returned) and never sent. */
  setPaths(paths: Iterable<DesiredPath>): RejectedPath[] {
    const rejected = this.paths.setDesired(paths);
    this.dirty.paths = true;
    this.kick();
    return rejected;
  }

  /** The caches behind setPaths have synced: paths may now be added and withdrawn. */
  markPathsSynced(): void {
    this.paths.markSynced();
    this.dirty.paths = true;
    this.kick();
  }

  // ---- lifecycle -------------------------------------------------------------------------------

  /** Connects, reports gobgpd's version, and starts the loop. */
  async start(opts: { connectTimeoutMs?: number } = {}): Promise<GobgpdVersion> {
    const version = await probeGobgpdVersion({
      env: this.opts.gobgpdVersion,
      binary: this.opts.gobgpdBinary,
    });
    await this.client.waitConnected(opts.connectTimeoutMs ?? 30_000);
    const g = await this.client.getBgp();
    // a running gobgpd that we find at start-up is adopted (the manager restarted, not gobgpd)
    this.believedRunning = g.asn !== 0;
    const level = version.compatible ? 'info' : 'warn';
    this.log.log(level, 'gobgpd connected', {
      version: version.version ?? 'unknown',
      versionSource: version.source,
      compatible: version.compatible,
      running: g.asn !== 0,
      asn: g.asn,
    });
    this.stopped = false;
    this.pollTimer.restart(this.pollIntervalMs);
    if (this.opts.watchPeers !== false) this.watch.start();
    this.dirty.full = true;
    this.kick();
    return version;
  }

  /** Stops the loop and closes the connection; gobgpd keeps its state. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.pollTimer.cancel();
    this.watch.stop();
    await this.runner.stop();
    this.client.close();
  }

  /** Graceful drain: no more adds, withdraw every local path (by path). Returns how many. */
  async drain(): Promise<number> {
    this.draining = true;
    return this.runner.exclusive(() => this.paths.withdrawAll());
  }

  async peerStatus(): Promise<PeerStatus[]> {
    return this.peers.status();
  }

  /** Runs a pass now (after any running one) and returns its report. */
  async reconcileNow(opts: { full?: boolean } = {}): Promise<ReconcileReport> {
    return this.runner.exclusive(() => this.pass(opts.full ?? false));
  }

  private get pollIntervalMs(): number {
    return this.opts.pollIntervalMs ?? 2000;
  }

  private poll(): void {
    this.pollTimer.restart(this.pollIntervalMs);
    this.globalCheckDue = true;
    this.kick();
  }

  /** Schedules a pass; passes never overlap and kicks during a pass coalesce into one more. */
  kick(): void {
    this.runner.kick();
  }

  private onFailure(err: Error, failures: number): void {
    this.globalCheckDue = true;
    this.log.error('BGP reconcile failed', { error: err.message, failures });
    if (this.listenerCount('error') > 0) this.emit('error', err);
    if (err instanceof GobgpError && err.unreachable && failures % 3 === 0) this.client.reconnect();
  }

  private async pass(forceFull = false): Promise<ReconcileReport> {
    const t0 = this.clock.monotonic();
    const report: ReconcileReport = {
      global: 'unconfigured',
      sidecarRestarted: false,
      drift: [],
      policyChanged: [],
    };
    const desired = this.desiredGlobal;
    if (!desired) {
      if (await this.global.ensureStopped()) report.global = 'stopped';
      this.believedRunning = false;
      this.paths.invalidate();
      this.dirty.global = false;
      return report;
    }
    const fullDue =
      forceFull ||
      this.dirty.full ||
      this.clock.monotonic() - this.lastFull > (this.opts.fullResyncMs ?? 60_000);
    if (!fullDue && !this.dirty.global && !this.globalCheckDue && this.believedRunning && !this.dirty.peers) {
      // nothing but paths changed since gobgpd was last seen running with our settings
      if (this.dirty.paths) report.paths = await this.reconcilePaths(false);
      report.global = 'none';
      report.durationMs = this.clock.monotonic() - t0;
      this.emit('reconciled', report);
      return report;
    }
    this.globalCheckDue = false;
    const g = await this.global.ensure(desired);
    report.global = g.action;
    report.drift = g.drift;
    const lostState = g.action === 'started' && this.believedRunning;
    const resync = g.action !== 'none' || fullDue;
    if (lostState) {
      report.sidecarRestarted = true;
      this.log.warn('gobgpd lost its state (sidecar restarted): re-applying policy, peers and paths');
      this.emit('restarted', { reason: 'GetBgp reported a stopped server after it had run' });
    }
    if (g.action !== 'none') {
      this.paths.invalidate();
      // stays set until a pass completes, so a failure half-way re-applies everything next time
      this.dirty.full = true;
    }
    this.believedRunning = true;
    this.dirty.global = false;

    if (resync) {
      report.policyChanged = (await this.policy.ensure()).changed;
      // gobgpd applies a changed assignment only to new updates: re-run it over existing sessions
      // (soft reset, no session goes down) when the policy was repaired on a running server
      if (report.policyChanged.length && g.action === 'none') {
        for (const p of await this.client.listPeer('', false)) {
          const addr = p.conf?.neighbor_address;
          if (addr) await this.client.resetPeer(addr, { soft: true, direction: 'BOTH' });
        }
      }
    }
    if (resync || this.dirty.peers) {
      const peersSeen = this.desiredPeers;
      this.dirty.peers = false;
      try {
        report.peers = await this.peers.reconcile(peersSeen, desired);
      } catch (err) {
        this.dirty.peers = true;
        throw err;
      }
    }
    if (resync || this.dirty.paths) report.paths = await this.reconcilePaths(fullDue);
    if (resync) {
      this.dirty.full = false;
      this.lastFull = this.clock.monotonic();
    }
    report.durationMs = this.clock.monotonic() - t0;
    this.emit('reconciled', report);
    return report;
  }

  /** Paths into gobgpd; a failure leaves them dirty for the next pass. */
  private async reconcilePaths(full: boolean): Promise<PathsResult> {
    this.dirty.paths = false;
    try {
      return await this.paths.reconcile({ full });
    } catch (err) {
      this.dirty.paths = true;
      throw err;
    }
  }
}
