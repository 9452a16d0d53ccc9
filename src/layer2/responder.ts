// Answers ARP requests and NDP neighbour solicitations for the addresses this replica owns, with the
// interface's own MAC, without the addresses being configured on any interface. mayAnswer(ip) is checked
// before every send. Frames that claim one of our addresses from another MAC are reported (conflicts).
import { bytesEqual, formatIp, formatMac, isUnspecified, multicastMac, parseIp, solicitedNodeAddress } from './addr.ts';
import { ARP_REPLY, ARP_REQUEST, buildArpReply, isGratuitousArp, parseArp } from './arp.ts';
import { type Layer2Counters, newCounters } from './counters.ts';
import { ETHERTYPE_ARP, ETHERTYPE_IPV6, parseEthernet } from './ethernet.ts';
import { type FrameLink, PACKET_OTHERHOST } from './link.ts';
import { ND_NEIGHBOR_ADVERT, ND_NEIGHBOR_SOLICIT, buildNaReply, parseNdp } from './ndp.ts';

export interface ForeignClaim {
  readonly ip: string;
  /** The MAC that claims the address. */
  readonly mac: string;
  /** arp-reply, arp-request (sender uses our IP), garp, na, ns-source (sender uses our IP), dad (a DAD probe for our IP) */
  readonly kind: 'arp-reply' | 'arp-request' | 'garp' | 'na' | 'ns-source' | 'dad';
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
  /** hex of the address bytes → canonical text */
  #owned = new Map<string, string>();

  constructor(opts: ResponderOptions) {
    this.#opts = opts;
    this.counters = opts.counters ?? newCounters();
  }

  get addresses(): string[] {
    return [...this.#owned.values()];
  }

  /** Replaces the set of addresses to answer for; joins/leaves IPv6 solicited-node groups to match. */
  setAddresses(ips: Iterable<string>): void {
    const next = new Map<string, string>();
    for (const text of ips) {
      const ip = parseIp(text);
      if (ip === undefined) throw new TypeError(`layer2 responder: "${text}" is not an IP address`);
      next.set(key(ip.bytes), formatIp(ip.bytes));
    }
    for (const [k, text] of next) if (!this.#owned.has(k)) this.#group(text, true);
    for (const [k, text] of this.#owned) if (!next.has(k)) this.#group(text, false);
    this.#owned = next;
  }

  /** Stops answering and leaves every group. */
  clear(): void {
    this.setAddresses([]);
  }

  #group(text: string, join: boolean): void {
    const ip = parseIp(text);
    if (ip?.family !== 6) return;
    const mac = multicastMac(solicitedNodeAddress(ip.bytes));
    if (join) this.#opts.link.joinGroup(mac);
    else this.#opts.link.leaveGroup(mac);
  }

  /** Handles one received frame. Never throws on wire input. */
  handleFrame(frame: Uint8Array, pkttype = 0): FrameOutcome {
    this.counters.framesReceived++;
    const eth = parseEthernet(frame);
    if (!eth.ok) return this.#notOk(eth);
    if (eth.value.ethertype === ETHERTYPE_ARP) return this.#arp(frame, pkttype);
    if (eth.value.ethertype === ETHERTYPE_IPV6) return this.#ndp(frame, pkttype);
    this.counters.framesIgnored++;
    return 'ignored';
  }

  #notOk(r: { readonly bad: boolean; readonly reason: string }): FrameOutcome {
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
    if (!r.ok) return this.#notOk(r);
    const a = r.value.arp;
    const ours = this.#opts.link.mac;
    const senderIsOurs = this.#owned.get(key(a.senderIp));
    if (senderIsOurs !== undefined && (ours === undefined || !bytesEqual(a.senderMac, ours))) {
      const kind = a.op === ARP_REPLY ? (isGratuitousArp(a) ? 'garp' : 'arp-reply') : isGratuitousArp(a) ? 'garp' : 'arp-request';
      this.#foreign(senderIsOurs, a.senderMac, kind);
      this.counters.framesIgnored++;
      return 'ignored';
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
    if (!r.ok) return this.#notOk(r);
    const m = r.value.ndp;
    const ours = this.#opts.link.mac;
    const target = this.#owned.get(key(m.target));
    if (m.type === ND_NEIGHBOR_ADVERT) {
      const claimed = m.targetLinkAddr ?? r.value.eth.src;
      if (target !== undefined && (ours === undefined || !bytesEqual(claimed, ours))) this.#foreign(target, claimed, 'na');
      this.counters.framesIgnored++;
      return 'ignored';
    }
    if (m.type !== ND_NEIGHBOR_SOLICIT) {
      this.counters.framesIgnored++;
      return 'ignored';
    }
    const srcOurs = this.#owned.get(key(m.src));
    const srcMac = m.sourceLinkAddr ?? r.value.eth.src;
    if (srcOurs !== undefined && (ours === undefined || !bytesEqual(srcMac, ours))) this.#foreign(srcOurs, srcMac, 'ns-source');
    if (target === undefined || pkttype === PACKET_OTHERHOST) {
      this.counters.framesIgnored++;
      return 'ignored';
    }
    if (isUnspecified(m.src)) this.#foreign(target, r.value.eth.src, 'dad'); // answered below: defends the address
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
