// Classic BPF program for the packet socket: accept ARP, and ICMPv6 neighbour solicitations and
// advertisements (IPv6 without extension headers, as NDP is sent); drop everything else in the kernel.
import { endianness } from 'node:os';

interface Insn {
  readonly code: number;
  readonly jt: number;
  readonly jf: number;
  readonly k: number;
}

const LDH_ABS = 0x28; // BPF_LD | BPF_H | BPF_ABS
const LDB_ABS = 0x30; // BPF_LD | BPF_B | BPF_ABS
const JEQ_K = 0x15; // BPF_JMP | BPF_JEQ | BPF_K
const RET_K = 0x06; // BPF_RET | BPF_K
const ACCEPT_LEN = 0x40000;

/** Encodes `struct sock_filter` entries in host byte order (u16 code, u8 jt, u8 jf, u32 k). */
export function assembleBpf(prog: readonly Insn[]): Buffer {
  const le = endianness() === 'LE';
  const buf = Buffer.alloc(prog.length * 8);
  prog.forEach((ins, i) => {
    const o = i * 8;
    if (le) buf.writeUInt16LE(ins.code, o);
    else buf.writeUInt16BE(ins.code, o);
    buf[o + 2] = ins.jt;
    buf[o + 3] = ins.jf;
    if (le) buf.writeUInt32LE(ins.k >>> 0, o + 4);
    else buf.writeUInt32BE(ins.k >>> 0, o + 4);
  });
  return buf;
}

// Jump offsets count instructions after the jump: 0 = next.
const ARP_NDP: readonly Insn[] = [
  { code: LDH_ABS, jt: 0, jf: 0, k: 12 }, // 0: ethertype
  { code: JEQ_K, jt: 6, jf: 0, k: 0x0806 }, // 1: ARP → 8 accept
  { code: JEQ_K, jt: 0, jf: 6, k: 0x86dd }, // 2: IPv6 → 3, else 9 drop
  { code: LDB_ABS, jt: 0, jf: 0, k: 20 }, // 3: IPv6 next header
  { code: JEQ_K, jt: 0, jf: 4, k: 58 }, // 4: ICMPv6 → 5, else 9 drop
  { code: LDB_ABS, jt: 0, jf: 0, k: 54 }, // 5: ICMPv6 type
  { code: JEQ_K, jt: 1, jf: 0, k: 135 }, // 6: NS → 8 accept
  { code: JEQ_K, jt: 0, jf: 1, k: 136 }, // 7: NA → 8 accept, else 9 drop
  { code: RET_K, jt: 0, jf: 0, k: ACCEPT_LEN }, // 8
  { code: RET_K, jt: 0, jf: 0, k: 0 }, // 9
];

export function arpNdpFilter(): Buffer {
  return assembleBpf(ARP_NDP);
}
