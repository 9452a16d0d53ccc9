// Benchmark group `ipam`: the pure allocation table (src/ipam/pool.ts).
//   ipam_fill_16_ms      fill every allocatable address of a /16 (65,534), one claim per address
//   ipam_v6_100k_ms      100,000 allocations in a /64
//   ipam_ns_per_alloc    ns per allocation in the /16 fill
//   ipam_raw_fill_16_ms  raw baseline in the same run: the same count into a Map<string, number>
//                        (key -> offset) plus a Set<number> (taken), with no address logic at all
//   ipam_fill_16_ratio   ipam_fill_16_ms / ipam_raw_fill_16_ms
// Claim keys are built before timing in both cases. Each figure is the median of several runs after
// a warm-up run.
import type { BenchContext, BenchGroup, BenchValue } from '../types.ts';
import { PoolTable } from '../../src/ipam/index.ts';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

function time(fn: () => void): number {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

function keys(n: number, prefix: string): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}/svc-${i}`);
}

function fillPool(address: string, ks: readonly string[]): void {
  const t = new PoolTable(address);
  for (const key of ks) {
    const r = t.allocate({ key, ports: ['TCP/80'] });
    if (!r.ok) throw new Error(`ipam bench: allocation ${key} failed: ${r.error.message}`);
  }
  if (t.usage !== ks.length) throw new Error(`ipam bench: usage ${t.usage}, expected ${ks.length}`);
}

function rawFill(ks: readonly string[]): void {
  const byKey = new Map<string, number>();
  const taken = new Set<number>();
  let i = 0;
  for (const key of ks) {
    taken.add(i);
    byKey.set(key, i);
    i++;
  }
  if (taken.size !== ks.length || byKey.size !== ks.length) throw new Error('raw fill miscounted');
}

const group: BenchGroup = {
  name: 'ipam',
  description:
    'IPAM allocation table: fill a /16 and 100k allocations in a /64, beside a raw Map+Set fill of the same count',
  async run(ctx: BenchContext): Promise<Record<string, BenchValue>> {
    const runs = ctx.quick ? 1 : 7;
    const k16 = keys(65_534, 'ns16');
    const k6 = keys(100_000, 'ns6');

    fillPool('10.0.0.0/16', k16); // warm-up
    rawFill(k16);
    const ours16: number[] = [];
    const raw16: number[] = [];
    for (let i = 0; i < runs; i++) {
      ours16.push(time(() => fillPool('10.0.0.0/16', k16)));
      raw16.push(time(() => rawFill(k16)));
    }
    const fill16 = median(ours16);
    const rawMs = median(raw16);
    ctx.log(`ipam: /16 fill ${fill16.toFixed(1)} ms (raw ${rawMs.toFixed(1)} ms)`);

    fillPool('2001:db8::/64', k6); // warm-up
    const v6: number[] = [];
    for (let i = 0; i < runs; i++) v6.push(time(() => fillPool('2001:db8::/64', k6)));
    const v6ms = median(v6);
    ctx.log(`ipam: /64 100k ${v6ms.toFixed(1)} ms`);

    return {
      ipam_fill_16_ms: round(fill16),
      ipam_v6_100k_ms: round(v6ms),
      ipam_ns_per_alloc: Math.round((fill16 * 1e6) / k16.length),
      ipam_raw_fill_16_ms: round(rawMs),
      ipam_fill_16_ratio: round(fill16 / rawMs),
    };
  },
};

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

export default group;
