// Answers ARP requests and NDP neighbour solicitations for the addresses this replica owns, with the
// interface's own MAC, without the addresses being configured on any interface. mayAnswer(ip) is checked
// before every send. Frames that claim one of our addresses from another MAC are reported (conflicts),
// for the answered addresses and for the watched ones (held but not answered: being probed or refused).
import { bytesEqual, formatMac, isUnspecified, multicastMac, solicitedNodeAddress } from './addr.ts';
import { formatIpBytes, ipBytes } from '../net/ip.ts';
import { ARP_REPLY, ARP_REQUEST, buildArpReply, isGratuitousArp, parseArp } from './arp.ts';
import { type Layer2Counters, newCounters } from './counters.ts';
import { ETHERTYPE_ARP, ETHERTYPE_IPV6, parseEthernet } from './ethernet.ts';
import { type FrameLink, PACKET_OTHERHOST } from './link.ts';
import type { FrameProblem } from './frame-problem.ts';
import { ND_NEIGHBOR_ADVERT, ND_NEIGHBOR_SOLICIT, buildNaReply, parseNdp } from './ndp.ts';

/**
 * arp-reply, arp-request (sender uses our IP), garp, na, ns-source (sender uses our IP); and two that only
 * say another host WANTS the address: arp-probe (RFC 5227, sender 0.0.0.0) and dad (IPv6 DAD, source ::).
 */
export type ClaimKind = 'arp-reply' | 'arp-request' | 'garp' | 'na' | 'ns-source' | 'dad' | 'arp-probe';

export interface ForeignClaim {
  readonly ip: string;
  /** The MAC that claims the address. */
  readonly mac: string;
  readonly kind: ClaimKind;
}

export type FrameOutcome = 'replied' | 'fenced' | 'ignored' | 'bad' | 'send-failed';

export interface ResponderOptions {
  readonly link: FrameLink;
  /** Fence: called right before every send; false suppresses the answer. */
  readonly mayAnswer: (ip: string) => boolean;
  readonly counters?: Layer2Counters;
  readonly onForeignClaim?: (claim: ForeignClaim) => void;
  readonly onBadFrame?: (reason: string) => void;
}

function key(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.length).toString('hex');
}

export class Responder {
  readonly counters: Layer2Counters;
  readonly #opts: ResponderOptions;
  /** hex of the address bytes → canonical text: answered */
  #owned = new Map<string, string>();
  /** same, watched only (claims reported, requests not answered) */
  #watched = new Map<string, string>();

  constructor(opts: ResponderOptions) {
    this.#opts = opts;
    this.counters = opts.counters ?? newCounters();
  }

  get addresses(): string[] {
    return [...this.#owned.values()];
  }

  get watchedAddresses(): string[] {
    return [...this.#watched.values()];
  }

  /**
   * Replaces the set of addresses to answer for, and the set only watched for claims by others (an
   * address in both is answered); joins/leaves IPv6 solicited-node groups to match their union.
   */
  setAddresses(ips: Iterable<string>, watch: Iterable<string> = []): void {
    const toMap = (list: Iterable<string>): Map<string, string> => {
      const out = new Map<string, string>();
      for (const text of list) {
        const ip = ipBytes(text);
        if (ip === undefined) throw new TypeError(`layer2 responder: "${text}" is not an IP address`);
        out.set(key(ip.bytes), formatIpBytes(ip.bytes));
      }
      return out;
    };
    const next = toMap(ips);
    const nextWatched = toMap(watch);
    for (const k of next.keys()) nextWatched.delete(k);
    const before = new Map([...this.#owned, ...this.#watched]);
    const after = new Map([...next, ...nextWatched]);
    for (const [k, text] of after) if (!before.has(k)) this.#group(text, true);
    for (const [k, text] of before) if (!after.has(k)) this.#group(text, false);
    this.#owned = next;
    this.#watched = nextWatched;
  }

  #held(ip: Uint8Array): string | undefined {
    const k = key(ip);
    return this.#owned.get(k) ?? this.#watched.get(k);
  }

  /** Stops answering and watching, and leaves every group. */
  clear(): void {
    this.setAddresses([], []);
  }

  #group(text: string, join: boolean): void {
    const ip = ipBytes(text);
    if (ip?.family !== 6) return;
    const mac = multicastMac(solicitedNodeAddress(ip.bytes));
    if (join) this.#opts.link.joinGroup(mac);
    else this.#opts.link.leaveGroup(mac);
  }

  /** Handles one received frame. Never throws on wire input. */
  handleFrame(frame: Uint8Array, pkttype = 0): FrameOutcome {
    this.counters.framesReceived++;
    const eth = parseEthernet(frame);
    if (!eth.ok) return this.#notOk(eth.error);
    if (eth.value.ethertype === ETHERTYPE_ARP) return this.#arp(frame, pkttype);
    if (eth.value.ethertype === ETHERTYPE_IPV6) return this.#ndp(frame, pkttype);
    this.counters.framesIgnored++;
    return 'ignored';
  }

  #notOk(r: FrameProblem): FrameOutcome {
    if (r.bad) {
      this.counters.framesDroppedBad++;
      this.#opts.onBadFrame?.(r.reason);
      return 'bad';
    }
    this.counters.framesIgnored++;
    return 'ignored';
  }

  #arp(frame: Uint8Array, pkttype: number): FrameOutcome {
    const r = parseArp(frame);
    if (!r.ok) return this.#notOk(r.error);
    const a = r.value.arp;
    const ours = this.#opts.link.mac;
    const fromOther = ours === undefined || !bytesEqual(a.senderMac, ours);
    const senderIsOurs = this.#held(a.senderIp);
    if (senderIsOurs !== undefined && fromOther) {
      const kind =
        a.op === ARP_REPLY
          ? isGratuitousArp(a)
            ? 'garp'
            : 'arp-reply'
          : isGratuitousArp(a)
            ? 'garp'
            : 'arp-request';
      this.#foreign(senderIsOurs, a.senderMac, kind);
      this.counters.framesIgnored++;
      return 'ignored';
    }
    if (a.op === ARP_REQUEST && isUnspecified(a.senderIp) && fromOther) {
      const wanted = this.#held(a.targetIp);
      if (wanted !== undefined) this.#foreign(wanted, a.senderMac, 'arp-probe'); // answered below if we answer it: defends the address
    }
    const target = a.op === ARP_REQUEST ? this.#owned.get(key(a.targetIp)) : undefined;
    if (target === undefined || pkttype === PACKET_OTHERHOST || isGratuitousArp(a)) {
      this.counters.framesIgnored++;
      return 'ignored';
    }
    return this.#send(target, (mac) => buildArpReply(a, mac), 'arp');
  }

  #ndp(frame: Uint8Array, pkttype: number): FrameOutcome {
    const r = parseNdp(frame);
    if (!r.ok) return this.#notOk(r.error);
    const m = r.value.ndp;
    const ours = this.#opts.link.mac;
    const notOurs = (mac: Uint8Array): boolean => ours === undefined || !bytesEqual(mac, ours);
    const held = this.#held(m.target);
    if (m.type === ND_NEIGHBOR_ADVERT) {
      const claimed = m.targetLinkAddr ?? r.value.eth.src;
      if (held !== undefined && notOurs(claimed)) this.#foreign(held, claimed, 'na');
      this.counters.framesIgnored++;
      return 'ignored';
    }
    if (m.type !== ND_NEIGHBOR_SOLICIT) {
      this.counters.framesIgnored++;
      return 'ignored';
    }
    const srcOurs = this.#held(m.src);
    const srcMac = m.sourceLinkAddr ?? r.value.eth.src;
    if (srcOurs !== undefined && notOurs(srcMac)) this.#foreign(srcOurs, srcMac, 'ns-source');
    const dad = isUnspecified(m.src);
    if (dad && held !== undefined && notOurs(r.value.eth.src)) this.#foreign(held, r.value.eth.src, 'dad'); // answered below if we answer it: defends the address
    const target = this.#owned.get(key(m.target));
    if (target === undefined || pkttype === PACKET_OTHERHOST) {
      this.counters.framesIgnored++;
      return 'ignored';
    }
    return this.#send(target, (mac) => buildNaReply(r.value, mac), 'ndp');
  }

  #send(ip: string, build: (mac: Uint8Array) => Buffer, kind: 'arp' | 'ndp'): FrameOutcome {
    const mac = this.#opts.link.mac;
    if (mac === undefined) {
      this.counters.sendErrors++;
      return 'send-failed';
    }
    const frame = build(mac);
    // The fence is checked as late as possible: right before the send.
    if (!this.#opts.mayAnswer(ip)) {
      this.counters.repliesFenced++;
      return 'fenced';
    }
    if (this.#opts.link.send(frame) !== 0) {
      this.counters.sendErrors++;
      return 'send-failed';
    }
    if (kind === 'arp') this.counters.arpRepliesSent++;
    else this.counters.ndpAdvertsSent++;
    return 'replied';
  }

  #foreign(ip: string, mac: Uint8Array, kind: ForeignClaim['kind']): void {
    this.counters.foreignClaims++;
    this.#opts.onForeignClaim?.({ ip, mac: formatMac(mac), kind });
  }
}
