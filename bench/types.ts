// The contract between `bench/run.ts` and each benchmark group module in `bench/groups/<name>.ts`.
// A group module's default export is a BenchGroup. Every figure it returns becomes a key in the
// run's JSON (keys are global: prefix them with the group's concern, e.g. `ipam_fill_16_ms`).
export type BenchValue = number | { p50: number; p99: number; [k: string]: number };

export interface BenchContext {
  /** --quick: a small run for smoke-testing the benchmark itself. */
  quick: boolean;
  /** progress output for humans (stderr). */
  log: (msg: string) => void;
}

export interface BenchGroup {
  name: string;
  /** one line on what the group measures and which raw baseline it runs beside us. */
  description: string;
  run(ctx: BenchContext): Promise<Record<string, BenchValue>>;
}
