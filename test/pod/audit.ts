// What a running container really got, next to what the pod spec asked for: podman inspect (the
// runtime's record) and the kernel's view of the container's main process (/proc/<pid>/status and
// mountinfo: ids, capability sets, no_new_privs, seccomp, read-only root, writable mounts).
import { readFile } from 'node:fs/promises';
import type { ContainerPlan } from './plan.ts';
import type { InspectData } from './podman.ts';

const CAP_NAMES = [
  'CHOWN',
  'DAC_OVERRIDE',
  'DAC_READ_SEARCH',
  'FOWNER',
  'FSETID',
  'KILL',
  'SETGID',
  'SETUID',
  'SETPCAP',
  'LINUX_IMMUTABLE',
  'NET_BIND_SERVICE',
  'NET_BROADCAST',
  'NET_ADMIN',
  'NET_RAW',
  'IPC_LOCK',
  'IPC_OWNER',
  'SYS_MODULE',
  'SYS_RAWIO',
  'SYS_CHROOT',
  'SYS_PTRACE',
  'SYS_PACCT',
  'SYS_ADMIN',
  'SYS_BOOT',
  'SYS_NICE',
  'SYS_RESOURCE',
  'SYS_TIME',
  'SYS_TTY_CONFIG',
  'MKNOD',
  'LEASE',
  'AUDIT_WRITE',
  'AUDIT_CONTROL',
  'SETFCAP',
  'MAC_OVERRIDE',
  'MAC_ADMIN',
  'SYSLOG',
  'WAKE_ALARM',
  'BLOCK_SUSPEND',
  'AUDIT_READ',
  'PERFMON',
  'BPF',
  'CHECKPOINT_RESTORE',
];

/** A /proc capability mask ("0000000000002000") → names (["NET_RAW"]). */
export function capsFromMask(hex: string): string[] {
  const mask = BigInt(`0x${hex}`);
  return CAP_NAMES.filter((_, i) => (mask >> BigInt(i)) & 1n);
}

export interface KernelView {
  uid: number;
  gid: number;
  groups: number[];
  capEff: string[];
  capPrm: string[];
  capBnd: string[];
  capAmb: string[];
  noNewPrivs: boolean;
  /** 0 none, 1 strict, 2 filter */
  seccomp: number;
  rootReadOnly: boolean;
  /** mount points the process can write to (besides /dev, /proc, /sys and podman's /etc files) */
  writable: string[];
  tmpfs: string[];
}

export function parseStatus(status: string): Omit<KernelView, 'rootReadOnly' | 'writable' | 'tmpfs'> {
  const field = (k: string): string => new RegExp(`^${k}:\\s*(.*)$`, 'm').exec(status)?.[1]?.trim() ?? '';
  const ids = (k: string): number[] =>
    field(k)
      .split(/\s+/)
      .filter((x) => x !== '')
      .map(Number);
  return {
    uid: ids('Uid')[1] ?? -1,
    gid: ids('Gid')[1] ?? -1,
    groups: ids('Groups'),
    capEff: capsFromMask(field('CapEff') || '0'),
    capPrm: capsFromMask(field('CapPrm') || '0'),
    capBnd: capsFromMask(field('CapBnd') || '0'),
    capAmb: capsFromMask(field('CapAmb') || '0'),
    noNewPrivs: field('NoNewPrivs') === '1',
    seccomp: Number(field('Seccomp') || '0'),
  };
}

const RUNTIME_PATHS =
  /^\/(dev|proc|sys)(\/|$)|^\/etc\/(hosts|hostname|resolv\.conf)$|^\/run\/\.containerenv$/;

/** mountinfo → whether / is read-only, which other mounts are writable, which are tmpfs. */
export function parseMountinfo(mi: string): Pick<KernelView, 'rootReadOnly' | 'writable' | 'tmpfs'> {
  let rootReadOnly = false;
  const writable: string[] = [];
  const tmpfs: string[] = [];
  for (const line of mi.split('\n')) {
    const [left, right] = line.split(' - ');
    if (!left || !right) continue;
    const f = left.split(' ');
    const point = f[4] ?? '';
    const opts = (f[5] ?? '').split(',');
    const fstype = right.split(' ')[0] ?? '';
    if (point === '/') rootReadOnly = opts.includes('ro');
    else if (!RUNTIME_PATHS.test(point)) {
      if (opts.includes('rw')) writable.push(point);
      if (fstype === 'tmpfs') tmpfs.push(point);
    }
  }
  return { rootReadOnly, writable: [...new Set(writable)].sort(), tmpfs: [...new Set(tmpfs)].sort() };
}

export async function kernelView(pid: number): Promise<KernelView> {
  const [status, mi] = await Promise.all([
    readFile(`/proc/${pid}/status`, 'utf8'),
    readFile(`/proc/${pid}/mountinfo`, 'utf8'),
  ]);
  return { ...parseStatus(status), ...parseMountinfo(mi) };
}

export interface Audit {
  container: string;
  podmanName: string;
  /** the podman inspect fields, one line */
  inspectLine: string;
  /** the kernel's view, one line */
  kernelLine: string;
  /** differences from the plan ([] = the container runs as the spec says) */
  problems: string[];
}

const same = (a: readonly (string | number)[], b: readonly (string | number)[]): boolean =>
  JSON.stringify([...a].sort()) === JSON.stringify([...b].sort());
const list = (a: readonly (string | number)[] | null | undefined): string => `[${(a ?? []).join(',')}]`;

/** Compares one running container with its plan (pure once inspect data and the kernel view are in). */
export function auditContainer(plan: ContainerPlan, d: InspectData, k: KernelView): Audit {
  const s = plan.security;
  const problems: string[] = [];
  if (s.uid !== undefined && k.uid !== s.uid) problems.push(`uid ${k.uid}, spec runAsUser ${s.uid}`);
  if (s.gid !== undefined && k.gid !== s.gid) problems.push(`gid ${k.gid}, spec runAsGroup ${s.gid}`);
  for (const g of s.groups)
    if (!k.groups.includes(g))
      problems.push(`group ${g} (supplementalGroups/fsGroup) missing from [${k.groups.join(',')}]`);
  const wantEff = k.uid === 0 ? s.caps : [];
  if (!same(k.capEff, wantEff))
    problems.push(`effective capabilities ${list(k.capEff)}, spec gives ${list(wantEff)}`);
  if (!same(k.capBnd, s.caps))
    problems.push(`bounding capabilities ${list(k.capBnd)}, spec gives ${list(s.caps)}`);
  if (k.capAmb.length > 0) problems.push(`ambient capabilities ${list(k.capAmb)} (Kubernetes grants none)`);
  if (k.noNewPrivs !== s.noNewPrivs)
    problems.push(`no_new_privs ${k.noNewPrivs}, spec allowPrivilegeEscalation ${!s.noNewPrivs}`);
  const wantSeccomp = s.seccomp === 'RuntimeDefault' ? 2 : 0;
  if (k.seccomp !== wantSeccomp) problems.push(`seccomp mode ${k.seccomp}, spec ${s.seccomp}`);
  if (k.rootReadOnly !== s.readOnlyRoot)
    problems.push(
      `root filesystem ${k.rootReadOnly ? 'read-only' : 'writable'}, spec readOnlyRootFilesystem ${s.readOnlyRoot}`,
    );
  const declared = new Set([
    ...plan.mounts.filter((m) => !m.readOnly).map((m) => m.destination),
    plan.terminationMessagePath,
  ]);
  const extra = k.writable.filter((p) => !declared.has(p));
  if (s.readOnlyRoot && extra.length > 0)
    problems.push(`writable mounts the spec does not declare: ${extra.join(', ')} (hidden tmpfs?)`);
  if (plan.memoryLimitBytes !== undefined && d.HostConfig.Memory !== plan.memoryLimitBytes)
    problems.push(`memory limit ${d.HostConfig.Memory ?? 0}, spec ${plan.memoryLimitBytes}`);
  const h = d.HostConfig;
  const inspectLine = `User=${JSON.stringify(d.Config.User)} ReadonlyRootfs=${h.ReadonlyRootfs} CapDrop=${list(h.CapDrop)} CapAdd=${list(h.CapAdd)} EffectiveCaps=${list(d.EffectiveCaps)} GroupAdd=${list(h.GroupAdd)} SecurityOpt=${list(h.SecurityOpt)} Memory=${h.Memory ?? 0} NetworkMode=${h.NetworkMode ?? ''}`;
  const kernelLine = `uid=${k.uid} gid=${k.gid} groups=${list(k.groups)} CapEff=${list(k.capEff)} CapBnd=${list(k.capBnd)} CapAmb=${list(k.capAmb)} NoNewPrivs=${k.noNewPrivs ? 1 : 0} Seccomp=${['disabled', 'strict', 'filter'][k.seccomp] ?? k.seccomp} root=${k.rootReadOnly ? 'ro' : 'rw'} writable=${list(k.writable)} tmpfs=${list(k.tmpfs)}`;
  return { container: plan.name, podmanName: d.Name, inspectLine, kernelLine, problems };
}
