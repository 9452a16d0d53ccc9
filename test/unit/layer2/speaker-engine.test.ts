import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { BROADCAST_MAC, formatMac, parseIPv4, parseMac, ZERO_MAC } from '../../../src/layer2/addr.ts';
import { ARP_REPLY, ARP_REQUEST, buildArp, parseArp } from '../../../src/layer2/arp.ts';
import { rankNodes } from '../../../src/layer2/ownership/ranking.ts';
import type { Layer2Speaker } from '../../../src/layer2/speaker/speaker.ts';
import { makeSpeaker, MemoryLeases, targets, TIMING, until, Wire } from './speaker-harness.ts';

const MAC = { a: '02:00:00:00:00:0a', b: '02:00:00:00:00:0b', client: '02:00:00:00:00:cc', stranger: '02:00:00:00:00:ee' };
const IP = '10.99.0.200';

function arpRequest(ip: string): Buffer {
  const mac = parseMac(MAC.client)!;
  return buildArp({ ethDst: BROADCAST_MAC, ethSrc: mac, op: ARP_REQUEST, senderMac: mac, senderIp: parseIPv4('10.99.0.9')!, targetMac: ZERO_MAC, targetIp: parseIPv4(ip)! });
}

/** MACs that sent ARP replies for ip since index `from` of the wire log. */
function repliers(wire: Wire, ip: string, from = 0): string[] {
  const out = new Set<string>();
  for (const e of wire.log.slice(from)) {
    const p = parseArp(e.frame);
    if (p.ok && p.value.arp.op === ARP_REPLY && formatMac(p.value.arp.senderMac) === e.from && p.value.arp.senderIp.join('.') === ip) out.add(e.from);
  }
  return [...out];
}

/** Samples every 2 ms whether more than one speaker may answer ip; returns stop() → violations. */
function watchOverlap(speakers: Layer2Speaker[], ip: string): () => number {
  let violations = 0;
  const t = setInterval(() => {
    const now = performance.now();
    if (speakers.filter((s) => s.machine.mayAnswer(ip, now)).length > 1) violations++;
  }, 2);
  return () => {
    clearInterval(t);
    return violations;
  };
}

describe('Layer2Speaker over in-memory Leases and links', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  function pair(extra: Parameters<typeof makeSpeaker>[4] = {}): { leases: MemoryLeases; wire: Wire; a: Layer2Speaker; b: Layer2Speaker; owner: 'a' | 'b' } {
    const leases = new MemoryLeases();
    const wire = new Wire();
    const a = makeSpeaker(leases, wire, 'a', MAC.a, extra);
    const b = makeSpeaker(leases, wire, 'b', MAC.b, extra);
    cleanups.push(async () => {
      a.unwatch();
      b.unwatch();
      await a.speaker.stop();
      await b.speaker.stop();
    });
    const owner = rankNodes(IP, ['a', 'b'])[0] as 'a' | 'b';
    return { leases, wire, a: a.speaker, b: b.speaker, owner };
  }

  it('exactly the ranked replica answers, with its own MAC, after a gratuitous burst', async () => {
    const { wire, a, b, owner } = pair();
    for (const s of [a, b]) {
      s.start();
      s.setTargets(targets([IP], ['a', 'b']));
    }
    const stop = watchOverlap([a, b], IP);
    const ownerS = owner === 'a' ? a : b;
    await until(() => ownerS.answering.includes(IP), 3000, 'owner answering');
    await new Promise((r) => setTimeout(r, 200));
    const before = wire.log.length;
    wire.deliver(wire.link('eth0', MAC.client), arpRequest(IP));
    assert.deepEqual(repliers(wire, IP, before), [MAC[owner]]);
    // the takeover burst went out from the owner only
    const garps = wire.log.filter((e) => { const p = parseArp(e.frame); return p.ok && p.value.arp.targetIp.join('.') === IP && p.value.arp.senderIp.join('.') === IP; });
    assert.ok(garps.length >= 2 && garps.every((g) => g.from === MAC[owner]), JSON.stringify(garps.map((g) => g.from)));
    assert.equal(stop(), 0);
  });

  it('stop() hands over at once: the peer answers long before the Lease would expire', async () => {
    const { leases, wire, a, b, owner } = pair();
    for (const s of [a, b]) {
      s.start();
      s.setTargets(targets([IP], ['a', 'b']));
    }
    const [ownerS, other] = owner === 'a' ? [a, b] : [b, a];
    await until(() => ownerS.answering.includes(IP), 3000, 'owner answering');
    const stop = watchOverlap([a, b], IP);
    const t0 = performance.now();
    await ownerS.stop();
    assert.equal(leases.leases.has(owner), false, 'Lease deleted');
    await until(() => other.answering.includes(IP), 3000, 'peer takes over');
    const took = performance.now() - t0;
    assert.ok(took < TIMING.leaseDurationMs, `handover took ${took} ms, not faster than a lease expiry`);
    const before = wire.log.length;
    wire.deliver(wire.link('eth0', MAC.client), arpRequest(IP));
    assert.deepEqual(repliers(wire, IP, before), [owner === 'a' ? MAC.b : MAC.a]);
    assert.equal(stop(), 0);
  });

  it('an owner cut off from the API fences itself before the peer takes over; no overlap, ever', async () => {
    const { leases, a, b, owner } = pair();
    for (const s of [a, b]) {
      s.start();
      s.setTargets(targets([IP], ['a', 'b']));
    }
    const [ownerS, other] = owner === 'a' ? [a, b] : [b, a];
    await until(() => ownerS.answering.includes(IP), 3000, 'owner answering');
    const stop = watchOverlap([a, b], IP);
    leases.down.add(owner);
    await until(() => other.answering.includes(IP), 5000, 'peer takes over');
    assert.equal(ownerS.machine.mayAnswer(IP, performance.now()), false);
    // the API comes back: the old owner (ranked first) gets the IP back through release-before-take
    leases.down.delete(owner);
    await until(() => ownerS.answering.includes(IP) && !other.answering.includes(IP), 5000, 'owner back');
    assert.equal(stop(), 0);
  });

  it('two IPs with different rankings land on different replicas; eligibility moves ownership', async () => {
    const { a, b } = pair();
    const ips = ['10.99.0.200', '10.99.0.201', '10.99.0.202', '10.99.0.203', '10.99.0.204'];
    const ia = ips.find((ip) => rankNodes(ip, ['a', 'b'])[0] === 'a')!;
    const ib = ips.find((ip) => rankNodes(ip, ['a', 'b'])[0] === 'b')!;
    for (const s of [a, b]) {
      s.start();
      s.setTargets(targets([ia, ib], ['a', 'b']));
    }
    await until(() => a.answering.includes(ia) && b.answering.includes(ib), 3000, 'spread');
    // eTP=Local endpoint moves: only b is eligible for ia
    for (const s of [a, b]) s.setTargets(new Map([...targets([ia], ['b']), ...targets([ib], ['a', 'b'])]));
    await until(() => b.answering.includes(ia) && !a.answering.includes(ia), 3000, 'ia moves to b');
  });

  it('a foreign answer for an owned IP is a conflict; a known replica right after a takeover is not', async () => {
    const conflicts: string[] = [];
    const { leases, wire, a, b, owner } = pair({ onConflict: (_t, c) => conflicts.push(`${c.ip} ${c.mac} ${c.kind}`) });
    for (const s of [a, b]) {
      s.start();
      s.setTargets(targets([IP], ['a', 'b']));
    }
    const ownerS = owner === 'a' ? a : b;
    const otherMac = owner === 'a' ? MAC.b : MAC.a;
    await until(() => ownerS.answering.includes(IP), 3000, 'owner answering');
    const reply = (mac: string): Buffer => {
      const m = parseMac(mac)!;
      return buildArp({ ethDst: parseMac(MAC[owner])!, ethSrc: m, op: ARP_REPLY, senderMac: m, senderIp: parseIPv4(IP)!, targetMac: parseMac(MAC[owner])!, targetIp: new Uint8Array(4) });
    };
    const otherNode = owner === 'a' ? 'b' : 'a';
    await until(() => (leases.leases.get(otherNode)?.macs ?? []).includes(otherMac), 3000, 'peer MAC in its Lease');
    wire.deliver(wire.link('eth0', otherMac), reply(otherMac)); // a known replica, inside the handover window
    assert.deepEqual(conflicts, []);
    wire.deliver(wire.link('eth0', MAC.stranger), reply(MAC.stranger));
    assert.deepEqual(conflicts, [`${IP} ${MAC.stranger} arp-reply`]);
    wire.deliver(wire.link('eth0', MAC.stranger), reply(MAC.stranger)); // repeated: reported once
    assert.equal(conflicts.length, 1);
    // active probing sends an ARP probe (sender 0.0.0.0) from the owner
    const before = wire.log.length;
    ownerS.probe();
    const probe = wire.log.slice(before).map((e) => parseArp(e.frame)).find((p) => p.ok && p.value.arp.op === ARP_REQUEST);
    assert.ok(probe?.ok && probe.value.arp.senderIp.join('.') === '0.0.0.0' && probe.value.arp.targetIp.join('.') === IP);
  });
});
