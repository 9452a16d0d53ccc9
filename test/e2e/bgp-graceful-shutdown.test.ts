import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isDeepStrictEqual } from 'node:util';
import type { Lab } from '../lab/index.ts';
import { createService, sampler, upBgpLab } from './bgp-lab.ts';

// RFC 8326 graceful shutdown on drain. Two routers peer with both replicas over eBGP:
//  * FRR 8.4 honours GRACEFUL_SHUTDOWN on eBGP sessions without configuration (bgpd sets LOCAL_PREF
//    0 on a path received with 65535:0 from an eBGP peer; iBGP needs an inbound route-map matching
//    `community 65535:0` → `set local-preference 0`): the lab router keeps its plain config;
//  * BIRD 2 imports everything as is (no filter for the community): it behaves as before.
// SIGTERM of node2's manager (no successor) re-announces its path with 65535:0, holds, then
// withdraws. Both routers' kernel routes are sampled every 10 ms and FRR's BGP table alongside;
// the test asserts the order of events — FRR's kernel route leaves node2 while node2's path is
// still in FRR's table and while BIRD (which moves only on the withdrawal) still uses node2 —
// never how long anything took.

const IP = '198.51.100.80';
const HOLD = '2s';

interface RouteSample {
  at: number;
  frr: string[];
  bird: string[];
}

interface FrrPathSample {
  at: number;
  /** node2's path in FRR's table: its LOCAL_PREF and communities, or undefined once withdrawn */
  node2?: { localPref: number | undefined; communities: string };
  /** next hops FRR's best-path selection uses (best + multipath) */
  used: string[];
}

interface FrrPrefixJson {
  paths?: {
    locPrf?: number;
    community?: { string?: string };
    nexthops?: { ip?: string }[];
    bestpath?: { overall?: boolean };
    multipath?: boolean;
  }[];
}

async function frrPaths(lab: Lab, node2: string): Promise<Omit<FrrPathSample, 'at'>> {
  const j = JSON.parse(await lab.router(1).cli(`show bgp ipv4 unicast ${IP}/32 json`)) as FrrPrefixJson;
  const out: Omit<FrrPathSample, 'at'> = { used: [] };
  for (const p of j.paths ?? []) {
    const nh = p.nexthops?.[0]?.ip ?? '';
    if (p.bestpath?.overall || p.multipath) out.used.push(nh);
    if (nh === node2) out.node2 = { localPref: p.locPrf, communities: p.community?.string ?? '' };
  }
  out.used.sort();
  return out;
}

describe('bgp graceful shutdown (RFC 8326) on drain: FRR moves before the withdrawal, BIRD as before', () => {
  let lab: Lab;
  before(async () => {
    lab = await upBgpLab({
      routers: [{ kind: 'frr' }, { kind: 'bird' }],
      extraManagerArgs: () => ['--bgp-graceful-shutdown', HOLD],
    });
    await createService(lab, { name: 'web', ip: IP });
    const both = lab.nodes.map((n) => n.ipv4);
    await lab.waitNextHops(IP, both, 20_000, 1);
    await lab.waitNextHops(IP, both, 20_000, 2);
  });
  after(async () => {
    await lab?.down();
  });

  it('SIGTERM: FRR best path and kernel route move to node1 while node2 still announces; BIRD moves on the withdrawal', async (t) => {
    const [n1, n2] = lab.nodes;
    assert.ok(n1 && n2);
    const both = [n1.ipv4, n2.ipv4].sort();
    const steady = await frrPaths(lab, n2.ipv4);
    assert.deepEqual(
      steady,
      { used: both, node2: { localPref: undefined, communities: '' } },
      'FRR before the drain',
    );
    const t0 = performance.now();
    const routes = sampler<RouteSample>(async () => {
      const [frr, bird] = await Promise.all([lab.routerNextHops(IP, 1), lab.routerNextHops(IP, 2)]);
      return { at: performance.now() - t0, frr, bird };
    }, 10);
    const table = sampler<FrrPathSample>(
      async () => ({ at: performance.now() - t0, ...(await frrPaths(lab, n2.ipv4)) }),
      10,
    );
    // a few samples of the steady state first
    await lab.waitNextHops(IP, both, 5000, 1);
    const m = lab.managerProcs('node2').at(-1);
    assert.ok(m?.running);
    const sigterm = performance.now() - t0;
    await m.stop('SIGTERM', 15_000);
    const exited = performance.now() - t0;
    // after the exit both routers have settled on node1 (the withdrawal went out before the drain wait)
    await lab.waitNextHops(IP, [n1.ipv4], 5000, 1);
    await lab.waitNextHops(IP, [n1.ipv4], 5000, 2);
    const rs = await routes.stop();
    const ps = await table.stop();
    assert.equal(m.exitInfo?.code, 0);
    const out = m.output();
    assert.match(out, /re-announced our paths with GRACEFUL_SHUTDOWN/);
    assert.match(out, /drain: withdrew our paths/);
    assert.ok(
      out.indexOf('re-announced our paths with GRACEFUL_SHUTDOWN') < out.indexOf('drain: withdrew our paths'),
    );

    // the sequence of distinct (FRR, BIRD) kernel states, in sampled order
    const states: { at: number; frr: string[]; bird: string[] }[] = [];
    for (const s of rs) {
      const last = states.at(-1);
      if (!last || !isDeepStrictEqual([last.frr, last.bird], [s.frr, s.bird])) states.push(s);
    }
    const show = (s: { at: number; frr: string[]; bird: string[] }): string =>
      `${s.at.toFixed(0)}ms frr=${s.frr.join('+') || '-'} bird=${s.bird.join('+') || '-'}`;
    t.diagnostic(
      `${rs.length} route samples (mean gap ${(((rs.at(-1)?.at ?? 0) - (rs[0]?.at ?? 0)) / Math.max(1, rs.length - 1)).toFixed(0)} ms), SIGTERM at ${sigterm.toFixed(0)} ms, exit at ${exited.toFixed(0)} ms: ${states.map(show).join(' → ')}`,
    );
    assert.deepEqual(
      states.map((s) => [s.frr, s.bird]),
      [
        [both, both], // before
        [[n1.ipv4], both], // GRACEFUL_SHUTDOWN: FRR moved, BIRD still on both (node2 not withdrawn)
        [[n1.ipv4], [n1.ipv4]], // the withdrawal
      ],
      `sampled order: ${states.map(show).join(' → ')}`,
    );

    // FRR's own table across the same window: node2's path was received with the community and
    // LOCAL_PREF 0 and stayed there, no longer used, before it was withdrawn. (vtysh is slower than
    // `ip route`: a sample may also catch the moment between receipt and the best-path run.)
    const kinds: string[] = [];
    for (const p of ps) {
      const k = !p.node2
        ? 'withdrawn'
        : p.node2.communities.includes('graceful-shutdown')
          ? `gshut lp=${p.node2.localPref}`
          : 'plain';
      if (kinds.at(-1) !== k) kinds.push(k);
    }
    const used = (p: FrrPathSample): string =>
      `${p.node2 ? 'node2 held' : 'node2 gone'}, used ${p.used.join('+')}`;
    t.diagnostic(`${ps.length} FRR table samples: ${[...new Set(ps.map(used))].join(' → ')}`);
    assert.deepEqual(kinds.at(0) === 'plain' ? kinds.slice(1) : kinds, ['gshut lp=0', 'withdrawn']);
    assert.ok(
      ps.some((p) => p.node2?.localPref === 0 && isDeepStrictEqual(p.used, [n1.ipv4])),
      'FRR held node2 path with LOCAL_PREF 0 and used only node1',
    );
    // the move in FRR's kernel came before the withdrawal reached FRR's table
    const frrMoved = rs.find((s) => isDeepStrictEqual(s.frr, [n1.ipv4]));
    const frrWithdrawn = ps.find((p) => !p.node2 && p.at > sigterm);
    assert.ok(frrMoved && frrWithdrawn && frrMoved.at < frrWithdrawn.at);
  });
});
