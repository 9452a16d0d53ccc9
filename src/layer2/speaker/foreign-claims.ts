// What the speaker does with a frame in which another MAC claims one of our IPs: a replica handing the
// IP over is no conflict; anyone else goes to the address guard, which refuses the IP, postpones its
// re-probe, or (a prober while we answer) lets the responder defend it.
import type { Logger } from '../../obs/log.ts';
import type { AddressGuard } from '../guard/guard.ts';
import type { PeerClaims } from '../guard/peer-claims.ts';
import type { ForeignClaim } from '../responder.ts';

/** How often one (IP, MAC) pair we defend against is logged again. */
const DEFENDED_LOG_EVERY_MS = 60_000;
const DEFENDED_LOG_MAX_PAIRS = 1024;

export interface ForeignClaimsOptions {
  readonly guard: AddressGuard;
  readonly peerClaims: PeerClaims;
  readonly log: Logger;
  /** The guard refused an IP: the speaker applies it (responders, bursts, Events, Lease) right after. */
  readonly onRefused: () => void;
}

export class ForeignClaims {
  readonly #opts: ForeignClaimsOptions;
  /** (IP, MAC) → when we last logged defending it. */
  readonly #defendedLoggedAt = new Map<string, number>();

  constructor(opts: ForeignClaimsOptions) {
    this.#opts = opts;
  }

  handle(now: number, c: ForeignClaim): void {
    const { guard, peerClaims, log } = this.#opts;
    if (peerClaims.isHandover(now, c.ip, c.mac)) {
      log.debug('layer2 answer from the replica that held the IP until now (hand-over)', {
        ...c,
        replica: peerClaims.replicaOf(c.mac),
      });
      return;
    }
    const outcome = guard.claim(now, c.ip, c.mac, c.kind);
    if (outcome === 'refused') {
      // replies are blocked from this moment (mayAnswer asks the guard); the rest — responder sets,
      // burst cancelled, Events, Lease — follows in a step right after this frame's handler
      this.#opts.onRefused();
    } else if (outcome === 'postponed') {
      log.debug('layer2 refused address still held by another host; re-probe postponed', { ...c });
    } else if (outcome === 'defended') {
      const key = `${c.ip} ${c.mac}`;
      const last = this.#defendedLoggedAt.get(key);
      if (last === undefined || now - last > DEFENDED_LOG_EVERY_MS) {
        if (this.#defendedLoggedAt.size > DEFENDED_LOG_MAX_PAIRS) this.#defendedLoggedAt.clear();
        this.#defendedLoggedAt.set(key, now);
        log.warn(
          'layer2: another host probed for an address we answer; answered it (the prober should back off)',
          { ...c },
        );
      }
    }
  }
}
