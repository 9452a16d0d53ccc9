// ARP for IPv4 over Ethernet (RFC 826): parse, build, replies and gratuitous announcements. Pure.
import { BROADCAST_MAC, bytesEqual } from './addr.ts';
import {
  ETHERNET_HEADER_LEN,
  ETHERTYPE_ARP,
  ETHERTYPE_IPV4,
  type EthernetHeader,
  parseEthernet,
  writeEthernet,
} from './ethernet.ts';
import { ok } from '../core/result.ts';
import { bad, ignored, type Parsed } from './frame-problem.ts';

export const ARP_REQUEST = 1;
export const ARP_REPLY = 2;
export const ARP_LEN = 28;
export const ARP_FRAME_LEN = ETHERNET_HEADER_LEN + ARP_LEN;

export interface ArpPacket {
  readonly op: number;
  readonly senderMac: Uint8Array;
  readonly senderIp: Uint8Array;
  readonly targetMac: Uint8Array;
  readonly targetIp: Uint8Array;
}

export interface ArpFrame {
  readonly eth: EthernetHeader;
  readonly arp: ArpPacket;
}

export function parseArp(frame: Uint8Array): Parsed<ArpFrame> {
  const e = parseEthernet(frame);
  if (!e.ok) return e;
  if (e.value.ethertype !== ETHERTYPE_ARP) return ignored('arp: not an ARP frame');
  if (frame.length < ARP_FRAME_LEN) return bad(`arp: truncated (${frame.length} bytes)`);
  const o = ETHERNET_HEADER_LEN;
  const u16 = (i: number): number => ((frame[o + i] ?? 0) << 8) | (frame[o + i + 1] ?? 0);
  if (u16(0) !== 1) return bad(`arp: hardware type ${u16(0)} is not Ethernet`);
  if (u16(2) !== ETHERTYPE_IPV4) return bad(`arp: protocol type 0x${u16(2).toString(16)} is not IPv4`);
  if (frame[o + 4] !== 6 || frame[o + 5] !== 4) return bad('arp: address lengths are not 6/4');
  const op = u16(6);
  if (op !== ARP_REQUEST && op !== ARP_REPLY) return bad(`arp: operation ${op}`);
  return ok({
    eth: e.value,
    arp: {
      op,
      senderMac: frame.subarray(o + 8, o + 14),
      senderIp: frame.subarray(o + 14, o + 18),
      targetMac: frame.subarray(o + 18, o + 24),
      targetIp: frame.subarray(o + 24, o + 28),
    },
  });
}

export interface ArpBuild extends ArpPacket {
  readonly ethDst: Uint8Array;
  readonly ethSrc: Uint8Array;
}

export function buildArp(p: ArpBuild): Buffer {
  const buf = Buffer.alloc(ARP_FRAME_LEN);
  writeEthernet(buf, p.ethDst, p.ethSrc, ETHERTYPE_ARP);
  const o = ETHERNET_HEADER_LEN;
  buf.writeUInt16BE(1, o);
  buf.writeUInt16BE(ETHERTYPE_IPV4, o + 2);
  buf[o + 4] = 6;
  buf[o + 5] = 4;
  buf.writeUInt16BE(p.op, o + 6);
  buf.set(p.senderMac.subarray(0, 6), o + 8);
  buf.set(p.senderIp.subarray(0, 4), o + 14);
  buf.set(p.targetMac.subarray(0, 6), o + 18);
  buf.set(p.targetIp.subarray(0, 4), o + 24);
  return buf;
}

/** A sender announcing its own address (spa = tpa), as a request or a reply. */
export function isGratuitousArp(p: ArpPacket): boolean {
  return bytesEqual(p.senderIp, p.targetIp);
}

/**
 * Reply to a request for one of our addresses, sent unicast to the requester (unicast requests from a
 * neighbour in PROBE state included). An ARP probe (sender IP 0.0.0.0, RFC 5227) gets the same answer.
 */
export function buildArpReply(request: ArpPacket, ourMac: Uint8Array): Buffer {
  return buildArp({
    ethDst: request.senderMac,
    ethSrc: ourMac,
    op: ARP_REPLY,
    senderMac: ourMac,
    senderIp: request.targetIp,
    targetMac: request.senderMac,
    targetIp: request.senderIp,
  });
}

/** Gratuitous ARP as a broadcast request and a broadcast reply, both with spa = tpa = ip. */
export function buildGratuitousArp(ourMac: Uint8Array, ip: Uint8Array): [Buffer, Buffer] {
  const base = {
    ethDst: BROADCAST_MAC,
    ethSrc: ourMac,
    senderMac: ourMac,
    senderIp: ip,
    targetMac: BROADCAST_MAC,
    targetIp: ip,
  };
  return [buildArp({ ...base, op: ARP_REQUEST }), buildArp({ ...base, op: ARP_REPLY })];
}
