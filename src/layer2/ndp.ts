// IPv6 Neighbor Discovery NS/NA (RFC 4861 §4.3, §4.4, §7.1, §7.2.4) over Ethernet: parse with the RFC's
// validity checks, build with the ICMPv6 checksum, and the reply rules. Pure.
import {
  IPV6_ALL_NODES,
  isIPv6Multicast,
  isSolicitedNodeAddress,
  isUnspecified,
  multicastMac,
  solicitedNodeAddress,
} from './addr.ts';
import { icmpv6Checksum } from './checksum.ts';
import {
  ETHERNET_HEADER_LEN,
  ETHERTYPE_IPV6,
  type EthernetHeader,
  parseEthernet,
  writeEthernet,
} from './ethernet.ts';
import { ok } from '../core/result.ts';
import { bad, ignored, type Parsed } from './frame-problem.ts';

export const ICMPV6 = 58;
export const NDP_HOP_LIMIT = 255;
export const ND_NEIGHBOR_SOLICIT = 135;
export const ND_NEIGHBOR_ADVERT = 136;
export const OPT_SOURCE_LL = 1;
export const OPT_TARGET_LL = 2;
const IPV6_HEADER_LEN = 40;
const ND_MIN_LEN = 24; // type, code, checksum, 4 bytes flags/reserved, target

export interface NdpMessage {
  readonly type: typeof ND_NEIGHBOR_SOLICIT | typeof ND_NEIGHBOR_ADVERT;
  readonly src: Uint8Array;
  readonly dst: Uint8Array;
  readonly hopLimit: number;
  readonly target: Uint8Array;
  /** NA flags (all false for NS). */
  readonly router: boolean;
  readonly solicited: boolean;
  readonly override: boolean;
  readonly sourceLinkAddr?: Uint8Array;
  readonly targetLinkAddr?: Uint8Array;
}

export interface NdpFrame {
  readonly eth: EthernetHeader;
  readonly ndp: NdpMessage;
}

export function parseNdp(frame: Uint8Array): Parsed<NdpFrame> {
  const e = parseEthernet(frame);
  if (!e.ok) return e;
  if (e.value.ethertype !== ETHERTYPE_IPV6) return ignored('ndp: not an IPv6 frame');
  const ip = ETHERNET_HEADER_LEN;
  if (frame.length < ip + IPV6_HEADER_LEN) return bad('ndp: truncated IPv6 header');
  if ((frame[ip] ?? 0) >> 4 !== 6) return bad('ndp: IP version is not 6');
  const payloadLen = ((frame[ip + 4] ?? 0) << 8) | (frame[ip + 5] ?? 0);
  if (frame[ip + 6] !== ICMPV6) return ignored('ndp: next header is not ICMPv6');
  const icmpStart = ip + IPV6_HEADER_LEN;
  if (frame.length < icmpStart + payloadLen) return bad('ndp: truncated payload');
  const type = frame[icmpStart] ?? 0;
  if (type !== ND_NEIGHBOR_SOLICIT && type !== ND_NEIGHBOR_ADVERT) return ignored(`ndp: ICMPv6 type ${type}`);
  if (payloadLen < ND_MIN_LEN) return bad('ndp: message shorter than 24 bytes');
  const hopLimit = frame[ip + 7] ?? 0;
  if (hopLimit !== NDP_HOP_LIMIT) return bad(`ndp: hop limit ${hopLimit} is not 255`);
  if (frame[icmpStart + 1] !== 0) return bad('ndp: ICMPv6 code is not 0');
  const src = frame.subarray(ip + 8, ip + 24);
  const dst = frame.subarray(ip + 24, ip + 40);
  const icmp = frame.subarray(icmpStart, icmpStart + payloadLen);
  if (icmpv6Checksum(src, dst, icmp) !== 0) return bad('ndp: bad ICMPv6 checksum');
  const target = icmp.subarray(8, 24);
  if (isIPv6Multicast(target)) return bad('ndp: multicast target');
  let sourceLinkAddr: Uint8Array | undefined;
  let targetLinkAddr: Uint8Array | undefined;
  for (let o = ND_MIN_LEN; o < icmp.length;) {
    if (o + 2 > icmp.length) return bad('ndp: truncated option');
    const len = (icmp[o + 1] ?? 0) * 8;
    if (len === 0) return bad('ndp: option with length 0');
    if (o + len > icmp.length) return bad('ndp: option runs past the message');
    const optType = icmp[o];
    if (optType === OPT_SOURCE_LL && len >= 8) sourceLinkAddr = icmp.subarray(o + 2, o + 8);
    if (optType === OPT_TARGET_LL && len >= 8) targetLinkAddr = icmp.subarray(o + 2, o + 8);
    o += len;
  }
  const flags = icmp[4] ?? 0;
  const isNa = type === ND_NEIGHBOR_ADVERT;
  const msg: NdpMessage = {
    type,
    src,
    dst,
    hopLimit,
    target,
    router: isNa && (flags & 0x80) !== 0,
    solicited: isNa && (flags & 0x40) !== 0,
    override: isNa && (flags & 0x20) !== 0,
    ...(sourceLinkAddr !== undefined ? { sourceLinkAddr } : {}),
    ...(targetLinkAddr !== undefined ? { targetLinkAddr } : {}),
  };
  if (!isNa && isUnspecified(src)) {
    if (!isSolicitedNodeAddress(dst))
      return bad('ndp: DAD solicitation not sent to a solicited-node address');
    if (sourceLinkAddr !== undefined) return bad('ndp: DAD solicitation carries a source link-layer option');
  }
  if (isNa && isIPv6Multicast(dst) && msg.solicited)
    return bad('ndp: solicited advertisement to a multicast address');
  return ok({ eth: e.value, ndp: msg });
}

export interface NdpBuild {
  readonly ethDst: Uint8Array;
  readonly ethSrc: Uint8Array;
  readonly src: Uint8Array;
  readonly dst: Uint8Array;
  readonly type: typeof ND_NEIGHBOR_SOLICIT | typeof ND_NEIGHBOR_ADVERT;
  readonly target: Uint8Array;
  readonly router?: boolean;
  readonly solicited?: boolean;
  readonly override?: boolean;
  /** Link-layer address option: source (type 1) on NS, target (type 2) on NA. */
  readonly linkAddr?: Uint8Array;
}

export function buildNdp(p: NdpBuild): Buffer {
  const optLen = p.linkAddr !== undefined ? 8 : 0;
  const payloadLen = ND_MIN_LEN + optLen;
  const ip = ETHERNET_HEADER_LEN;
  const icmpStart = ip + IPV6_HEADER_LEN;
  const buf = Buffer.alloc(icmpStart + payloadLen);
  writeEthernet(buf, p.ethDst, p.ethSrc, ETHERTYPE_IPV6);
  buf[ip] = 0x60;
  buf.writeUInt16BE(payloadLen, ip + 4);
  buf[ip + 6] = ICMPV6;
  buf[ip + 7] = NDP_HOP_LIMIT;
  buf.set(p.src.subarray(0, 16), ip + 8);
  buf.set(p.dst.subarray(0, 16), ip + 24);
  buf[icmpStart] = p.type;
  buf[icmpStart + 4] =
    (p.router === true ? 0x80 : 0) | (p.solicited === true ? 0x40 : 0) | (p.override === true ? 0x20 : 0);
  buf.set(p.target.subarray(0, 16), icmpStart + 8);
  if (p.linkAddr !== undefined) {
    buf[icmpStart + 24] = p.type === ND_NEIGHBOR_SOLICIT ? OPT_SOURCE_LL : OPT_TARGET_LL;
    buf[icmpStart + 25] = 1;
    buf.set(p.linkAddr.subarray(0, 6), icmpStart + 26);
  }
  const sum = icmpv6Checksum(p.src, p.dst, buf.subarray(icmpStart));
  buf.writeUInt16BE(sum, icmpStart + 2);
  return buf;
}

/**
 * NA answering a solicitation for one of our addresses (RFC 4861 §7.2.4). Source = the target address
 * itself (ndisc6 ignores answers from a link-local source), router flag off, override on, our MAC as the
 * target link-layer option. A DAD probe (source ::) is answered to all-nodes with the solicited flag off;
 * otherwise unicast to the solicitor, at the MAC from its source link-layer option or else the frame's.
 */
export function buildNaReply(ns: NdpFrame, ourMac: Uint8Array): Buffer {
  const dad = isUnspecified(ns.ndp.src);
  return buildNdp({
    ethDst: dad ? multicastMac(IPV6_ALL_NODES) : (ns.ndp.sourceLinkAddr ?? ns.eth.src),
    ethSrc: ourMac,
    src: ns.ndp.target,
    dst: dad ? IPV6_ALL_NODES : ns.ndp.src,
    type: ND_NEIGHBOR_ADVERT,
    target: ns.ndp.target,
    router: false,
    solicited: !dad,
    override: true,
    linkAddr: ourMac,
  });
}

/** Unsolicited NA to all-nodes (override on, solicited off) announcing that `ip` is at `ourMac`. */
export function buildUnsolicitedNa(ourMac: Uint8Array, ip: Uint8Array): Buffer {
  return buildNdp({
    ethDst: multicastMac(IPV6_ALL_NODES),
    ethSrc: ourMac,
    src: ip,
    dst: IPV6_ALL_NODES,
    type: ND_NEIGHBOR_ADVERT,
    target: ip,
    override: true,
    linkAddr: ourMac,
  });
}

/** NS for `target` (a conflict probe), multicast to its solicited-node group, from `src`. */
export function buildNeighborSolicit(ourMac: Uint8Array, src: Uint8Array, target: Uint8Array): Buffer {
  const group = solicitedNodeAddress(target);
  const dad = isUnspecified(src);
  return buildNdp({
    ethDst: multicastMac(group),
    ethSrc: ourMac,
    src,
    dst: group,
    type: ND_NEIGHBOR_SOLICIT,
    target,
    ...(dad ? {} : { linkAddr: ourMac }),
  });
}
