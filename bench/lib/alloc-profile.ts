// Allocation-site profiling through the inspector: V8's sampling heap profiler over a window (objects
// already collected included), saved as a .heapprofile and summarised by function and by src/ frame.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Inspector } from './inspector.ts';

interface SamplingNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: SamplingNode[];
}
interface SamplingProfile {
  head: SamplingNode;
}

export async function startAllocationSampling(profiler: Inspector): Promise<void> {
  await profiler.send('HeapProfiler.startSampling', {
    samplingInterval: 32768,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
}

/** Stops sampling, writes `dir/alloc-<window>.heapprofile` and prints the summary on stderr. */
export async function stopAllocationSampling(
  profiler: Inspector,
  dir: string,
  window: string,
  root: string,
): Promise<void> {
  const r = (await profiler.send('HeapProfiler.stopSampling')) as { profile: SamplingProfile };
  writeFileSync(join(dir, `alloc-${window}.heapprofile`), JSON.stringify(r.profile));
  summariseAllocations(r.profile, window, root);
}

/** Bytes allocated (sampled, collected or not) by function, and by the first frame in src/. */
function summariseAllocations(p: SamplingProfile, window: string, root: string): void {
  const self = new Map<string, number>();
  const ours = new Map<string, number>();
  let total = 0;
  const walk = (n: SamplingNode, stack: string[]) => {
    const f = n.callFrame;
    const file = f.url.replace(/^file:\/\//, '').replace(root, '');
    const name = `${f.functionName || '(anonymous)'} ${file}:${f.lineNumber + 1}`;
    const here = file.startsWith('src/') ? [...stack, name] : stack;
    if (n.selfSize > 0) {
      total += n.selfSize;
      self.set(name, (self.get(name) ?? 0) + n.selfSize);
      const owner = here.at(-1) ?? '(no src/ frame)';
      ours.set(owner, (ours.get(owner) ?? 0) + n.selfSize);
    }
    for (const c of n.children) walk(c, here);
  };
  walk(p.head, []);
  const top = (m: Map<string, number>, k: number) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, k)
      .map(([n, b]) => `${(b / 2 ** 20).toFixed(1).padStart(8)} MiB  ${n}`)
      .join('\n');
  process.stderr.write(
    `allocated (sampled) in window ${window}: ${(total / 2 ** 20).toFixed(0)} MiB\n== by allocating function ==\n${top(self, 25)}\n== by innermost src/ frame ==\n${top(ours, 30)}\n`,
  );
}
