// Benchmark group `lab`: how long the network lab takes to come up (2 nodes + BIRD + client).
//   lab_up_ms           Lab.up() start → namespaces, links, addresses, gobgpd ×2 configured over
//                       gRPC (StartBgp, AddPeer), BIRD and the HTTP stand-ins running {p50,p99,…}
//   lab_netns_ms        Lab.up() start → namespaces, veths, bridge and addresses ready
//   lab_established_ms  Lab.up() start → both BGP sessions Established as BIRD reports them
//   lab_down_ms         lab.down(): every process stopped by PID, every namespace deleted
//   lab_frr_established_ms  the same as lab_established_ms with FRR as the router
// Rounds run one after another; each round is a fresh lab with a fresh run id.
import { Lab } from '../../test/lab/index.ts';
import { summarize } from '../lib/stats.ts';
import type { BenchContext, BenchGroup, BenchValue } from '../types.ts';

async function rounds(
  ctx: BenchContext,
  n: number,
  kind: 'bird' | 'frr',
): Promise<{ up: number[]; netns: number[]; est: number[]; down: number[] }> {
  const r = { up: [] as number[], netns: [] as number[], est: [] as number[], down: [] as number[] };
  for (let i = 0; i < n; i++) {
    const lab = await Lab.up({ nodes: 2, routers: [{ kind }] });
    const t = performance.now();
    await lab.down();
    r.down.push(performance.now() - t);
    r.up.push(lab.timings.daemonsMs);
    r.netns.push(lab.timings.netnsMs);
    r.est.push(lab.timings.establishedMs ?? NaN);
    ctx.log(`${kind} round ${i + 1}/${n}: established ${lab.timings.establishedMs?.toFixed(0)} ms`);
  }
  return r;
}

const group: BenchGroup = {
  name: 'lab',
  description: 'network lab start-up: 2 gobgpd nodes + router + client, sessions Established (BIRD and FRR)',
  async run(ctx: BenchContext): Promise<Record<string, BenchValue>> {
    const n = ctx.quick ? 2 : 8;
    const bird = await rounds(ctx, n, 'bird');
    const frr = await rounds(ctx, ctx.quick ? 1 : 4, 'frr');
    return {
      lab_up_ms: summarize(bird.up, 0),
      lab_netns_ms: summarize(bird.netns, 0),
      lab_established_ms: summarize(bird.est, 0),
      lab_down_ms: summarize(bird.down, 0),
      lab_frr_established_ms: summarize(frr.est, 0),
    };
  },
};

export default group;
