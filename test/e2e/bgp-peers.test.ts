import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sleep, waitFor, type Lab } from '../lab/index.ts';
import { apply, configuredHoldTime, createService, peerFor, sessionsOf, upBgpLab } from './bgp-lab.ts';

// Two routers in different ASes (64512, 64513), both peered with both nodes. Router 1 originates a
// prefix towards the nodes: it must never reach router 2 through a node (no transit). Editing one
// BgpPeer's timers must not disturb any session (timers are stored for the next session).

const IP = '198.51.100.50';
const FOREIGN = '203.0.113.0/24';

describe('bgp peers: two routers, two ASes', () => {
  let lab: Lab;
  before(async () => {
    lab = await upBgpLab({
      routers: [{ kind: 'bird' }, { kind: 'bird' }],
      extras: { routerAnnounce: { 1: [FOREIGN] } },
    });
    await createService(lab, { name: 'web', ip: IP });
  });
  after(async () => {
    await lab?.down();
  });

  it('both routers get the Service route with both next hops; nothing from router 1 reaches router 2', async () => {
    const both = lab.nodes.map((n) => n.ipv4);
    await lab.waitNextHops(IP, both, 20_000, 1);
    await lab.waitNextHops(IP, both, 20_000, 2);
    // router 1 does send its prefix to the nodes …
    const sent = await lab.router(1).cli('show route export n1');
    assert.match(sent, /203\.0\.113\.0\/24/, 'router 1 exports its prefix to node1 (protocol n1)');
    await sleep(2000);
    // … and no node passes it on
    const rib = await lab
      .router(2)
      .rib(FOREIGN)
      .catch((err: unknown) => {
        if (/Network not found/.test(String(err))) return [];
        throw err;
      });
    assert.deepEqual(rib, [], 'router 2 learned nothing from router 1');
    assert.deepEqual(await lab.routerNextHops('203.0.113.1', 2), []);
  });

  it('a BgpPeer timer edit resets no session (its own takes the timers at its next start)', async () => {
    const before = new Map(
      await Promise.all(lab.nodes.map(async (n) => [n.name, await sessionsOf(lab, n.name)] as const)),
    );
    for (const s of before.values()) for (const v of s.values()) assert.equal(v.state, 'ESTABLISHED');
    await apply(lab, peerFor(lab, 1, { timers: { config: { holdTime: '12', keepaliveInterval: '4' } } }));
    for (const n of lab.nodes)
      await waitFor(
        async () => (await configuredHoldTime(lab, n.name, lab.router(1).plan.ipv4)) === 12,
        20_000,
        { what: `hold 12 on ${n.name}`, intervalMs: 100 },
      );
    await sleep(1000);
    for (const n of lab.nodes) {
      const now = await sessionsOf(lab, n.name);
      for (const [addr, was] of before.get(n.name) ?? []) {
        const cur = now.get(addr);
        assert.equal(cur?.state, 'ESTABLISHED', `${n.name} → ${addr}`);
        assert.equal(cur?.since, was.since, `${n.name} → ${addr} kept its uptime`);
        assert.equal(cur?.flops, was.flops, `${n.name} → ${addr} never went down`);
      }
    }
  });
});
