import { access } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseConfig, type ManagerConfig } from '../../src/config.ts';
import { Proc } from './proc.ts';

// Optional roles whose code other parts of the tree provide: the Kubernetes API double
// (test/kube/cli.ts) and the manager (src/main.ts). The lab works without them.

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const KUBE_DOUBLE_CLI = `${REPO_ROOT}/test/kube/cli.ts`;
export const MANAGER_MAIN = `${REPO_ROOT}/src/main.ts`;
/** The CRDs the double loads by default, and the lab applies to a KUBE_SERVER_CMD server. */
export const CRD_DIR = `${REPO_ROOT}/deploy/crds`;

export async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}

export interface KubeDouble {
  proc: Proc;
  url: string;
  kubeconfig: string;
}

/** Starts the API double in ns listening on host:port; resolves on its "kube-double ready" line. */
export async function startKubeDouble(
  ns: string,
  host: string,
  port: number,
  kubeconfig: string,
  logFile: string,
  crds = true,
): Promise<KubeDouble> {
  const argv = [
    process.execPath,
    KUBE_DOUBLE_CLI,
    '--host',
    host,
    '--port',
    String(port),
    '--kubeconfig',
    kubeconfig,
    ...(crds ? [] : ['--no-crds']),
  ];
  const proc = new Proc(ns, argv, {
    name: `kube-double@${ns}`,
    logFile,
    cwd: REPO_ROOT,
  });
  try {
    const m = await proc.waitForOutput(/kube-double ready (\S+)/, 30_000);
    return { proc, url: m[1] ?? '', kubeconfig };
  } catch (err) {
    await proc.stop('SIGKILL');
    throw err;
  }
}

export interface ManagerOptions {
  kubeconfig: string;
  nodeName: string;
  args?: string[];
  env?: Record<string, string>;
  logFile: string;
}

function managerArgv(o: ManagerOptions): string[] {
  return ['--kubeconfig', o.kubeconfig, '--node-name', o.nodeName, ...(o.args ?? [])];
}

function managerEnv(o: ManagerOptions): NodeJS.ProcessEnv {
  return { ...process.env, NODE_NAME: o.nodeName, ...o.env };
}

/** Starts one manager replica in ns (does not wait for readiness: that is the caller's business). */
export function startManager(ns: string, o: ManagerOptions): Proc {
  return new Proc(ns, [process.execPath, MANAGER_MAIN, ...managerArgv(o)], {
    name: `manager@${o.nodeName}`,
    logFile: o.logFile,
    cwd: REPO_ROOT,
    env: managerEnv(o),
  });
}

/** The replica's own reading of the same flags and environment: the ports it binds, what it serves. */
export function managerConfig(o: ManagerOptions): ManagerConfig {
  const r = parseConfig(managerArgv(o), managerEnv(o));
  if (r.kind !== 'config')
    throw new Error(`lab: manager flags ${managerArgv(o).join(' ')} do not start a manager (${r.kind})`);
  return r.config;
}
