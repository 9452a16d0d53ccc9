// Follows gobgpd's peer events (WatchEvent) and reports each session state change. The stream ends
// when gobgpd goes away; the owner is told at once and the watch is opened again a second later.
import type { Clock } from '../core/clock.ts';
import { Timer } from '../core/timer.ts';
import type { Logger } from '../obs/log.ts';
import type { GobgpClient } from './client/client.ts';
import type { WireWatchEventResponse } from './client/wire.ts';
import { peerStatusFromWire } from './peer-status.ts';
import type { PeerStatus } from './types.ts';

const REOPEN_MS = 1000;

export interface PeerWatchOptions {
  onState: (status: PeerStatus) => void;
  /** the stream ended while watching (gobgpd went away, most likely) */
  onEnded: () => void;
  log: Logger;
  clock?: Clock;
}

export class PeerWatch {
  readonly #client: GobgpClient;
  readonly #opts: PeerWatchOptions;
  #watch: { cancel(): void } | undefined;
  #stopped = true;
  readonly #reopen: Timer;

  constructor(client: GobgpClient, opts: PeerWatchOptions) {
    this.#client = client;
    this.#opts = opts;
    this.#reopen = new Timer(() => this.#open(), { clock: opts.clock });
  }

  start(): void {
    this.#stopped = false;
    this.#open();
  }

  stop(): void {
    this.#stopped = true;
    this.#reopen.cancel();
    this.#watch?.cancel();
    this.#watch = undefined;
  }

  #open(): void {
    if (this.#stopped) return;
    const h = this.#client.watchPeers((ev: WireWatchEventResponse) => {
      if (ev.peer?.type !== 'STATE' || !ev.peer.peer) return;
      const s = peerStatusFromWire(ev.peer.peer);
      if (s) this.#opts.onState(s);
    });
    this.#watch = h;
    void h.ended.then((err) => {
      if (this.#stopped || this.#watch !== h) return;
      if (err) this.#opts.log.debug('peer watch ended', { error: err.message });
      this.#opts.onEnded();
      this.#reopen.restart(REOPEN_MS);
    });
  }
}
