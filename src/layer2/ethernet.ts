// Ethernet II header (no VLAN tag: a packet socket bound to an interface gets frames with the tag removed).
import { ok } from '../core/result.ts';
import { bad, ignored, type Parsed } from './frame-problem.ts';

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_ARP = 0x0806;
export const ETHERTYPE_IPV6 = 0x86dd;
export const ETHERNET_HEADER_LEN = 14;

export interface EthernetHeader {
  readonly dst: Uint8Array;
  readonly src: Uint8Array;
  readonly ethertype: number;
}

export function parseEthernet(frame: Uint8Array): Parsed<EthernetHeader> {
  if (frame.length < ETHERNET_HEADER_LEN) return bad('ethernet: truncated header');
  const ethertype = ((frame[12] ?? 0) << 8) | (frame[13] ?? 0);
  if (ethertype < 0x0600) return ignored('ethernet: 802.3 length field');
  return ok({ dst: frame.subarray(0, 6), src: frame.subarray(6, 12), ethertype });
}

export function writeEthernet(buf: Uint8Array, dst: Uint8Array, src: Uint8Array, ethertype: number): void {
  buf.set(dst.subarray(0, 6), 0);
  buf.set(src.subarray(0, 6), 6);
  buf[12] = ethertype >> 8;
  buf[13] = ethertype & 0xff;
}
