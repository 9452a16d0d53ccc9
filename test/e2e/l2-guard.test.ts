import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { waitFor, type Frame, type Lab } from '../lab/index.ts';
import {
  apply,
  clientNeighbour,
  createService,
  expectedOwner,
  getJson,
  kubectlOk,
  L2_POOL4,
  l2Eip,
  metric,
  service,
  upL2Lab,
  waitAnsweredBy,
} from './l2-lab.ts';
import { waitEvent } from './bgp-lab.ts';

// A Layer 2 pool that covers addresses other hosts use must never take them over (the lab finding:
// a pool covering the LAN router's 10.99.0.1 moved the client's and the nodes' gateway entries to a
// replica). Real namespaces, the real addon, a real router namespace (BIRD, 10.99.0.1 / fd99::1),
// arping/ndisc6 in the client, tcpdump on the LAN bridge. Two manager replicas, pinned Layer 2 timings.

const NODES = ['node1', 'node2'];
const ROUTER4 = '10.99.0.1';
const ROUTER6 = 'fd99::1';

interface Cond {
  type: string;
  status: string;
  reason: string;
  message: string;
}
type EipJson = { status?: { conditions?: Cond[] } };

async function conflictCondition(lab: Lab, eip: string): Promise<Cond | undefined> {
  return (await getJson<EipJson>(lab, 'eip', eip)).status?.conditions?.find(
    (c) => c.type === 'Layer2Conflict',
  );
}

async function waitCondition(
  lab: Lab,
  eip: string,
  test: (c: Cond | undefined) => boolean,
  what: string,
): Promise<Cond> {
  let last: Cond | undefined;
  try {
    return await waitFor(
      async () => {
        last = await conflictCondition(lab, eip);
        if (last === undefined || !test(last)) throw new Error(JSON.stringify(last));
        return last;
      },
      30_000,
      { what, intervalMs: 200 },
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}; condition: ${JSON.stringify(last)}`);
  }
}

/** A Service on `ip` from `pool`, allocated; unlike createService, no node's kernel is told the IP is local. */
async function bareService(lab: Lab, name: string, ip: string, pool: string): Promise<void> {
  await apply(lab, service({ name, ip, pool }));
  await waitFor(
    async () => {
      const s = await getJson<{ status?: { loadBalancer?: { ingress?: { ip?: string }[] } } }>(
        lab,
        'service',
        name,
        'demo',
      );
      return (s.status?.loadBalancer?.ingress ?? []).some((i) => i.ip === ip);
    },
    30_000,
    { what: `allocation of ${ip}`, intervalMs: 100 },
  );
}

/** Frames in which `macs` claim `ip`: ARP with it as sender address, NA with it as target. */
function claimsBy(frames: Frame[], ip: string, macs: string[]): Frame[] {
  return frames.filter((f) => {
    if (!macs.includes(f.src)) return false;
    if (f.arp !== undefined) return f.arp.spa === ip;
    const i = f.ipv6?.icmp6;
    return i?.type === 136 && i.target === ip;
  });
}

describe('Layer 2 never takes an address another host holds', { timeout: 300_000 }, () => {
  let lab: Lab;
  const mac: Record<string, string> = {};
  before(async () => {
    lab = await upL2Lab({ routers: [{ kind: 'bird', passive: true }] });
    for (const r of ['node1', 'node2', 'r1', 'c']) mac[r] = await lab.mac(r);
  });
  after(async () => {
    await lab?.down();
  });

  it("a pool covering the router's address: never answered by a replica (tcpdump), refused with the router's MAC in the condition and Events", async () => {
    const nodeMacs = [mac.node1!, mac.node2!];
    const owner4 = expectedOwner(ROUTER4, NODES);
    const owner6 = expectedOwner(ROUTER6, NODES);
    // the client talks to its gateway: it holds a neighbour entry for it, as in the lab finding
    await lab.execOk('c', ['ping', '-c', '1', '-W', '2', ROUTER4]);
    await lab.execOk('c', ['ping', '-6', '-c', '1', '-W', '2', ROUTER6]);
    assert.equal(await clientNeighbour(lab, ROUTER4), mac.r1);
    const cap = await lab.capture('sw', 'arp or icmp6');
    let frames: Frame[] = [];
    try {
      await apply(lab, l2Eip({ name: 'gw4', address: ROUTER4 }), l2Eip({ name: 'gw6', address: ROUTER6 }));
      await bareService(lab, 'gw4', ROUTER4, 'gw4');
      await bareService(lab, 'gw6', ROUTER6, 'gw6');

      const c4 = await waitCondition(lab, 'gw4', (c) => c?.status === 'True', 'Layer2Conflict on Eip gw4');
      assert.equal(c4.reason, 'AddressRefused');
      assert.match(
        c4.message ?? '',
        new RegExp(
          `^${ROUTER4.replaceAll('.', '\\.')} refused by node ${owner4}: MAC ${mac.r1} answers for it \\(arp-reply\\)$`,
        ),
      );
      const c6 = await waitCondition(lab, 'gw6', (c) => c?.status === 'True', 'Layer2Conflict on Eip gw6');
      assert.match(
        c6.message ?? '',
        new RegExp(`^${ROUTER6} refused by node ${owner6}: MAC ${mac.r1} answers for it \\(na\\)$`),
      );
      assert.match(
        await waitEvent(lab, 'Layer2Conflict', 'gw4', 'demo'),
        new RegExp(`node ${owner4} refuses ${ROUTER4}.*MAC ${mac.r1}`),
      );
      assert.match(await waitEvent(lab, 'Layer2Conflict', 'gw6', 'demo'), new RegExp(`MAC ${mac.r1}`));
      assert.match(
        await waitEvent(lab, 'Layer2Conflict', 'gw4', 'default'),
        new RegExp(`MAC ${mac.r1}`),
        'Event on the Eip',
      );

      // the owners keep re-probing (backoff) and keep meeting the router; the client keeps asking
      await waitFor(
        async () => (await metric(lab, owner4, 'openelb_layer2_acquire_probes_total')) >= 4,
        30_000,
        { what: 're-probes', intervalMs: 250 },
      );
      const a = await lab.arping(ROUTER4, { count: 3 });
      assert.deepEqual(a.macs, [mac.r1], a.raw);
      const n = await lab.ndisc6(ROUTER6, { tries: 2, waitMs: 500 });
      assert.equal(n.mac, mac.r1, n.raw);
      assert.ok((await metric(lab, owner4, 'openelb_layer2_refusals_total')) >= 1);
      assert.ok((await metric(lab, owner4, 'openelb_layer2_conflicts_total')) >= 1);
    } finally {
      frames = await cap.stop();
    }
    // on the wire: no replica ever claimed the router's addresses …
    assert.deepEqual(
      claimsBy(frames, ROUTER4, nodeMacs).map((f) => JSON.stringify(f.arp)),
      [],
      'a replica answered or announced 10.99.0.1',
    );
    assert.deepEqual(
      claimsBy(frames, ROUTER6, nodeMacs).map((f) => JSON.stringify(f.ipv6)),
      [],
      'a replica answered or announced fd99::1',
    );
    // … it probed for them (ARP probe from 0.0.0.0, DAD from ::), and the router answered the probes
    const arpProbes = frames.filter(
      (f) => f.arp?.op === 1 && f.arp.spa === '0.0.0.0' && f.arp.tpa === ROUTER4 && f.arp.sha === mac[owner4],
    );
    assert.ok(arpProbes.length >= 2, `${arpProbes.length} ARP probes from ${owner4}`);
    assert.ok(
      frames.some(
        (f) => f.arp?.op === 2 && f.arp.spa === ROUTER4 && f.arp.sha === mac.r1 && f.arp.tpa === '0.0.0.0',
      ),
      'router answered an ARP probe',
    );
    const dad = frames.filter(
      (f) =>
        f.src === mac[owner6] &&
        f.ipv6?.src === '::' &&
        f.ipv6.icmp6?.type === 135 &&
        f.ipv6.icmp6.target === ROUTER6,
    );
    assert.ok(dad.length >= 2, `${dad.length} DAD probes from ${owner6}`);
    assert.ok(
      frames.some((f) => f.src === mac.r1 && f.ipv6?.icmp6?.type === 136 && f.ipv6.icmp6.target === ROUTER6),
      'router answered DAD',
    );
    // the client's gateway entries never moved
    assert.equal(await clientNeighbour(lab, ROUTER4), mac.r1);
    assert.equal(await clientNeighbour(lab, ROUTER6), mac.r1);
  });

  it("reserved addresses — a BgpPeer's neighbour, the nodes' default gateway — are never probed nor answered; answered once no longer reserved", async () => {
    const peerIp = '10.99.0.240';
    const gwIp = '10.99.0.241';
    const cap = await lab.capture('sw', 'arp');
    let frames: Frame[] = [];
    try {
      await apply(lab, {
        apiVersion: 'network.kubesphere.io/v1alpha2',
        kind: 'BgpPeer',
        metadata: { name: 'tor' },
        spec: { conf: { neighborAddress: peerIp, peerAs: 64512 } },
      });
      for (const n of lab.nodes) await lab.execOk(n.role, ['ip', 'route', 'add', 'default', 'via', gwIp]);
      await createService(lab, { name: 'peer', ip: peerIp, pool: L2_POOL4.name });
      await createService(lab, { name: 'gw', ip: gwIp, pool: L2_POOL4.name });
      const ownerPeer = expectedOwner(peerIp, NODES);
      const ownerGw = expectedOwner(gwIp, NODES);
      const both = await waitCondition(
        lab,
        L2_POOL4.name,
        (c) => c?.status === 'True' && c.message.includes(peerIp) && c.message.includes(gwIp),
        'both refusals in the pool condition',
      );
      assert.match(
        both.message ?? '',
        new RegExp(
          `${peerIp.replaceAll('.', '\\.')} refused by node ${ownerPeer}: it is the neighborAddress of BgpPeer tor`,
        ),
      );
      assert.match(
        both.message ?? '',
        new RegExp(
          `${gwIp.replaceAll('.', '\\.')} refused by node ${ownerGw}: it is the default gateway of node ${ownerGw}`,
        ),
      );
      assert.match(await waitEvent(lab, 'Layer2Conflict', 'peer', 'demo'), /neighborAddress of BgpPeer tor/);
      for (const ip of [peerIp, gwIp]) {
        const r = await lab.arping(ip, { count: 2 });
        assert.deepEqual(r.macs, [], `${ip} answered: ${r.raw}`);
      }
      // the nodes' default route goes away: the gateway address is probed and answered (the manager
      // re-reads routes at least every 10 s); the peer's stays refused
      for (const n of lab.nodes) await lab.execOk(n.role, ['ip', 'route', 'del', 'default', 'via', gwIp]);
      await waitAnsweredBy(lab, gwIp, mac[ownerGw]!, 30_000);
      await waitCondition(
        lab,
        L2_POOL4.name,
        (c) => c?.status === 'True' && c.message.includes(peerIp) && !c.message.includes(gwIp),
        'gateway entry gone',
      );
      await waitEvent(lab, 'Layer2ConflictResolved', 'gw', 'demo');
    } finally {
      frames = await cap.stop();
    }
    assert.deepEqual(
      claimsBy(frames, peerIp, [mac.node1!, mac.node2!]).map((f) => JSON.stringify(f.arp)),
      [],
    );
    assert.equal(
      frames.filter((f) => f.arp?.tpa === peerIp && f.arp.spa === '0.0.0.0').length,
      0,
      'a reserved address is not even probed',
    );
    assert.ok(
      frames.some((f) => f.arp?.tpa === gwIp && f.arp.spa === '0.0.0.0'),
      'the former gateway address was probed before its first answer',
    );
  });

  it('a host that takes an answered address later: answering stops, the Event names it; answered again once it is gone', async () => {
    const ip = '10.99.0.242';
    const owner = expectedOwner(ip, NODES);
    await createService(lab, { name: 'later', ip, pool: L2_POOL4.name });
    await waitAnsweredBy(lab, ip, mac[owner]!);
    await kubectlOk(lab, ['get', 'svc', '-n', 'demo', 'later']);
    // the router's kernel now holds the address too and announces it (as `ip addr add` + arping -U would)
    await lab.execOk('r1', ['ip', 'addr', 'add', `${ip}/32`, 'dev', lab.host('r1').ifname]);
    try {
      await lab.execOk('r1', ['arping', '-U', '-c', '1', '-I', lab.host('r1').ifname, ip]);
      assert.match(await waitEvent(lab, 'Layer2Conflict', 'later', 'demo'), new RegExp(`MAC ${mac.r1}`));
      await waitAnsweredBy(lab, ip, mac.r1!, 20_000);
      const r = await lab.arping(ip, { count: 3 });
      assert.deepEqual(r.macs, [mac.r1], r.raw);
    } finally {
      await lab.execOk('r1', ['ip', 'addr', 'del', `${ip}/32`, 'dev', lab.host('r1').ifname]);
    }
    await waitAnsweredBy(lab, ip, mac[owner]!, 90_000);
    await waitEvent(lab, 'Layer2ConflictResolved', 'later', 'demo');
  });
});
