// ARP prober agent, run inside the client namespace: broadcasts an ARP request for an IP every
// intervalMs and prints one line per reply: `reply <wall-clock µs> <mac> <seq>`. Wall-clock µs
// (performance.timeOrigin + now) so the caller can line replies up with what it did at a known time.
// usage: node l2-prober.ts <ifname> <sender-ip> <target-ip> <interval-ms>
import { BROADCAST_MAC, formatMac, ZERO_MAC } from '../../src/layer2/addr.ts';
import { ipv4Bytes } from '../../src/net/ip.ts';
import { ARP_REPLY, ARP_REQUEST, buildArp, parseArp } from '../../src/layer2/arp.ts';
import { PacketSocket } from '../../src/layer2/socket.ts';

const [ifname = '', sender = '', target = '', interval = '20'] = process.argv.slice(2);
const spa = ipv4Bytes(sender);
const tpa = ipv4Bytes(target);
if (ifname === '' || spa === undefined || tpa === undefined) {
  process.stderr.write('usage: l2-prober.ts <ifname> <sender-ip> <target-ip> <interval-ms>\n');
  process.exit(2);
}
const wallUs = (): number => Math.round((performance.timeOrigin + performance.now()) * 1000);
const sock = new PacketSocket(ifname);
let seq = 0;
sock.on('frame', (frame) => {
  const p = parseArp(frame);
  if (!p.ok || p.value.arp.op !== ARP_REPLY || p.value.arp.senderIp.join('.') !== target) return;
  process.stdout.write(`reply ${wallUs()} ${formatMac(p.value.arp.senderMac)} ${seq}\n`);
});
sock.start();
const mac = sock.mac;
if (mac === undefined) {
  process.stderr.write(`no interface ${ifname}\n`);
  process.exit(1);
}
const request = buildArp({
  ethDst: BROADCAST_MAC,
  ethSrc: mac,
  op: ARP_REQUEST,
  senderMac: mac,
  senderIp: spa,
  targetMac: ZERO_MAC,
  targetIp: tpa,
});
const timer = setInterval(() => {
  seq++;
  sock.send(request);
}, Number(interval));
process.stdout.write(`prober ready ${formatMac(mac)}\n`);
const stop = (): void => {
  clearInterval(timer);
  sock.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
