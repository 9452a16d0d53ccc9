import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Lab } from './lab.ts';
import type { RouterKind } from './topology.ts';
import { waitFor } from './wait.ts';

// gobgpd in every node reaches Established with each router kind; a path added straight into gobgpd
// over gRPC lands in the router's kernel with the right next hop; the same prefix from two nodes
// gives one route with two next hops (ECMP) — IPv4 and IPv6.

const V4 = '198.51.100.10';
const V6 = '2001:db8:100::10';

for (const kind of ['bird', 'frr'] as RouterKind[]) {
  describe(`lab BGP with ${kind}`, () => {
    let lab: Lab;
    after(async () => {
      await lab?.down();
    });

    it('two gobgpd nodes reach Established', async (t) => {
      lab = await Lab.up({ nodes: 2, routers: [{ kind }] });
      t.diagnostic(
        `${kind}: lab up with sessions Established in ${lab.timings.establishedMs?.toFixed(0)} ms (namespaces ready at ${lab.timings.netnsMs.toFixed(0)} ms)`,
      );
      const [r] = await lab.sessions();
      assert.ok(r);
      assert.deepEqual(r.sessions.map((s) => [s.node, s.established]).sort(), [
        ['node1', true],
        ['node2', true],
      ]);
      for (const n of lab.nodes) {
        const peers = await (await lab.gobgp(n.name)).listPeers();
        assert.deepEqual(
          peers.map((p) => [p.address, p.state]),
          [[lab.router().plan.ipv4, 'ESTABLISHED']],
        );
      }
    });

    it('a path added over gRPC appears in the router kernel with its next hop', async () => {
      const n1 = lab.node(1);
      await (await lab.gobgp(1)).addPath(`${V4}/32`, n1.ipv4);
      await lab.waitNextHops(V4, [n1.ipv4]);
      const rib = await lab.router().rib(V4);
      assert.deepEqual(
        rib.map((p) => [p.nextHop, p.from]),
        [[n1.ipv4, n1.ipv4]],
      );
      await (await lab.gobgp(1)).addPath(`${V6}/128`, n1.ipv6);
      await lab.waitNextHops(V6, [n1.ipv6]);
    });

    it('two nodes announcing one prefix give one route with two next hops', async () => {
      const [n1, n2] = [lab.node(1), lab.node(2)];
      await lab.announce(2, `${V4}/32`);
      await lab.announce(2, `${V6}/128`);
      await lab.waitNextHops(V4, [n1.ipv4, n2.ipv4]);
      await lab.waitNextHops(V6, [n1.ipv6, n2.ipv6]);
      const route = await lab.routerRoute(V4);
      assert.equal(route?.nextHops.length, 2);
      assert.deepEqual(route?.devs, [lab.router().plan.ifname, lab.router().plan.ifname]);
      // and back to one next hop on withdrawal
      await lab.withdraw(1, `${V4}/32`);
      await lab.waitNextHops(V4, [n2.ipv4]);
    });

    it('the client reaches the Service IP through the router', async () => {
      await lab.serveVip(2, V4);
      const r = await lab.httpGet(`http://${V4}/`);
      assert.equal(r.ok, true, JSON.stringify(r));
      assert.equal(r.node, 'node2');
    });
  });
}

describe('lab BGP with two routers: iBGP BIRD and eBGP FRR in another AS', () => {
  let lab: Lab;
  after(async () => {
    await lab?.down();
  });

  it('both routers peer with both nodes and both install ECMP', async (t) => {
    lab = await Lab.up(
      {
        nodes: 2,
        nodeAsn: 64600,
        routers: [
          { kind: 'bird', asn: 64600 },
          { kind: 'frr', asn: 64700 },
        ],
      },
      { routerAnnounce: { 2: ['203.0.113.0/24'] } },
    );
    t.diagnostic(`two routers: Established in ${lab.timings.establishedMs?.toFixed(0)} ms`);
    for (const n of lab.nodes) await lab.announce(n.name, `${V4}/32`);
    const hops = lab.nodes.map((n) => n.ipv4);
    await lab.waitNextHops(V4, hops, 10_000, 1);
    await lab.waitNextHops(V4, hops, 10_000, 2);
    // a router's own prefix reaches the nodes (routers export only what they originate; what gobgpd
    // does with it — e.g. pass it on to the other router — is the product's policy, tested in test/bgp)
    await waitFor(
      async () => (await (await lab.gobgp(1)).listPaths('v4')).some((p) => p.prefix === '203.0.113.0/24'),
      10_000,
      {
        what: 'FRR announcement 203.0.113.0/24 in node1',
      },
    );
  });
});
