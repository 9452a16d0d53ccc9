// A process's memory and CPU as the kernel reports them, from /proc/<pid>/{status,stat,smaps}.
import { readFileSync } from 'node:fs';

/**
 * Resident bytes by mapping kind: file-backed (binary, libraries), the brk heap (main malloc arena),
 * V8 pages (anonymous 256 KiB mappings: V8's regular heap pages, in use or pooled), other anonymous
 * (malloc thread arenas, large-object pages, stacks, code range).
 */
export function smaps(pid: number): { file: number; brk: number; v8pages: number; anon: number } {
  const out = { file: 0, brk: 0, v8pages: 0, anon: 0 };
  let kind: keyof typeof out = 'anon';
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \d+\s*(.*)$/.exec(line);
    if (head) {
      const name = head[3] ?? '';
      const size = parseInt(head[2] ?? '0', 16) - parseInt(head[1] ?? '0', 16);
      kind =
        name === '[heap]' ? 'brk' : name.startsWith('/') ? 'file' : size === 256 * 1024 ? 'v8pages' : 'anon';
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss) out[kind] += Number(rss[1]) * 1024;
  }
  return out;
}

/** User + system CPU seconds so far, to one decimal. */
export function cpuSeconds(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return Math.round(((Number(rest[11]) + Number(rest[12])) / 100) * 10) / 10; // utime, stime in clock ticks (100/s)
}

/** VmRSS and VmHWM (its high water) in bytes. */
export function procStatus(pid: number): { rss?: number; hwm?: number } {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (re: RegExp) => {
    const m = re.exec(s);
    return m ? Number(m[1]) * 1024 : undefined;
  };
  return { rss: kb(/VmRSS:\s+(\d+)/), hwm: kb(/VmHWM:\s+(\d+)/) };
}
