import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { run } from './exec.ts';
import { PREFIX } from './names.ts';
import { removeOrphanPods } from '../pod/cleanup.ts';

// A lab whose owning process was SIGKILLed (no handler runs) leaves its namespaces and daemons behind.
// Each lab writes <run dir>/owner = "<pid> <start time>"; reapOrphans() removes labs whose owner is
// gone — only labs of this library (prefix + owner file), never anything else.

async function startTime(pid: number): Promise<string | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // field 22 (starttime); the command name (field 2) may contain spaces, so count after the last ')'
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** The process group p leads, if it leads one (a KUBE_SERVER_CMD shell does: its children are in it). */
async function ledGroup(pid: number): Promise<number | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const pgrp = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
    return pgrp === pid ? pid : undefined;
  } catch {
    return undefined;
  }
}

export async function writeOwner(dir: string): Promise<void> {
  await writeFile(`${dir}/owner`, `${process.pid} ${(await startTime(process.pid)) ?? ''}\n`);
}

/** Removes every lab whose owner process is gone; returns the run ids reaped. */
export async function reapOrphans(): Promise<string[]> {
  const reaped: string[] = [];
  for (const d of await readdir('/tmp').catch(() => [] as string[])) {
    if (!d.startsWith(PREFIX)) continue;
    const dir = `/tmp/${d}`;
    const owner = await readFile(`${dir}/owner`, 'utf8').catch(() => undefined);
    if (owner === undefined) continue;
    const [pid, start] = owner.trim().split(' ');
    if (pid && (await startTime(Number(pid))) === start) continue; // owner alive
    const tag = d; // "oelab-<id>": in every namespace name and in every lab process's argv
    // pods of the podman runtime first (their label carries the tag), while their netns still exists
    await removeOrphanPods(tag, dir);
    for (const p of await readdir('/proc')) {
      if (!/^\d+$/.test(p) || Number(p) === process.pid) continue;
      const cmd = await readFile(`/proc/${p}/cmdline`, 'utf8').catch(() => '');
      if (cmd.split('\0').some((a) => a.includes(`${tag}-`) || a.includes(`${dir}/`) || a === tag)) {
        try {
          const group = await ledGroup(Number(p));
          process.kill(group === undefined ? Number(p) : -group, 'SIGKILL');
        } catch {
          // gone
        }
      }
    }
    const nss = (await readdir('/run/netns').catch(() => [] as string[])).filter((n) =>
      n.startsWith(`${tag}-`),
    );
    for (const ns of nss) await run(['ip', 'netns', 'del', ns]);
    const frr = (await readdir('/var/run/frr').catch(() => [] as string[])).filter((n) =>
      n.startsWith(`${tag}-`),
    );
    for (const f of frr) await rm(`/var/run/frr/${f}`, { recursive: true, force: true });
    await rm(dir, { recursive: true, force: true });
    reaped.push(d.slice(PREFIX.length));
  }
  return reaped;
}
