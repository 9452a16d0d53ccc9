// The podman calls the runner makes (the CRI runtime's part). Every call names one container.
import { readFile } from 'node:fs/promises';
import { run, runOk, type RunResult } from '../lab/exec.ts';
import type { ImageConfig } from './plan.ts';

export const OWNER_LABEL = 'io.openelb-ts.pod-runner.owner';
export const POD_LABEL = 'io.openelb-ts.pod-runner.pod';

export async function imageConfig(ref: string): Promise<ImageConfig | undefined> {
  const r = await run(['podman', 'image', 'inspect', '--format', 'json', ref]);
  if (r.code !== 0) return undefined;
  const [img] = JSON.parse(r.stdout) as {
    Config?: { User?: string; Entrypoint?: string[] | null; Cmd?: string[] | null; Env?: string[] | null };
  }[];
  const c = img?.Config ?? {};
  return { user: c.User ?? '', entrypoint: c.Entrypoint ?? [], cmd: c.Cmd ?? [], env: c.Env ?? [] };
}

export interface ContainerState {
  running: boolean;
  pid: number;
  exitCode: number;
  oomKilled: boolean;
  startedAt: string;
  finishedAt: string;
  error: string;
}

export interface InspectData {
  Id: string;
  Name: string;
  State: {
    Running: boolean;
    Pid: number;
    ExitCode: number;
    OOMKilled: boolean;
    StartedAt: string;
    FinishedAt: string;
    Error?: string;
  };
  Config: { User: string; Env?: string[] };
  EffectiveCaps?: string[] | null;
  BoundingCaps?: string[] | null;
  HostConfig: {
    ReadonlyRootfs: boolean;
    CapAdd?: string[] | null;
    CapDrop?: string[] | null;
    SecurityOpt?: string[] | null;
    GroupAdd?: string[] | null;
    Memory?: number;
    CpuShares?: number;
    NetworkMode?: string;
    Tmpfs?: Record<string, string> | null;
  };
  Mounts?: { Type: string; Source: string; Destination: string; RW: boolean }[];
}

export async function inspect(name: string): Promise<InspectData | undefined> {
  const r = await run(['podman', 'container', 'inspect', '--format', 'json', name]);
  if (r.code !== 0) return undefined;
  return (JSON.parse(r.stdout) as InspectData[])[0];
}

export function stateOf(d: InspectData): ContainerState {
  const s = d.State;
  return {
    running: s.Running,
    pid: s.Pid,
    exitCode: s.ExitCode,
    oomKilled: s.OOMKilled,
    startedAt: s.StartedAt,
    finishedAt: s.FinishedAt,
    error: s.Error ?? '',
  };
}

/** Resolves when the container has stopped (podman wait), with its exit code. */
export async function waitStopped(name: string): Promise<number> {
  const r = await run(['podman', 'wait', '--condition=stopped', name], { timeoutMs: 2 ** 31 - 1 });
  const code = Number(r.stdout.trim());
  if (r.code !== 0 || !Number.isFinite(code)) {
    const d = await inspect(name);
    return d?.State.ExitCode ?? -1;
  }
  return code;
}

export function execIn(name: string, argv: readonly string[], timeoutMs: number): Promise<RunResult> {
  return run(['podman', 'exec', name, ...argv], { timeoutMs });
}

/** SIGTERM (the image's stop signal), SIGKILL after graceS seconds — the CRI StopContainer. */
export async function stop(name: string, graceS: number): Promise<void> {
  await run(['podman', 'stop', `--time=${Math.max(0, Math.ceil(graceS))}`, name], {
    timeoutMs: Math.ceil(graceS + 30) * 1000,
  });
}

export async function kill(name: string, signal: string): Promise<void> {
  await runOk(['podman', 'kill', `--signal=${signal}`, name]);
}

export async function remove(names: readonly string[]): Promise<void> {
  if (names.length > 0) await run(['podman', 'rm', '--force', '--time=0', ...names]);
}

/** Names of every container (any state) carrying label key=value. */
export async function containersLabelled(key: string, value: string): Promise<string[]> {
  const r = await run(['podman', 'ps', '--all', '--format', '{{.Names}}', `--filter=label=${key}=${value}`]);
  return r.code === 0 ? r.stdout.split('\n').filter((l) => l !== '') : [];
}

/** A k8s-file log as plain lines ("<time> <stream> <P|F> <text>" → text, partial lines joined). */
export async function readLog(path: string): Promise<string> {
  const raw = await readFile(path, 'utf8').catch(() => '');
  let out = '';
  for (const line of raw.split('\n')) {
    const m = /^\S+ (?:stdout|stderr) ([PF]) ?(.*)$/.exec(line);
    if (!m) continue;
    out += m[2] ?? '';
    if (m[1] === 'F') out += '\n';
  }
  return out;
}
