// A container's memory as its cgroup accounts it (what the kernel's OOM killer acts on), read from
// the host through the container's main PID: /proc/<pid>/cgroup names the memory cgroup, whose files
// hold the usage, the peak and the limit. cgroup v1 (`memory` controller) and v2 (unified) both.
import { readFile } from 'node:fs/promises';

export interface CgroupMemory {
  /** cgroup directory read */
  path: string;
  version: 1 | 2;
  usageBytes: number;
  /** v1 memory.max_usage_in_bytes, v2 memory.peak: since the cgroup was created */
  peakBytes: number;
  /** memory.limit_in_bytes / memory.max; Infinity when unlimited */
  limitBytes: number;
  /** anonymous memory charged (v1 total_rss, v2 anon) and page cache (v1 total_cache, v2 file) */
  anonBytes: number;
  fileBytes: number;
  /** how often the limit was hit (v1 memory.failcnt, v2 memory.events max) */
  limitHits: number;
  /** OOM kills inside this cgroup (v1 memory.oom_control oom_kill, v2 memory.events oom_kill) */
  oomKills: number;
}

const readText = (p: string): Promise<string> => readFile(p, 'utf8');
const num = (s: string): number => (s.trim() === 'max' ? Infinity : Number(s.trim()));

/** `key value` lines (memory.stat, memory.events, memory.oom_control) → map. */
export function parseKeyed(text: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const line of text.split('\n')) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v !== undefined) m.set(k, Number(v));
  }
  return m;
}

/** The memory cgroup of a /proc/<pid>/cgroup text: v1 `N:memory:/path` wins over v2 `0::/path`. */
export function memoryCgroupDir(
  procCgroup: string,
  root = '/sys/fs/cgroup',
): { dir: string; version: 1 | 2 } {
  let v2: string | undefined;
  for (const line of procCgroup.split('\n')) {
    const [, controllers, path] = /^\d+:([^:]*):(.*)$/.exec(line.trim()) ?? [];
    if (path === undefined) continue;
    if (controllers?.split(',').includes('memory')) return { dir: `${root}/memory${path}`, version: 1 };
    if (controllers === '') v2 = path;
  }
  if (v2 !== undefined) return { dir: `${root}${v2}`, version: 2 };
  throw new Error(`no memory cgroup in /proc/<pid>/cgroup:\n${procCgroup}`);
}

export async function cgroupMemoryOf(pid: number): Promise<CgroupMemory> {
  const { dir, version } = memoryCgroupDir(await readText(`/proc/${pid}/cgroup`));
  if (version === 1) {
    const stat = parseKeyed(await readText(`${dir}/memory.stat`));
    const limit = num(await readText(`${dir}/memory.limit_in_bytes`));
    return {
      path: dir,
      version,
      usageBytes: num(await readText(`${dir}/memory.usage_in_bytes`)),
      peakBytes: num(await readText(`${dir}/memory.max_usage_in_bytes`)),
      // v1 reports "unlimited" as a page-rounded huge number
      limitBytes: limit >= 2 ** 62 ? Infinity : limit,
      anonBytes: stat.get('total_rss') ?? stat.get('rss') ?? NaN,
      fileBytes: stat.get('total_cache') ?? stat.get('cache') ?? NaN,
      limitHits: num(await readText(`${dir}/memory.failcnt`)),
      oomKills: parseKeyed(await readText(`${dir}/memory.oom_control`)).get('oom_kill') ?? 0,
    };
  }
  const stat = parseKeyed(await readText(`${dir}/memory.stat`));
  const events = parseKeyed(await readText(`${dir}/memory.events`));
  return {
    path: dir,
    version,
    usageBytes: num(await readText(`${dir}/memory.current`)),
    peakBytes: num(await readText(`${dir}/memory.peak`)),
    limitBytes: num(await readText(`${dir}/memory.max`)),
    anonBytes: stat.get('anon') ?? NaN,
    fileBytes: stat.get('file') ?? NaN,
    limitHits: events.get('max') ?? 0,
    oomKills: events.get('oom_kill') ?? 0,
  };
}

/** VmRSS and VmHWM (peak RSS) of a process, MiB. */
export async function procRssMiB(pid: number): Promise<{ rss: number; hwm: number }> {
  const s = await readText(`/proc/${pid}/status`);
  const kib = (field: string): number => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(s)?.[1] ?? NaN);
  return { rss: kib('VmRSS') / 1024, hwm: kib('VmHWM') / 1024 };
}
