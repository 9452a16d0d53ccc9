// Bursts of gratuitous ARP (broadcast request + reply) / unsolicited NA when this replica takes an
// address over, so neighbours switch to our MAC at once instead of after their cache times out.
import { systemClock, type Clock } from '../core/clock.ts';
import { Timer } from '../core/timer.ts';
import { formatIpBytes, ipBytes } from '../net/ip.ts';
import { buildGratuitousArp } from './arp.ts';
import { type Layer2Counters, newCounters } from './counters.ts';
import type { FrameLink } from './link.ts';
import { buildUnsolicitedNa } from './ndp.ts';

export interface AnnouncerOptions {
  readonly link: FrameLink;
  /** Fence: checked before every round; false ends the burst. */
  readonly mayAnswer: (ip: string) => boolean;
  /** Rounds per burst (first one immediately); default 3. */
  readonly count?: number;
  /** Milliseconds between rounds; default 500. */
  readonly intervalMs?: number;
  readonly counters?: Layer2Counters;
  /** Default: the process clock. */
  readonly clock?: Clock;
}

export type BurstEnd = 'done' | 'fenced' | 'cancelled';

export interface BurstResult {
  readonly ip: string;
  readonly rounds: number;
  readonly end: BurstEnd;
}

interface Burst {
  /** The next round. */
  readonly timer: Timer;
  finish: (end: BurstEnd) => void;
}

export class Announcer {
  readonly counters: Layer2Counters;
  readonly #opts: AnnouncerOptions;
  readonly #count: number;
  readonly #intervalMs: number;
  readonly #bursts = new Map<string, Burst>();

  constructor(opts: AnnouncerOptions) {
    this.#opts = opts;
    this.counters = opts.counters ?? newCounters();
    this.#count = Math.max(1, opts.count ?? 3);
    this.#intervalMs = Math.max(0, opts.intervalMs ?? 500);
  }

  /** Starts a burst for `ip` (restarting one already running). Resolves when it ends. */
  announce(ipText: string): Promise<BurstResult> {
    const ip = ipBytes(ipText);
    if (ip === undefined) throw new TypeError(`layer2 announcer: "${ipText}" is not an IP address`);
    const canonical = formatIpBytes(ip.bytes);
    this.cancel(canonical);
    return new Promise<BurstResult>((resolve) => {
      let rounds = 0;
      const burst: Burst = {
        // a burst under way keeps the process alive, as it always did
        timer: new Timer(() => round(), { clock: this.#opts.clock ?? systemClock, unref: false }),
        finish: (end) => {
          burst.timer.cancel();
          if (this.#bursts.get(canonical) === burst) this.#bursts.delete(canonical);
          resolve({ ip: canonical, rounds, end });
        },
      };
      this.#bursts.set(canonical, burst);
      const round = (): void => {
        const mac = this.#opts.link.mac;
        if (!this.#opts.mayAnswer(canonical)) {
          this.counters.repliesFenced++;
          burst.finish('fenced');
          return;
        }
        if (mac !== undefined) {
          const frames =
            ip.family === 4 ? buildGratuitousArp(mac, ip.bytes) : [buildUnsolicitedNa(mac, ip.bytes)];
          for (const f of frames) {
            if (this.#opts.link.send(f) === 0) this.counters.gratuitousSent++;
            else this.counters.sendErrors++;
          }
        } else {
          this.counters.sendErrors++;
        }
        rounds++;
        if (rounds >= this.#count) burst.finish('done');
        else burst.timer.restart(this.#intervalMs);
      };
      round();
    });
  }

  cancel(ip: string): void {
    const ipb = ipBytes(ip);
    if (ipb !== undefined) this.#bursts.get(formatIpBytes(ipb.bytes))?.finish('cancelled');
  }

  cancelAll(): void {
    for (const b of [...this.#bursts.values()]) b.finish('cancelled');
  }

  get active(): string[] {
    return [...this.#bursts.keys()];
  }
}
