// Summaries benchmark groups share: percentiles over samples, rounded for the JSON.

export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return NaN;
  const s = [...samples].sort((a, b) => a - b);
  // nearest-rank: the smallest value with at least p% of samples at or below it
  const rank = Math.max(1, Math.ceil((p / 100) * s.length));
  return s[Math.min(rank, s.length) - 1] as number;
}

export const round = (x: number, digits = 1): number => Math.round(x * 10 ** digits) / 10 ** digits;

/** {p50, p99, min, max, n}, values rounded to `digits` decimals. */
export function summarize(
  samples: readonly number[],
  digits = 1,
): { p50: number; p99: number; min: number; max: number; n: number } {
  return {
    p50: round(percentile(samples, 50), digits),
    p99: round(percentile(samples, 99), digits),
    min: round(Math.min(...samples), digits),
    max: round(Math.max(...samples), digits),
    n: samples.length,
  };
}
