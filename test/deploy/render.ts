// Shared helpers for the packaging tests: find helm, render the chart per values variant, parse
// the output into objects.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const CHART = join(ROOT, 'deploy/charts/openelb');
export const MANIFEST = join(ROOT, 'deploy/openelb.yaml');
export const NAMESPACE = 'openelb-system';
export const YAMLLINT_CONFIG = join(ROOT, 'test/deploy/.yamllint');

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [field: string]: unknown;
}

/** Values variants the chart is rendered and checked with (`--set` pairs). */
export const VARIANTS: Readonly<Record<string, readonly string[]>> = {
  default: [],
  daemonset: ['mode=DaemonSet'],
  servicemonitor: ['metrics.serviceMonitor.enabled=true'],
  dashboard: ['dashboard.enabled=true'],
  netadmin: ['manager.netAdmin=true'],
  lowport: ['gobgpd.listenPort=179'],
  nolisten: ['gobgpd.listenPort=-1'],
  ignore: ['webhook.failurePolicy=Ignore'],
};

function onPath(cmd: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  const p = r.stdout.trim();
  return r.status === 0 && p !== '' ? p : undefined;
}

/** helm from $HELM, the repo's .tools/bin (scripts/install-tools.sh), or PATH. */
export function findHelm(): string | undefined {
  const fromEnv = process.env.HELM;
  if (fromEnv && existsSync(fromEnv)) return fromEnv;
  const local = join(ROOT, '.tools/bin/helm');
  if (existsSync(local)) return local;
  return onPath('helm');
}

export function findYamllint(): string | undefined {
  return onPath('yamllint');
}

/** helm, or a clear failure: `make tools` installs it, so a missing helm is a broken setup, not a skip. */
export function requireHelm(): string {
  const helm = findHelm();
  if (!helm) throw new Error('helm not found: run `make tools` (scripts/install-tools.sh) or set HELM');
  return helm;
}

/** yamllint, or a clear failure: `make deps` (scripts/install-system-deps.sh) installs it. */
export function requireYamllint(): string {
  const yamllint = findYamllint();
  if (!yamllint) throw new Error('yamllint not found: run `make deps` (scripts/install-system-deps.sh)');
  return yamllint;
}

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function run(
  cmd: string,
  args: readonly string[],
  opts: { input?: string; timeoutMs?: number; cwd?: string } = {},
): RunResult {
  const r = spawnSync(cmd, args, {
    cwd: opts.cwd ?? ROOT,
    encoding: 'utf8',
    input: opts.input,
    timeout: opts.timeoutMs ?? 60_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error) throw new Error(`${cmd} ${args.join(' ')}: ${r.error.message}`);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** `helm template openelb <chart> -n openelb-system [--set …]`; throws with helm's message on failure. */
export function helmTemplate(helm: string, set: readonly string[], extra: readonly string[] = []): string {
  const args = ['template', 'openelb', CHART, '--namespace', NAMESPACE, ...extra];
  for (const s of set) args.push('--set', s);
  const r = run(helm, args);
  if (r.status !== 0) throw new Error(`helm template ${set.join(' ')} failed: ${r.stderr.trim()}`);
  return r.stdout;
}

export function parseObjects(text: string, source: string): KubeObject[] {
  const out: KubeObject[] = [];
  for (const doc of yaml.loadAll(text)) {
    if (doc === null || doc === undefined) continue;
    if (typeof doc !== 'object' || Array.isArray(doc))
      throw new Error(`${source}: a document is not a mapping`);
    const o = doc as KubeObject;
    if (
      typeof o.apiVersion !== 'string' ||
      typeof o.kind !== 'string' ||
      typeof o.metadata?.name !== 'string'
    ) {
      throw new Error(`${source}: a document lacks apiVersion, kind or metadata.name`);
    }
    out.push(o);
  }
  return out;
}

export function objectName(o: KubeObject): string {
  return `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Every string in a tree, with its JSON-pointer-ish path. */
export function* strings(v: unknown, path = ''): Generator<[string, string]> {
  if (typeof v === 'string') yield [path, v];
  else if (Array.isArray(v)) for (let i = 0; i < v.length; i++) yield* strings(v[i], `${path}/${i}`);
  else if (isRecord(v)) for (const [k, x] of Object.entries(v)) yield* strings(x, `${path}/${k}`);
}

/** Every (key, value) pair of every mapping in a tree, with its path. */
export function* entries(v: unknown, path = ''): Generator<[string, string, unknown]> {
  if (Array.isArray(v)) for (let i = 0; i < v.length; i++) yield* entries(v[i], `${path}/${i}`);
  else if (isRecord(v)) {
    for (const [k, x] of Object.entries(v)) {
      yield [`${path}/${k}`, k, x];
      yield* entries(x, `${path}/${k}`);
    }
  }
}
