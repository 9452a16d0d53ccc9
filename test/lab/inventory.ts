import { readdir, readFile } from 'node:fs/promises';
import { runOk } from './exec.ts';
import { PREFIX } from './names.ts';

// What of ours exists on the machine right now, counting ONLY names with our prefix (other helpers'
// namespaces and processes are none of our business). Used by the leak tests and by `make lab`.

export interface Inventory {
  namespaces: string[];
  /** interfaces with our prefix in the root namespace (there should never be any). */
  rootLinks: string[];
  /**
   * "pid cmdline" of processes whose command line mentions our prefix (this process and its parent
   * excluded). Every lab process carries its namespace or run-dir name in its argv. Compare before/after
   * snapshots: a shell of yours that mentions the prefix is not a leak.
   */
  processes: string[];
  /** /tmp/oelab-* run dirs. */
  tmpDirs: string[];
  /** FRR instance dirs /var/run/frr/oelab-*. */
  frrDirs: string[];
}

async function list(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch {
    return [];
  }
}

export async function inventory(prefix = PREFIX): Promise<Inventory> {
  const namespaces = (await list('/run/netns')).filter((n) => n.startsWith(prefix)).sort();
  const links = JSON.parse(await runOk(['ip', '-j', 'link', 'show'])) as { ifname: string }[];
  const rootLinks = links
    .map((l) => l.ifname)
    .filter((n) => n.startsWith(prefix))
    .sort();
  const processes: string[] = [];
  const self = new Set([process.pid, process.ppid]);
  for (const pid of await list('/proc')) {
    if (!/^\d+$/.test(pid) || self.has(Number(pid))) continue;
    try {
      const cmd = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').join(' ').trim();
      if (cmd.includes(prefix)) processes.push(`${pid} ${cmd}`);
    } catch {
      // exited meanwhile
    }
  }
  const tmpDirs = (await list('/tmp')).filter((n) => n.startsWith(prefix)).map((n) => `/tmp/${n}`);
  const frrDirs = (await list('/var/run/frr'))
    .filter((n) => n.startsWith(prefix))
    .map((n) => `/var/run/frr/${n}`);
  return { namespaces, rootLinks, processes, tmpDirs, frrDirs };
}
