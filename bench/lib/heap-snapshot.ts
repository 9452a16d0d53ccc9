// Heap snapshots of a process started with --heapsnapshot-signal=SIGUSR2 (written into its cwd).
import type { ChildProcess } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { until } from './poll.ts';

/** SIGUSR2 → the new .heapsnapshot file in `dir` once its size stops changing. */
export async function takeSnapshot(proc: ChildProcess, dir: string): Promise<string> {
  const before = new Set(readdirSync(dir).filter((x) => x.endsWith('.heapsnapshot')));
  proc.kill('SIGUSR2');
  let last = -1;
  return until(
    'heap snapshot written',
    () => {
      const f = readdirSync(dir).find((x) => x.endsWith('.heapsnapshot') && !before.has(x));
      if (!f) return undefined;
      const p = join(dir, f);
      const size = statSync(p).size;
      const done = size > 0 && size === last;
      last = size;
      return done ? p : undefined;
    },
    300_000,
    1000,
  );
}
