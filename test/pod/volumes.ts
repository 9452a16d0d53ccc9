// A pod's volumes on the host, as the kubelet makes them: each emptyDir a fresh directory with mode
// 0777 (Kubernetes' emptyDir mode), on tmpfs for medium Memory (size = sizeLimit), group-owned by
// fsGroup with the setgid bit when the pod sets one. They live as long as the pod, across container
// restarts, and are removed with it.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { chmod, chown, lstat, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runOk } from '../lab/exec.ts';
import { parseQuantity } from './quantity.ts';
import type { PodSpec } from './types.ts';

export interface HostVolume {
  name: string;
  dir: string;
  tmpfs: boolean;
  /** bytes; for a disk emptyDir the eviction check enforces it */
  sizeLimit: number | undefined;
}

export async function makeVolumes(spec: PodSpec, root: string): Promise<HostVolume[]> {
  const out: HostVolume[] = [];
  const fsGroup = spec.securityContext?.fsGroup;
  for (const v of spec.volumes ?? []) {
    const dir = join(root, v.name);
    await mkdir(dir, { recursive: true });
    const sizeLimit =
      v.emptyDir.sizeLimit !== undefined ? parseQuantity(v.emptyDir.sizeLimit, 'memory') : undefined;
    const tmpfs = v.emptyDir.medium === 'Memory';
    if (tmpfs)
      await runOk([
        'mount',
        '-t',
        'tmpfs',
        '-o',
        `mode=0777${sizeLimit !== undefined ? `,size=${sizeLimit}` : ''}`,
        `pod-${v.name}`,
        dir,
      ]);
    out.push({ name: v.name, dir, tmpfs, sizeLimit });
    if (fsGroup !== undefined) {
      await chown(dir, 0, fsGroup);
      await chmod(dir, 0o2777);
    } else await chmod(dir, 0o777);
  }
  return out;
}

/** Bytes a directory tree occupies on disk (what the kubelet's du-based emptyDir accounting counts). */
export async function diskUsage(dir: string): Promise<number> {
  let total = 0;
  const st = await lstat(dir).catch(() => undefined);
  if (!st) return 0;
  total += st.blocks * 512;
  if (!st.isDirectory()) return total;
  for (const e of await readdir(dir).catch(() => [] as string[])) total += await diskUsage(join(dir, e));
  return total;
}

/** Mount points at or below `dir` (deepest first), from this mount namespace's table. */
export async function mountsUnder(dir: string): Promise<string[]> {
  const table = await readFile('/proc/self/mounts', 'utf8').catch(() => '');
  return table
    .split('\n')
    .map((l) => (l.split(' ')[1] ?? '').replace(/\\040/g, ' '))
    .filter((m) => m === dir || m.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
}

/** Unmounts and deletes every volume under root (the pod's volume directory). */
export async function removeVolumes(root: string): Promise<void> {
  for (const m of await mountsUnder(root))
    await runOk(['umount', m]).catch(() => runOk(['umount', '-l', m]).catch(() => undefined));
  await rm(root, { recursive: true, force: true });
}

/** Exit-handler variant: synchronous, best effort. */
export function removeVolumesSync(root: string): void {
  try {
    const table = readFileSync('/proc/self/mounts', 'utf8');
    const mounts = table
      .split('\n')
      .map((l) => l.split(' ')[1] ?? '')
      .filter((m) => m === root || m.startsWith(`${root}/`));
    for (const m of mounts.sort((a, b) => b.length - a.length))
      execFileSync('umount', ['-l', m], { stdio: 'ignore' });
  } catch {
    // best effort on the way out
  }
}

/** Writes the files that stand in for the ServiceAccount token: the kubeconfig and the namespace. */
export async function writeServiceAccount(dir: string, kubeconfig: string, namespace: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'kubeconfig'), await readFile(kubeconfig), { mode: 0o644 });
  await writeFile(join(dir, 'namespace'), namespace, { mode: 0o644 });
  await chmod(dir, 0o755);
}
