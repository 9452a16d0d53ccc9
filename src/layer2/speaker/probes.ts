// The speaker's probes (ARP probe / DAD NS, sender unspecified): the ones the address guard asks for
// before an IP is answered, and the periodic conflict probes of every answered IP. Each goes out only
// while the ownership fence holds.
import type { Clock } from '../../core/clock.ts';
import { Timer } from '../../core/timer.ts';
import type { AddressGuard } from '../guard/guard.ts';
import type { OwnershipMachine } from '../ownership/machine.ts';
import { probeFrame } from './conflicts.ts';
import type { LinkSet } from './link-set.ts';
import * as m from './metrics.ts';

export interface ProbesOptions {
  readonly links: LinkSet;
  readonly guard: AddressGuard;
  readonly machine: OwnershipMachine;
  readonly clock: Clock;
  /** 0 = no periodic conflict probes. */
  readonly intervalMs: number;
}

export class Probes {
  readonly #opts: ProbesOptions;
  /** The next periodic conflict probe of the answered IPs. */
  readonly #periodic: Timer;

  constructor(opts: ProbesOptions) {
    this.#opts = opts;
    this.#periodic = new Timer(
      () => {
        this.#periodic.restart(opts.intervalMs);
        this.probeAnswered();
      },
      { clock: opts.clock },
    );
  }

  start(): void {
    if (this.#opts.intervalMs > 0) this.#periodic.restart(this.#opts.intervalMs);
  }

  stop(): void {
    this.#periodic.cancel();
  }

  /** One probe for ip; `forGuard`: the guard counts on it being sent (it restarts the window if not). */
  send(ip: string, now: number, forGuard: boolean): void {
    const { links, guard, machine } = this.#opts;
    const ls = links.linkFor(ip);
    const mac = ls?.link.mac;
    const f = mac === undefined ? undefined : probeFrame(mac, ip);
    const sent = ls !== undefined && f !== undefined && machine.mayAnswer(ip, now) && ls.link.send(f) === 0;
    if (sent) {
      if (forGuard) m.acquireProbesTotal.inc();
      else m.conflictProbesTotal.inc();
    } else if (forGuard) {
      guard.probeNotSent(ip, now);
    }
  }

  /** One conflict probe for every IP we answer. */
  probeAnswered(): void {
    const now = this.#opts.clock.monotonic();
    for (const ip of this.#opts.guard.active()) this.send(ip, now, false);
  }
}
