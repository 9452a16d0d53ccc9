// Pure decoders for what tests need to see on the wire: the classic pcap file format (tcpdump -w),
// Ethernet (with 802.1Q skipped), ARP, IPv4, IPv6 and ICMPv6 (NS/NA with their link-layer options).
import { formatIpv6Bytes } from '../../src/net/ip.ts';

export interface PcapRecord {
  /** capture time in microseconds since the epoch. */
  tsUs: number;
  origLen: number;
  data: Buffer;
}

export interface PcapFile {
  linkType: number;
  snapLen: number;
  records: PcapRecord[];
}

export const LINKTYPE_ETHERNET = 1;

/** Parses a pcap file (either byte order; microsecond or nanosecond magic). Truncated tails are ignored. */
export function readPcap(buf: Buffer): PcapFile {
  if (buf.length < 24) throw new Error(`pcap: file too short (${buf.length} bytes)`);
  const magicLE = buf.readUInt32LE(0);
  let le: boolean;
  let nano: boolean;
  if (magicLE === 0xa1b2c3d4 || magicLE === 0xa1b23c4d) {
    le = true;
    nano = magicLE === 0xa1b23c4d;
  } else {
    const magicBE = buf.readUInt32BE(0);
    if (magicBE !== 0xa1b2c3d4 && magicBE !== 0xa1b23c4d)
      throw new Error(`pcap: bad magic 0x${magicLE.toString(16)}`);
    le = false;
    nano = magicBE === 0xa1b23c4d;
  }
  const u32 = (o: number): number => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const snapLen = u32(16);
  const linkType = u32(20) & 0x0fffffff;
  const records: PcapRecord[] = [];
  let off = 24;
  while (off + 16 <= buf.length) {
    const sec = u32(off);
    const frac = u32(off + 4);
    const incl = u32(off + 8);
    const origLen = u32(off + 12);
    if (off + 16 + incl > buf.length) break;
    records.push({
      tsUs: sec * 1e6 + (nano ? Math.floor(frac / 1000) : frac),
      origLen,
      data: buf.subarray(off + 16, off + 16 + incl),
    });
    off += 16 + incl;
  }
  return { linkType, snapLen, records };
}

export const mac = (b: Buffer, o: number): string =>
  [...b.subarray(o, o + 6)].map((x) => x.toString(16).padStart(2, '0')).join(':');

export const ipv4 = (b: Buffer, o: number): string => `${b[o]}.${b[o + 1]}.${b[o + 2]}.${b[o + 3]}`;

/** RFC 5952 text form of the 16 bytes at offset o (lower case, longest zero run compressed). */
export const ipv6 = (b: Buffer, o: number): string => formatIpv6Bytes(b, o);

export const ETH_ARP = 0x0806;
export const ETH_IPV4 = 0x0800;
export const ETH_IPV6 = 0x86dd;

export interface ArpPacket {
  op: number; // 1 request, 2 reply
  sha: string;
  spa: string;
  tha: string;
  tpa: string;
}

export interface Icmp6Packet {
  type: number; // 135 NS, 136 NA …
  code: number;
  /** NS/NA target address. */
  target?: string;
  /** NA flags: router, solicited, override. */
  flags?: { router: boolean; solicited: boolean; override: boolean };
  /** option 1 (source link-layer address). */
  sourceLl?: string;
  /** option 2 (target link-layer address). */
  targetLl?: string;
}

export interface Ipv6Packet {
  src: string;
  dst: string;
  nextHeader: number;
  hopLimit: number;
  icmp6?: Icmp6Packet;
}

export interface Ipv4Packet {
  src: string;
  dst: string;
  protocol: number;
}

export interface Frame {
  tsUs: number;
  dst: string;
  src: string;
  etherType: number;
  vlan?: number;
  arp?: ArpPacket;
  ipv4?: Ipv4Packet;
  ipv6?: Ipv6Packet;
}

export function decodeArp(b: Buffer): ArpPacket | undefined {
  // Ethernet/IPv4 ARP only: htype 1, ptype 0x0800, hlen 6, plen 4
  if (b.length < 28 || b.readUInt16BE(0) !== 1 || b.readUInt16BE(2) !== ETH_IPV4 || b[4] !== 6 || b[5] !== 4)
    return undefined;
  return { op: b.readUInt16BE(6), sha: mac(b, 8), spa: ipv4(b, 14), tha: mac(b, 18), tpa: ipv4(b, 24) };
}

export function decodeIcmp6(b: Buffer): Icmp6Packet | undefined {
  if (b.length < 4) return undefined;
  const p: Icmp6Packet = { type: b[0] ?? 0, code: b[1] ?? 0 };
  if ((p.type === 135 || p.type === 136) && b.length >= 24) {
    if (p.type === 136) {
      const f = b[4] ?? 0;
      p.flags = { router: (f & 0x80) !== 0, solicited: (f & 0x40) !== 0, override: (f & 0x20) !== 0 };
    }
    p.target = ipv6(b, 8);
    let o = 24;
    while (o + 2 <= b.length) {
      const type = b[o] ?? 0;
      const len = (b[o + 1] ?? 0) * 8;
      if (len === 0 || o + len > b.length) break;
      if (type === 1 && len >= 8) p.sourceLl = mac(b, o + 2);
      if (type === 2 && len >= 8) p.targetLl = mac(b, o + 2);
      o += len;
    }
  }
  return p;
}

export function decodeIpv6(b: Buffer): Ipv6Packet | undefined {
  if (b.length < 40 || (b[0] ?? 0) >> 4 !== 6) return undefined;
  const p: Ipv6Packet = { src: ipv6(b, 8), dst: ipv6(b, 24), nextHeader: b[6] ?? 0, hopLimit: b[7] ?? 0 };
  // extension headers are not followed: NDP never carries them
  if (p.nextHeader === 58) p.icmp6 = decodeIcmp6(b.subarray(40, 40 + b.readUInt16BE(4)));
  return p;
}

export function decodeIpv4(b: Buffer): Ipv4Packet | undefined {
  if (b.length < 20 || (b[0] ?? 0) >> 4 !== 4) return undefined;
  return { src: ipv4(b, 12), dst: ipv4(b, 16), protocol: b[9] ?? 0 };
}

export function decodeEthernet(data: Buffer, tsUs = 0): Frame | undefined {
  if (data.length < 14) return undefined;
  const f: Frame = { tsUs, dst: mac(data, 0), src: mac(data, 6), etherType: data.readUInt16BE(12) };
  let off = 14;
  if (f.etherType === 0x8100 && data.length >= 18) {
    f.vlan = data.readUInt16BE(14) & 0x0fff;
    f.etherType = data.readUInt16BE(16);
    off = 18;
  }
  const payload = data.subarray(off);
  if (f.etherType === ETH_ARP) f.arp = decodeArp(payload);
  else if (f.etherType === ETH_IPV6) f.ipv6 = decodeIpv6(payload);
  else if (f.etherType === ETH_IPV4) f.ipv4 = decodeIpv4(payload);
  return f;
}

/** Every Ethernet frame of a pcap file, decoded. */
export function framesOf(file: PcapFile): Frame[] {
  if (file.linkType !== LINKTYPE_ETHERNET)
    throw new Error(`pcap: link type ${file.linkType} is not Ethernet`);
  return file.records.map((r) => decodeEthernet(r.data, r.tsUs)).filter((f): f is Frame => f !== undefined);
}
