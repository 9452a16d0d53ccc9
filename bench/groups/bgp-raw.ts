import type { BenchContext, BenchGroup, BenchValue } from '../types.ts';
import { startGobgpd } from '../../test/bgp/helpers/gobgpd.ts';
import { GobgpClient } from '../../src/bgp/client/client.ts';
import { GlobalSink } from '../../src/bgp/global.ts';
import { PathsSink } from '../../src/bgp/paths.ts';
import { buildPath, FAMILY } from '../../src/bgp/path-build.ts';
import type { WirePath } from '../../src/bgp/client/wire.ts';

// Raw gRPC throughput into one gobgpd (no router, no listener): the floor under every BGP figure.
// Unary AddPath with 1 and 16 calls in flight, AddPathStream (1,000 paths per message), and the
// PathsSink doing the same adds and withdrawals from desired state.

function prefixes(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `198.18.${(i >> 8) & 0xff}.${i & 0xff}/32`);
}

async function clear(c: GobgpClient): Promise<void> {
  const sink = new PathsSink(c);
  await sink.withdrawAll();
}

async function perSecond(n: number, fn: () => Promise<void>): Promise<number> {
  const t = performance.now();
  await fn();
  return Math.round(n / ((performance.now() - t) / 1000));
}

async function unary(c: GobgpClient, paths: WirePath[], inFlight: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < paths.length) await c.addPath(paths[next++] as WirePath);
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
}

const group: BenchGroup = {
  name: 'bgp-raw',
  description:
    'paths/s into one gobgpd over its unix socket: unary AddPath (1 and 16 in flight), AddPathStream, and PathsSink add/withdraw',
  async run(ctx: BenchContext): Promise<Record<string, BenchValue>> {
    const n = ctx.quick ? 2000 : 10_000;
    const g = await startGobgpd('bench-bgp-raw');
    const c = new GobgpClient({ socket: g.socket });
    try {
      await new GlobalSink(c).ensure({
        asn: 65001,
        routerId: '10.0.0.1',
        listenPort: -1,
        listenAddresses: [],
        families: [],
      });
      const list = prefixes(n);
      const wires = list.map((p) => buildPath({ prefix: p, family: 4 }).wire);
      const out: Record<string, BenchValue> = {};

      out.bgp_raw_addpath_1_per_s = await perSecond(n, () => unary(c, wires, 1));
      ctx.log(`unary AddPath, 1 in flight: ${out.bgp_raw_addpath_1_per_s}/s`);
      await clear(c);
      out.bgp_raw_addpath_16_per_s = await perSecond(n, () => unary(c, wires, 16));
      ctx.log(`unary AddPath, 16 in flight: ${out.bgp_raw_addpath_16_per_s}/s`);
      await clear(c);
      out.bgp_raw_stream_per_s = await perSecond(n, () => c.addPathStream(wires, 1000));
      ctx.log(`AddPathStream: ${out.bgp_raw_stream_per_s}/s`);
      await clear(c);

      const sink = new PathsSink(c);
      sink.markSynced();
      sink.setDesired(list.map((prefix) => ({ prefix, family: 4 as const })));
      out.bgp_sink_add_per_s = await perSecond(n, async () => {
        await sink.reconcile();
      });
      const table = await c.getTable(FAMILY[4]);
      if (table.num_destination !== n)
        throw new Error(`expected ${n} destinations, gobgpd has ${table.num_destination}`);
      sink.setDesired([]);
      out.bgp_sink_withdraw_per_s = await perSecond(n, async () => {
        await sink.reconcile();
      });
      ctx.log(`PathsSink: add ${out.bgp_sink_add_per_s}/s, withdraw ${out.bgp_sink_withdraw_per_s}/s`);
      out.bgp_raw_paths = n;
      return out;
    } finally {
      c.close();
      await g.stop();
    }
  },
};

export default group;
