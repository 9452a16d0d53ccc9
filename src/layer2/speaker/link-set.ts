// The interfaces the speaker answers on: one link (socket, responder, announcer) per interface any of
// our targets needs, opened when first needed and closed when nothing needs it any more.
import type { Clock } from '../../core/clock.ts';
import { Announcer } from '../announcer.ts';
import type { Layer2Counters } from '../counters.ts';
import { type ForeignClaim, Responder } from '../responder.ts';
import type { Logger } from '../../obs/log.ts';
import { type LinkHandle, macText } from './links.ts';

export interface LinkState {
  readonly link: LinkHandle;
  readonly responder: Responder;
  readonly announcer: Announcer;
}

export interface LinkSetOptions {
  readonly openLink: (ifname: string) => LinkHandle;
  /** The interface an IP is answered on (undefined: none on this node). */
  readonly ifnameOf: (ip: string) => string | undefined;
  /** The fence, asked before every reply and gratuitous round. */
  readonly mayAnswer: (ip: string) => boolean;
  readonly gratuitousCount: number;
  readonly gratuitousIntervalMs: number;
  readonly clock: Clock;
  readonly counters: Layer2Counters;
  readonly onForeignClaim: (claim: ForeignClaim) => void;
  /** A socket was (re)opened: our MAC list in the Lease may have changed. */
  readonly onReopen: () => void;
  readonly log: Logger;
}

export class LinkSet {
  readonly #opts: LinkSetOptions;
  readonly #links = new Map<string, LinkState>();

  constructor(opts: LinkSetOptions) {
    this.#opts = opts;
  }

  /** Opens the interfaces in `needed` not open yet and closes the open ones not in it. */
  keepOnly(needed: ReadonlySet<string>): void {
    for (const ifname of needed) if (!this.#links.has(ifname)) this.#open(ifname);
    for (const [ifname, ls] of this.#links) {
      if (needed.has(ifname)) continue;
      ls.announcer.cancelAll();
      ls.responder.clear();
      ls.link.close();
      this.#links.delete(ifname);
      this.#opts.log.info('layer2 interface released', { ifname });
    }
  }

  /** Points every responder at the IPs it answers and the ones it only watches for claims. */
  route(answer: readonly string[], watch: readonly string[]): void {
    const answerOn = this.#byLink(answer);
    const watchOn = this.#byLink(watch);
    for (const [ifname, ls] of this.#links)
      ls.responder.setAddresses(answerOn.get(ifname) ?? [], watchOn.get(ifname) ?? []);
  }

  cancelBurst(ip: string): void {
    for (const ls of this.#links.values()) ls.announcer.cancel(ip);
  }

  /** The link an IP is answered on, if open. */
  linkFor(ip: string): LinkState | undefined {
    const ifname = this.#opts.ifnameOf(ip);
    return ifname === undefined ? undefined : this.#links.get(ifname);
  }

  macs(): string[] {
    return [...this.#links.values()].map((l) => macText(l.link)).filter((x): x is string => x !== undefined);
  }

  /** Stop answering and announcing everywhere; the sockets stay open. */
  silence(): void {
    for (const ls of this.#links.values()) {
      ls.announcer.cancelAll();
      ls.responder.clear();
    }
  }

  closeAll(): void {
    for (const ls of this.#links.values()) ls.link.close();
    this.#links.clear();
  }

  #byLink(ips: readonly string[]): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const ip of ips) {
      const ifname = this.#opts.ifnameOf(ip);
      if (ifname === undefined) continue;
      const onLink = out.get(ifname) ?? [];
      onLink.push(ip);
      out.set(ifname, onLink);
    }
    return out;
  }

  #open(ifname: string): void {
    const { mayAnswer, counters, log } = this.#opts;
    const link = this.#opts.openLink(ifname);
    const responder = new Responder({
      link,
      mayAnswer,
      counters,
      onForeignClaim: (c) => this.#opts.onForeignClaim(c),
      onBadFrame: (reason) => log.debug('layer2 bad frame', { ifname, reason }),
    });
    const announcer = new Announcer({
      link,
      mayAnswer,
      count: this.#opts.gratuitousCount,
      intervalMs: this.#opts.gratuitousIntervalMs,
      clock: this.#opts.clock,
      counters,
    });
    link.onFrame((frame, pkttype) => responder.handleFrame(frame, pkttype));
    // (re)opened socket: neighbours may have missed us while the interface was gone; tell them again
    link.onOpen(() => {
      for (const ip of responder.addresses) void announcer.announce(ip);
      this.#opts.onReopen();
    });
    this.#links.set(ifname, { link, responder, announcer });
    link.start();
    log.info('layer2 interface in use', { ifname, mac: macText(link) ?? '(interface missing)' });
  }
}
