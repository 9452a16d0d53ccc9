import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { urlFor, waitFor, type Lab, type RouterKind } from '../lab/index.ts';
import { createService, getJson, upBgpLab } from './bgp-lab.ts';

// A Service in a bgp Eip: the router's kernel gets ONE route with both nodes as next hops (each
// replica announces itself), and HTTP from the client is answered by both nodes. BIRD and FRR.

const IP = '198.51.100.20';

for (const kind of ['bird', 'frr'] as RouterKind[]) {
  describe(`bgp ECMP with ${kind}`, () => {
    let lab: Lab;
    before(async () => {
      lab = await upBgpLab({ routers: [{ kind }] });
    });
    after(async () => {
      await lab?.down();
    });

    it('Service → one route with 2 next hops, HTTP answered by both nodes', async (t) => {
      const [n1, n2] = lab.nodes;
      assert.ok(n1 && n2);
      const t0 = performance.now();
      await createService(lab, { name: 'web', ip: IP });
      await lab.waitNextHops(IP, [n1.ipv4, n2.ipv4], 20_000);
      t.diagnostic(`${kind}: Service create → 2 next hops in ${(performance.now() - t0).toFixed(0)} ms`);
      const route = await lab.routerRoute(IP);
      assert.equal(route?.nextHops.length, 2);
      const seen = new Set<string>();
      await waitFor(
        async () => {
          const r = await lab.httpGet(urlFor(IP));
          if (r.node) seen.add(r.node);
          return seen.size === 2;
        },
        20_000,
        { what: 'answers from both nodes', intervalMs: 10 },
      );
      assert.deepEqual([...seen].sort(), ['node1', 'node2']);
    });

    it("IPv6 Service → one /128 with both nodes' IPv6 addresses as next hops (over the IPv4 sessions)", async () => {
      const ip6 = '2001:db8:100::20';
      await createService(lab, { name: 'web6', ip: ip6 });
      await lab.waitNextHops(
        ip6,
        lab.nodes.map((n) => n.ipv6),
        20_000,
      );
      const route = await lab.routerRoute(ip6);
      assert.match(route?.dst ?? '', /^2001:db8:100::20(\/128)?$/);
      const seen = new Set<string>();
      await waitFor(
        async () => {
          const r = await lab.httpGet(urlFor(ip6));
          if (r.node) seen.add(r.node);
          return seen.size === 2;
        },
        20_000,
        { what: 'IPv6 answers from both nodes', intervalMs: 10 },
      );
    });

    it('each replica writes its own node entry in BgpPeer and BgpConf status', async () => {
      type Peer = {
        status?: {
          nodesPeerStatus?: Record<
            string,
            { peerState?: { sessionState?: string }; advertisedPrefixes?: number }
          >;
        };
      };
      await waitFor(
        async () => {
          const p = await getJson<Peer>(lab, 'bgppeer', 'router1');
          const s = p.status?.nodesPeerStatus ?? {};
          return ['node1', 'node2'].every(
            (n) => s[n]?.peerState?.sessionState === 'ESTABLISHED' && (s[n]?.advertisedPrefixes ?? 0) >= 1,
          );
        },
        20_000,
        { what: 'BgpPeer status for both nodes', intervalMs: 200 },
      );
      type Conf = { status?: { nodesConfStatus?: Record<string, { routerId?: string; as?: number }> } };
      const c = await getJson<Conf>(lab, 'bgpconf', 'default');
      assert.equal(c.status?.nodesConfStatus?.node1?.routerId, lab.node(1).ipv4);
      assert.equal(c.status?.nodesConfStatus?.node2?.routerId, lab.node(2).ipv4);
      assert.equal(c.status?.nodesConfStatus?.node1?.as, 64600);
    });
  });
}
