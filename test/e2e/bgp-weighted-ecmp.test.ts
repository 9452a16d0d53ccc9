import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { waitFor, type Lab } from '../lab/index.ts';
import type { KernelRoute } from '../lab/fib.ts';
import {
  apply,
  createService,
  eip,
  endpointSlice,
  kubectlOk,
  POOL4,
  POOL6,
  sampler,
  upBgpLab,
  waitEvent,
} from './bgp-lab.ts';

// Weighted ECMP (Eip spec.bgp.weightedEcmp, Service annotation bgp.openelb.kubesphere.io/weighted-ecmp):
// each replica attaches the RFC 10005 link bandwidth of its node's endpoints to the Service's route.
// FRR (router1) turns it into kernel next-hop weights; BIRD (router2, same test) ignores it and
// keeps equal-cost multipath. Endpoint changes move the weights with no session reset.

const IP = '198.51.100.60';
const IP6 = '2001:db8:100::60';
const FRR = 1;
const BIRD = 2;

interface FrrNeighbor {
  bgpState?: string;
  connectionsEstablished?: number;
  connectionsDropped?: number;
}

/** node address → [established, dropped] counters of FRR's session with it. */
async function frrSessionCounters(lab: Lab): Promise<Record<string, [number, number]>> {
  const j = JSON.parse(await lab.router(FRR).cli('show bgp neighbors json')) as Record<string, FrrNeighbor>;
  const out: Record<string, [number, number]> = {};
  for (const [addr, n] of Object.entries(j)) {
    assert.equal(n.bgpState, 'Established', `FRR session with ${addr}`);
    out[addr] = [n.connectionsEstablished ?? -1, n.connectionsDropped ?? -1];
  }
  return out;
}

/** The weight of each node's next hop in a router's kernel route (by node address). */
function weightsOf(route: KernelRoute | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  route?.nextHops.forEach((h, i) => {
    out[h] = route.weights[i] ?? 1;
  });
  return out;
}

/** A node's openelb_bgp_paths_weighted, or undefined when its manager does not export it (yet). */
async function weightedPaths(lab: Lab, node: string): Promise<number | undefined> {
  const r = await lab.managerHealth(node, '/metrics');
  const line = r.body.split('\n').find((l) => l.startsWith('openelb_bgp_paths_weighted{'));
  return line === undefined ? undefined : Number(line.split(' ').pop());
}

/** A node's openelb_bgp_paths_announced by its family label, as the manager prints it. */
async function announcedPaths(lab: Lab, node: string): Promise<Record<string, number>> {
  const r = await lab.managerHealth(node, '/metrics');
  const out: Record<string, number> = {};
  for (const l of r.body.split('\n')) {
    const m = /^openelb_bgp_paths_announced\{.*family="([^"]*)".*\} (\S+)$/.exec(l);
    if (m) out[m[1] as string] = Number(m[2]);
  }
  return out;
}

async function waitWeightedPaths(lab: Lab, want: number): Promise<void> {
  await waitFor(
    async () => {
      for (const n of ['node1', 'node2']) if ((await weightedPaths(lab, n)) !== want) return false;
      return true;
    },
    30_000,
    { what: `openelb_bgp_paths_weighted ${want} on both nodes`, intervalMs: 200 },
  );
}

describe('bgp weighted ECMP (eTP=Local, FRR honours link bandwidth, BIRD does not)', () => {
  let lab: Lab;
  before(async () => {
    lab = await upBgpLab({ routers: [{ kind: 'frr' }, { kind: 'bird' }] });
    // opting the existing pools in is an edit like any user's (it raced the manager's finalizer
    // patch in the API double until the double recomputed concurrent patches)
    await apply(
      lab,
      eip(POOL4, { bgp: { weightedEcmp: true } }),
      eip(POOL6, { bgp: { weightedEcmp: true } }),
    );
  });
  after(async () => {
    await lab?.down();
  });

  /** Waits until FRR's kernel route gives node1 : node2 the weight ratio a : b. */
  /** The Service's weighted-ECMP annotation, overwritten with `value`. */
  const annotate = (value: string) =>
    kubectlOk(lab, [
      'annotate',
      '--overwrite',
      'service',
      'wecmp',
      '-n',
      'demo',
      `bgp.openelb.kubesphere.io/weighted-ecmp=${value}`,
    ]);

  async function waitRatio(a: number, b: number, ip = IP): Promise<Record<string, number>> {
    const v6 = ip.includes(':');
    const [n1, n2] = v6 ? [lab.node(1).ipv6, lab.node(2).ipv6] : [lab.node(1).ipv4, lab.node(2).ipv4];
    let last: Record<string, number> = {};
    return waitFor(
      async () => {
        last = weightsOf(await lab.routerRoute(ip, FRR));
        const w1 = last[n1];
        const w2 = last[n2];
        return w1 !== undefined && w2 !== undefined && w1 * b === w2 * a ? last : undefined;
      },
      30_000,
      { what: `FRR weights node1:node2 = ${a}:${b} for ${ip}`, intervalMs: 100 },
    ).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}; last weights ${JSON.stringify(last)}`);
    });
  }

  /** BIRD installs the route with both nodes and equal weights (no link bandwidth use). */
  async function assertBirdPlain(): Promise<void> {
    const hops = [lab.node(1).ipv4, lab.node(2).ipv4].sort();
    await lab.waitNextHops(IP, hops, 30_000, BIRD);
    const w = Object.values(weightsOf(await lab.routerRoute(IP, BIRD)));
    assert.equal(w.length, 2);
    assert.equal(w[0], w[1], `BIRD weights ${JSON.stringify(w)}`);
  }

  it('endpoints 1 on node1, 3 on node2 → FRR next-hop weights 1:3; BIRD plain ECMP', async (t) => {
    await endpointSlice(lab, 'wecmp', ['node1', 'node2', 'node2', 'node2']);
    await createService(lab, { name: 'wecmp', ip: IP, local: true });
    const w = await waitRatio(1, 3);
    t.diagnostic(`FRR kernel weights ${JSON.stringify(w)}`);
    const rib = await lab.router(FRR).cli(`show bgp ipv4 unicast ${IP}/32`);
    t.diagnostic(
      rib
        .split('\n')
        .filter((l) => /Extended Community|LB:/.test(l))
        .join(' | '),
    );
    assert.match(rib, /LB:64600:/);
    await assertBirdPlain();
    // BIRD did receive the community (type 0x40 sub-type 0x04, AS 64600, the float32 bandwidth
    // 125000 = 0x47f42400 = 1207182336, 375000 = 0x48b71b00 = 1219959552): it just does not weight by it
    const bird = await lab.router(BIRD).cli(`show route for ${IP} all`);
    t.diagnostic(
      bird
        .split('\n')
        .filter((l) => /ext_community/.test(l))
        .join(' | '),
    );
    assert.match(bird, /BGP\.ext_community: \(unknown 0x4004, 64600, 1207182336\)/);
    assert.match(bird, /BGP\.ext_community: \(unknown 0x4004, 64600, 1219959552\)/);
    await waitWeightedPaths(lab, 1);
  });

  it('scaling the endpoints moves the weights without resetting a session', async (t) => {
    const before = await frrSessionCounters(lab);
    assert.equal(Object.keys(before).length, 2);
    for (const [addr, [established]] of Object.entries(before))
      assert.ok(established >= 1, `FRR's connectionsEstablished for ${addr}: ${established}`);
    // the route keeps both next hops throughout: the path is replaced, never withdrawn in between
    const hops = sampler(() => lab.routerNextHops(IP, FRR));
    await endpointSlice(lab, 'wecmp', ['node1', 'node1', 'node2', 'node2']);
    await waitRatio(1, 1);
    await endpointSlice(lab, 'wecmp', ['node1', 'node1', 'node1', 'node2']);
    await waitRatio(3, 1);
    const samples = await hops.stop();
    t.diagnostic(`${samples.length} samples of FRR's next hops while the weights moved`);
    assert.deepEqual(
      samples.filter((h) => h.length !== 2),
      [],
      'a next hop went missing',
    );
    const afterwards = await frrSessionCounters(lab);
    t.diagnostic(`FRR [established, dropped] per node: ${JSON.stringify(afterwards)}`);
    assert.deepEqual(afterwards, before, 'FRR sessions: no new connection, none dropped');
    await assertBirdPlain();
  });

  it('the Service annotation "false" overrides the pool: equal weights again; "true" brings them back', async () => {
    await annotate('false');
    await waitFor(
      async () => {
        const rib = await lab.router(FRR).cli(`show bgp ipv4 unicast ${IP}/32`);
        return !/LB:/.test(rib);
      },
      30_000,
      { what: 'FRR paths without link bandwidth', intervalMs: 100 },
    );
    await waitRatio(1, 1);
    await waitWeightedPaths(lab, 0);
    await annotate('true');
    await waitRatio(3, 1);
  });

  it('an annotation value other than "true"/"false" is told in a Warning Event on the Eip; the pool setting stays', async () => {
    await annotate('yes');
    const msg = await waitEvent(lab, 'WeightedEcmpIgnored', POOL4.name);
    assert.match(
      msg,
      /Service demo\/wecmp: annotation bgp\.openelb\.kubesphere\.io\/weighted-ecmp is "yes", must be "true" or "false"/,
    );
    await waitRatio(3, 1);
  });

  it('IPv6: the /128 gets the same weights from the same endpoints', async () => {
    await endpointSlice(lab, 'wecmp6', ['node1', 'node2', 'node2', 'node2']);
    await createService(lab, { name: 'wecmp6', ip: IP6, local: true });
    const w = await waitRatio(1, 3, IP6);
    assert.deepEqual(Object.keys(w).sort(), [lab.node(1).ipv6, lab.node(2).ipv6].sort());
    // the metric's family label keeps its text ("ipv4", "ipv6"): dashboards and alerts select on it
    for (const n of ['node1', 'node2'])
      assert.deepEqual(Object.keys(await announcedPaths(lab, n)).sort(), ['ipv4', 'ipv6'], n);
    await waitFor(
      async () => {
        for (const n of ['node1', 'node2'])
          if (((await announcedPaths(lab, n))['ipv6'] ?? 0) < 1) return false;
        return true;
      },
      30_000,
      { what: 'openelb_bgp_paths_announced{family="ipv6"} >= 1 on both nodes', intervalMs: 200 },
    );
  });
});
