import assert from 'node:assert/strict';
import { test } from 'node:test';
import { endianness } from 'node:os';
import { IPV6_UNSPECIFIED, parseMac } from '../../../src/layer2/addr.ts';
import { ipv4Bytes, ipv6Bytes } from '../../../src/net/ip.ts';
import { buildGratuitousArp } from '../../../src/layer2/arp.ts';
import { arpNdpFilter } from '../../../src/layer2/filter.ts';
import {
  ND_NEIGHBOR_ADVERT,
  buildNdp,
  buildNeighborSolicit,
  buildUnsolicitedNa,
} from '../../../src/layer2/ndp.ts';

// Interpreter for the four classic-BPF opcodes the filter uses, to check the program's logic here; the
// kernel verifies and runs it in test/layer2.
function run(prog: Buffer, pkt: Uint8Array): number {
  const le = endianness() === 'LE';
  let a = 0;
  for (let pc = 0; pc < prog.length / 8; pc++) {
    const o = pc * 8;
    const code = le ? prog.readUInt16LE(o) : prog.readUInt16BE(o);
    const jt = prog[o + 2] ?? 0;
    const jf = prog[o + 3] ?? 0;
    const k = le ? prog.readUInt32LE(o + 4) : prog.readUInt32BE(o + 4);
    if (code === 0x28) {
      if (k + 2 > pkt.length) return 0;
      a = ((pkt[k] ?? 0) << 8) | (pkt[k + 1] ?? 0);
    } else if (code === 0x30) {
      if (k + 1 > pkt.length) return 0;
      a = pkt[k] ?? 0;
    } else if (code === 0x15) pc += a === k ? jt : jf;
    else if (code === 0x06) return k;
    else assert.fail(`opcode ${code}`);
  }
  assert.fail('fell off the end');
}

test('BPF accepts ARP, NS and NA; drops other traffic', () => {
  const prog = arpNdpFilter();
  const mac = parseMac('02:00:00:00:00:02') ?? assert.fail();
  const v6 = ipv6Bytes('fd00:99::200') ?? assert.fail();
  const [garp] = buildGratuitousArp(mac, ipv4Bytes('10.0.0.1') ?? assert.fail());
  assert.ok(run(prog, garp) > 0);
  assert.ok(run(prog, buildNeighborSolicit(mac, IPV6_UNSPECIFIED, v6)) > 0);
  assert.ok(run(prog, buildUnsolicitedNa(mac, v6)) > 0);
  const echo = buildNdp({ ethDst: mac, ethSrc: mac, src: v6, dst: v6, type: ND_NEIGHBOR_ADVERT, target: v6 });
  echo[54] = 128;
  assert.equal(run(prog, echo), 0);
  const udp6 = Buffer.from(echo);
  udp6[20] = 17;
  assert.equal(run(prog, udp6), 0);
  const ipv4 = Buffer.from(garp);
  ipv4[13] = 0x00;
  assert.equal(run(prog, ipv4), 0);
  assert.equal(run(prog, new Uint8Array(10)), 0);
});
