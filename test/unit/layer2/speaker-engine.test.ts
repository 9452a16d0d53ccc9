import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { BROADCAST_MAC, formatMac, parseMac, ZERO_MAC } from '../../../src/layer2/addr.ts';
import { ipv4Bytes } from '../../../src/net/ip.ts';
import { ARP_REPLY, ARP_REQUEST, buildArp, parseArp } from '../../../src/layer2/arp.ts';
import { rankNodes } from '../../../src/layer2/ownership/ranking.ts';
import type { OwnershipMachine } from '../../../src/layer2/ownership/machine.ts';
import type { Layer2Speaker } from '../../../src/layer2/speaker/speaker.ts';
import { makeSpeaker, MemoryLeases, Sim, targets, TIMING, Wire } from './speaker-harness.ts';

const MAC = {
  a: '02:00:00:00:00:0a',
  b: '02:00:00:00:00:0b',
  client: '02:00:00:00:00:cc',
  stranger: '02:00:00:00:00:ee',
};
const IP = '10.99.0.200';

function arpRequest(ip: string): Buffer {
  const mac = parseMac(MAC.client)!;
  return buildArp({
    ethDst: BROADCAST_MAC,
    ethSrc: mac,
    op: ARP_REQUEST,
    senderMac: mac,
    senderIp: ipv4Bytes('10.99.0.9')!,
    targetMac: ZERO_MAC,
    targetIp: ipv4Bytes(ip)!,
  });
}

/** MACs that sent ARP replies for ip since index `from` of the wire log. */
function repliers(wire: Wire, ip: string, from = 0): string[] {
  const out = new Set<string>();
  for (const e of wire.log.slice(from)) {
    const p = parseArp(e.frame);
    if (
      p.ok &&
      p.value.arp.op === ARP_REPLY &&
      formatMac(p.value.arp.senderMac) === e.from &&
      p.value.arp.senderIp.join('.') === ip
    )
      out.add(e.from);
  }
  return [...out];
}

/** Checks at every instant of the test's clock whether more than one speaker may answer ip; stop() → violations. */
function watchOverlap(sim: Sim, fences: OwnershipMachine[], ip: string): () => number {
  let violations = 0;
  const unwatch = sim.each(() => {
    const now = sim.clock.monotonic();
    if (fences.filter((f) => f.mayAnswer(ip, now)).length > 1) violations++;
  });
  return () => {
    unwatch();
    return violations;
  };
}

describe('Layer2Speaker over in-memory Leases and links', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  function pair(extra: Parameters<typeof makeSpeaker>[5] = {}): {
    sim: Sim;
    leases: MemoryLeases;
    wire: Wire;
    a: Layer2Speaker;
    b: Layer2Speaker;
    owner: 'a' | 'b';
    /** Each speaker's ownership machine: its fence, read from outside. */
    fence: (s: Layer2Speaker) => OwnershipMachine;
  } {
    const sim = new Sim();
    const leases = new MemoryLeases(sim.clock);
    const wire = new Wire();
    const a = makeSpeaker(sim.clock, leases, wire, 'a', MAC.a, extra);
    const b = makeSpeaker(sim.clock, leases, wire, 'b', MAC.b, extra);
    cleanups.push(async () => {
      a.unwatch();
      b.unwatch();
      await sim.finish(a.speaker.stop());
      await sim.finish(b.speaker.stop());
    });
    const owner = rankNodes(IP, ['a', 'b'])[0] as 'a' | 'b';
    const fence = (s: Layer2Speaker): OwnershipMachine => (s === a.speaker ? a.ownership : b.ownership);
    return { sim, leases, wire, a: a.speaker, b: b.speaker, owner, fence };
  }

  it('exactly the ranked replica answers, with its own MAC, after a gratuitous burst', async () => {
    const { sim, wire, a, b, owner, fence } = pair();
    for (const s of [a, b]) {
      s.start();
      s.setTargets(targets([IP], ['a', 'b']));
    }
    const stop = watchOverlap(sim, [fence(a), fence(b)], IP);
    const ownerS = owner === 'a' ? a : b;
    await sim.until(() => ownerS.answering.includes(IP), 3000, 'owner answering');
    await sim.run(200);
    const before = wire.log.length;
    wire.deliver(wire.link('eth0', MAC.client), arpRequest(IP));
    assert.deepEqual(repliers(wire, IP, before), [MAC[owner]]);
    // the takeover burst went out from the owner only
    const garps = wire.log.filter((e) => {
      const p = parseArp(e.frame);
      return p.ok && p.value.arp.targetIp.join('.') === IP && p.value.arp.senderIp.join('.') === IP;
    });
    assert.ok(
      garps.length >= 2 && garps.every((g) => g.from === MAC[owner]),
      JSON.stringify(garps.map((g) => g.from)),
    );
    assert.equal(stop(), 0);
  });

  it('stop() hands over at once: the peer answers long before the Lease would expire', async () => {
    const { sim, leases, wire, a, b, owner, fence } = pair();
    for (const s of [a, b]) {
      s.start();
      s.setTargets(targets([IP], ['a', 'b']));
    }
    const [ownerS, other] = owner === 'a' ? [a, b] : [b, a];
    await sim.until(() => ownerS.answering.includes(IP), 3000, 'owner answering');
    const stop = watchOverlap(sim, [fence(a), fence(b)], IP);
    const t0 = sim.clock.monotonic();
    await sim.finish(ownerS.stop());
    assert.equal(leases.leases.has(owner), false, 'Lease deleted');
    await sim.until(() => other.answering.includes(IP), 3000, 'peer takes over');
    const took = sim.clock.monotonic() - t0;
    assert.ok(took < TIMING.leaseDurationMs, `handover took ${took} ms, not faster than a lease expiry`);
    const before = wire.log.length;
    wire.deliver(wire.link('eth0', MAC.client), arpRequest(IP));
    assert.deepEqual(repliers(wire, IP, before), [owner === 'a' ? MAC.b : MAC.a]);
    assert.equal(stop(), 0);
  });

  it('an owner cut off from the API fences itself before the peer takes over; no overlap, ever', async () => {
    const { sim, leases, a, b, owner, fence } = pair();
    for (const s of [a, b]) {
      s.start();
      s.setTargets(targets([IP], ['a', 'b']));
    }
    const [ownerS, other] = owner === 'a' ? [a, b] : [b, a];
    await sim.until(() => ownerS.answering.includes(IP), 3000, 'owner answering');
    const stop = watchOverlap(sim, [fence(a), fence(b)], IP);
    leases.down.add(owner);
    await sim.until(() => other.answering.includes(IP), 5000, 'peer takes over');
    assert.equal(fence(ownerS).mayAnswer(IP, sim.clock.monotonic()), false);
    // the API comes back: the old owner (ranked first) gets the IP back through release-before-take
    leases.down.delete(owner);
    await sim.until(() => ownerS.answering.includes(IP) && !other.answering.includes(IP), 5000, 'owner back');
    assert.equal(stop(), 0);
  });

  it('two IPs with different rankings land on different replicas; eligibility moves ownership', async () => {
    const { sim, a, b } = pair();
    const ips = ['10.99.0.200', '10.99.0.201', '10.99.0.202', '10.99.0.203', '10.99.0.204'];
    const ia = ips.find((ip) => rankNodes(ip, ['a', 'b'])[0] === 'a')!;
    const ib = ips.find((ip) => rankNodes(ip, ['a', 'b'])[0] === 'b')!;
    for (const s of [a, b]) {
      s.start();
      s.setTargets(targets([ia, ib], ['a', 'b']));
    }
    await sim.until(() => a.answering.includes(ia) && b.answering.includes(ib), 3000, 'spread');
    // eTP=Local endpoint moves: only b is eligible for ia
    for (const s of [a, b]) s.setTargets(new Map([...targets([ia], ['b']), ...targets([ib], ['a', 'b'])]));
    await sim.until(() => b.answering.includes(ia) && !a.answering.includes(ia), 3000, 'ia moves to b');
  });

  /** A host on the wire holding `ip` in its kernel: answers every ARP request for it (probes too). */
  function kernelHost(
    wire: Wire,
    mac: string,
    ip: string,
  ): { link: ReturnType<Wire['link']>; gone: () => void } {
    const link = wire.link('eth0', mac);
    const m = parseMac(mac)!;
    link.onFrame((f) => {
      const p = parseArp(f);
      if (!p.ok || p.value.arp.op !== ARP_REQUEST || p.value.arp.targetIp.join('.') !== ip) return;
      const req = p.value.arp;
      // as a kernel does: after the frame, not inside the sender's send()
      setImmediate(() =>
        link.send(
          buildArp({
            ethDst: req.senderMac,
            ethSrc: m,
            op: ARP_REPLY,
            senderMac: m,
            senderIp: req.targetIp,
            targetMac: req.senderMac,
            targetIp: req.senderIp,
          }),
        ),
      );
    });
    link.start();
    return { link, gone: () => link.close() };
  }

  it('a host already holding the IP answers the probe: never answered, refused with its MAC, answered once it is gone', async () => {
    const refusals: string[] = [];
    const resolved: string[] = [];
    const { sim, wire, a, b, owner } = pair({
      onRefused: (_t, r) => refusals.push(`${r.ip} ${r.cause} ${r.mac ?? ''} ${r.kind ?? ''}`),
      onResolved: (_t, ip) => resolved.push(ip),
    });
    const host = kernelHost(wire, MAC.stranger, IP);
    for (const s of [a, b]) {
      s.start();
      s.setTargets(targets([IP], ['a', 'b']));
    }
    const ownerS = owner === 'a' ? a : b;
    await sim.until(() => ownerS.refusals().has(IP), 3000, 'refused');
    assert.deepEqual(refusals.slice(0, 1), [`${IP} conflict ${MAC.stranger} arp-reply`]);
    assert.deepEqual(ownerS.answering, []);
    assert.ok(
      ownerS.permitted.includes(IP),
      'still held (claimed) by the ranked owner, so no other replica tries',
    );
    // re-probes with backoff keep meeting the host: still refused, never a reply or gratuitous frame from a replica
    const probes = (): number =>
      wire.log
        .filter((e) => e.from === MAC[owner])
        .map((e) => parseArp(e.frame))
        .filter((p) => p.ok && p.value.arp.op === ARP_REQUEST && p.value.arp.senderIp.join('.') === '0.0.0.0')
        .length;
    await sim.until(() => probes() >= 3, 5000, 'two re-probes');
    assert.ok(ownerS.refusals().has(IP));
    const claimedByReplica = wire.log
      .filter((e) => e.from !== MAC.stranger && e.from !== MAC.client)
      .map((e) => parseArp(e.frame))
      .filter((p) => p.ok && p.value.arp.senderIp.join('.') === IP);
    assert.deepEqual(
      claimedByReplica.map(
        (p) =>
          p.ok && `${p.value.arp.op} ${formatMac(p.value.arp.senderMac)} ${p.value.arp.targetIp.join('.')}`,
      ),
      [],
      'a replica sent a frame claiming the IP',
    );
    // the host leaves: the next re-probe meets nobody and the owner answers
    host.gone();
    await sim.until(() => ownerS.answering.includes(IP), 3000, 'answered after the host left');
    assert.deepEqual(resolved, [IP]);
    assert.equal(ownerS.refusals().size, 0);
    const before = wire.log.length;
    wire.deliver(wire.link('eth0', MAC.client), arpRequest(IP));
    assert.deepEqual(repliers(wire, IP, before), [MAC[owner]]);
  });

  it("a stranger claiming an answered IP later: answering stops at once; the old owner's late answers after a hand-over are not conflicts", async () => {
    const refusals: string[] = [];
    const { sim, wire, a, b, owner, fence } = pair({
      onRefused: (_t, r) => refusals.push(`${r.ip} ${r.mac ?? ''} ${r.kind ?? ''}`),
    });
    for (const s of [a, b]) {
      s.start();
      s.setTargets(targets([IP], ['a', 'b']));
    }
    const [ownerS, other] = owner === 'a' ? [a, b] : [b, a];
    const otherMac = owner === 'a' ? MAC.b : MAC.a;
    await sim.until(() => ownerS.answering.includes(IP), 3000, 'owner answering');
    await sim.finish(ownerS.stop()); // hand-over
    await sim.until(() => other.answering.includes(IP), 3000, 'peer takes over');
    const reply = (mac: string, to: string): Buffer => {
      const m = parseMac(mac)!;
      return buildArp({
        ethDst: parseMac(to)!,
        ethSrc: m,
        op: ARP_REPLY,
        senderMac: m,
        senderIp: ipv4Bytes(IP)!,
        targetMac: parseMac(to)!,
        targetIp: ipv4Bytes('10.99.0.9')!,
      });
    };
    wire.deliver(wire.link('eth0', MAC[owner]), reply(MAC[owner], MAC.client)); // the old owner's answer, crossing
    await sim.run(20);
    assert.deepEqual(refusals, []);
    assert.ok(other.answering.includes(IP));
    wire.deliver(wire.link('eth0', MAC.stranger), reply(MAC.stranger, MAC.client));
    assert.equal(
      fence(other).mayAnswer(IP, sim.clock.monotonic()) && other.answering.includes(IP),
      false,
      'still answering right after the claim',
    );
    const before = wire.log.length;
    wire.deliver(wire.link('eth0', MAC.client), arpRequest(IP));
    assert.deepEqual(repliers(wire, IP, before), []);
    await sim.until(() => refusals.length > 0, 1000, 'refusal reported');
    assert.deepEqual(refusals, [`${IP} ${MAC.stranger} arp-reply`]);
    void otherMac;
  });

  it("a reserved address (a node's, a peer's, a gateway) is never probed nor answered; answered once no longer reserved", async () => {
    const refusals: string[] = [];
    const { sim, wire, a, b, owner } = pair({
      onRefused: (_t, r) => refusals.push(`${r.ip} ${r.cause} ${r.detail}`),
    });
    for (const s of [a, b]) {
      s.start();
      s.setReserved(new Map([[IP, 'it is the default gateway of node x (via eth0)']]));
      s.setTargets(targets([IP], ['a', 'b']));
    }
    const ownerS = owner === 'a' ? a : b;
    await sim.until(() => ownerS.refusals().has(IP), 3000, 'refused');
    assert.deepEqual(refusals, [`${IP} reserved it is the default gateway of node x (via eth0)`]);
    await sim.run(100);
    assert.equal(wire.log.length, 0, 'nothing sent for a reserved address');
    for (const s of [a, b]) s.setReserved(new Map());
    await sim.until(() => ownerS.answering.includes(IP), 3000, 'answered');
  });

  it('active probing sends an ARP probe (sender 0.0.0.0) for every answered IP', async () => {
    const { sim, wire, a, b, owner } = pair();
    for (const s of [a, b]) {
      s.start();
      s.setTargets(targets([IP], ['a', 'b']));
    }
    const ownerS = owner === 'a' ? a : b;
    await sim.until(() => ownerS.answering.includes(IP), 3000, 'owner answering');
    const before = wire.log.length;
    ownerS.probe();
    const probe = wire.log
      .slice(before)
      .map((e) => parseArp(e.frame))
      .find((p) => p.ok && p.value.arp.op === ARP_REQUEST);
    assert.ok(
      probe?.ok &&
        probe.value.arp.senderIp.join('.') === '0.0.0.0' &&
        probe.value.arp.targetIp.join('.') === IP,
    );
  });
});
