// The BGP part of /readyz, two checks:
//  - 'bgp': sessions Established and paths advertised, with a bounded wait (a router that is down
//    is not this replica's fault; after bgpReadyTimeoutMs it reports ready anyway, and stays so);
//    missing BGP configuration never blocks readiness;
//  - 'gobgpd': the sidecar's socket must be reachable, configured or not and with no bounded wait —
//    a pod that cannot reach its gobgpd is broken; the reason names the socket, its owner/mode and
//    the errno of a plain connect (src/bgp/client/socket-check.ts).
import { checkGobgpSocket } from '../../bgp/client/socket-check.ts';
import { errorMessage } from '../../kube/index.ts';
import type { GobgpdSink, DesiredGlobal, DesiredPeer, PeerStatus } from '../../bgp/index.ts';
import type { Family } from '../../net/ip.ts';
import type { Logger } from '../../obs/log.ts';
import { bgpReady } from './readiness.ts';
import { READY, notReady, type Readiness } from '../../obs/health.ts';

/** What the gate reads from the reconciler at each check. */
export interface ReadyInputs {
  stopping: boolean;
  /** the first compute after the caches synced has run */
  computed: boolean;
  /** gobgpd connected and adopted */
  started: boolean;
  global: DesiredGlobal | undefined;
  peers: readonly DesiredPeer[];
  wanted: Readonly<Record<Family, number>>;
  /** the paths of the newest desired state reached gobgpd */
  pathsApplied: boolean;
}

export class BgpReadyGate {
  readonly #speaker: GobgpdSink;
  readonly #socket: string;
  readonly #timeoutMs: number;
  readonly #inputs: () => ReadyInputs;
  readonly #log: Logger;
  readonly #startedAt = Date.now();
  #latched = false;
  /** what the last socket check said while gobgpd could not be reached (cached for a second) */
  #socketProblem: { text: string; at: number } | undefined;

  constructor(o: {
    speaker: GobgpdSink;
    socket: string;
    timeoutMs: number;
    inputs: () => ReadyInputs;
    log: Logger;
  }) {
    this.#speaker = o.speaker;
    this.#socket = o.socket;
    this.#timeoutMs = o.timeoutMs;
    this.#inputs = o.inputs;
    this.#log = o.log;
  }

  /** After a failed connect: find out why (for the log and for readiness). */
  async connectFailed(err: unknown, attempt: number): Promise<void> {
    const check = await checkGobgpSocket(this.#socket);
    this.#socketProblem = {
      text: check.connectable ? `gobgpd: ${errorMessage(err)}` : check.text,
      at: performance.now(),
    };
    this.#log.error('cannot reach gobgpd; retrying', {
      socket: this.#socket,
      attempt,
      error: errorMessage(err),
      socketCheck: check.text,
      errno: check.errno,
    });
  }

  async sidecar(): Promise<Readiness> {
    const i = this.#inputs();
    if (i.stopping) return READY;
    if (i.started && this.#speaker.client.reachable) {
      this.#socketProblem = undefined;
      return READY;
    }
    const cached = this.#socketProblem;
    if (cached && performance.now() - cached.at < 1000) return notReady(cached.text);
    const check = await checkGobgpSocket(this.#socket);
    const text = check.connectable
      ? i.started
        ? 'gobgpd: the gRPC channel is not connected'
        : 'connecting to gobgpd'
      : check.text;
    this.#socketProblem = { text, at: performance.now() };
    return notReady(text);
  }

  async sessions(): Promise<Readiness> {
    const i = this.#inputs();
    if (i.stopping) return notReady('draining');
    if (this.#latched) return READY;
    if (!i.computed) return notReady('caches not synced yet');
    const g = i.global;
    if (!g) return READY;
    const waited = Date.now() - this.#startedAt;
    let reason: Readiness;
    if (!i.started) reason = notReady('connecting to gobgpd');
    else {
      let status: PeerStatus[] = [];
      try {
        status = await this.#speaker.peerStatus();
      } catch (err) {
        this.#log.debug('readiness: peer status failed', { error: errorMessage(err) });
      }
      reason = bgpReady(i.peers, g, i.wanted, status, i.pathsApplied);
    }
    if (reason.ok) {
      this.#latched = true;
      this.#log.info('BGP ready: sessions Established and paths advertised', { afterMs: waited });
      return READY;
    }
    if (waited >= this.#timeoutMs) {
      this.#latched = true;
      this.#log.warn('BGP not ready within the bounded wait; reporting ready anyway', {
        waitedMs: waited,
        reason: reason.error,
      });
      return READY;
    }
    return reason;
  }
}
