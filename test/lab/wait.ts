// Polling with a deadline: tests wait for conditions, they never assert on elapsed time.

export interface WaitOptions {
  /** poll interval (default 25 ms). */
  intervalMs?: number;
  /** what is being waited for, used in the timeout error. */
  what?: string;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Calls cond until it returns a value other than undefined/false/null, and resolves with that value.
 * Throws after deadlineMs with the last value or error seen, so failures explain themselves.
 */
export async function waitFor<T>(
  cond: () => T | Promise<T>,
  deadlineMs: number,
  opts: WaitOptions = {},
): Promise<Exclude<T, false | null | undefined>> {
  const interval = opts.intervalMs ?? 25;
  const end = performance.now() + deadlineMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await cond();
      if (v !== undefined && v !== false && v !== null) return v as Exclude<T, false | null | undefined>;
      last = v;
    } catch (err) {
      last = err;
    }
    if (performance.now() >= end) {
      const detail = last instanceof Error ? last.message : JSON.stringify(last);
      throw new Error(
        `timed out after ${deadlineMs} ms waiting for ${opts.what ?? 'condition'} (last: ${detail})`,
      );
    }
    await sleep(interval);
  }
}
