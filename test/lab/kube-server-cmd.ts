import { access } from 'node:fs/promises';
import { dirname } from 'node:path';
import { inNs, run } from './exec.ts';
import { Proc } from './proc.ts';
import { REPO_ROOT, type KubeDouble } from './roles.ts';
import { waitFor } from './wait.ts';

// The API server role played by any server a user's command starts (KUBE_SERVER_CMD). The contract,
// also in README.md: the command runs through `sh -c` in the control namespace, leading its own process
// group, with the address, port, kubeconfig path and log path in its environment; it must bind there
// and write an admin kubeconfig there. The lab waits for that file and for /readyz (or /healthz).

export interface KubeServerCmdOptions {
  ns: string;
  host: string;
  port: number;
  kubeconfig: string;
  logFile: string;
  /** the lab's run directory (scratch space for the server). */
  dir: string;
  timeoutMs: number;
}

/** The variables the command gets, on top of the lab's own environment. */
export function kubeServerEnv(o: KubeServerCmdOptions): Record<string, string> {
  return {
    KUBE_SERVER_HOST: o.host,
    KUBE_SERVER_PORT: String(o.port),
    KUBE_SERVER_KUBECONFIG: o.kubeconfig,
    KUBE_SERVER_LOG: o.logFile,
    KUBE_SERVER_DIR: o.dir,
    // the node that runs the lab comes first, so a command running `node` gets the same one
    PATH: `${dirname(process.execPath)}:${process.env.PATH ?? '/usr/bin:/bin'}`,
  };
}

async function kubectlRaw(o: KubeServerCmdOptions, path: string): Promise<string | undefined> {
  const r = await run(
    inNs(o.ns, ['kubectl', '--kubeconfig', o.kubeconfig, '--request-timeout=5s', 'get', '--raw', path]),
    { timeoutMs: 10_000 },
  );
  return r.code === 0 ? undefined : (r.stderr || r.stdout).trim();
}

/** Starts cmd; resolves once its kubeconfig exists and the server answers /readyz or /healthz. */
export async function startKubeServerCmd(cmd: string, o: KubeServerCmdOptions): Promise<KubeDouble> {
  // $0 names the run dir: reapOrphans() finds the shell (and kills its group) if the owner is SIGKILLed
  const proc = new Proc(o.ns, ['sh', '-c', cmd, `${o.dir}/kube-server-cmd`], {
    name: `KUBE_SERVER_CMD@${o.ns}`,
    logFile: o.logFile,
    cwd: REPO_ROOT,
    env: { ...process.env, ...kubeServerEnv(o) },
    group: true,
  });
  let last = 'its kubeconfig is not written yet';
  let outcome: 'ready' | 'exited' | 'timeout' = 'timeout';
  try {
    outcome = await waitFor(
      async () => {
        if (!proc.running) return 'exited' as const;
        try {
          await access(o.kubeconfig);
        } catch {
          last = `no kubeconfig at ${o.kubeconfig} yet`;
          return false;
        }
        const ready = await kubectlRaw(o, '/readyz');
        if (ready === undefined) return 'ready' as const;
        const healthy = await kubectlRaw(o, '/healthz');
        if (healthy === undefined) return 'ready' as const;
        last = `/readyz: ${ready}; /healthz: ${healthy}`;
        return false;
      },
      o.timeoutMs,
      { what: 'the API server of KUBE_SERVER_CMD', intervalMs: 100 },
    );
  } catch {
    // timed out: reported below with the last thing seen
  }
  if (outcome !== 'ready') {
    await proc.stop('SIGTERM', 2000);
    const why =
      outcome === 'exited'
        ? `it exited (${JSON.stringify(proc.exitInfo)}); last: ${last}`
        : `timed out; last: ${last}`;
    throw new Error(
      `lab: KUBE_SERVER_CMD '${cmd}' did not bring up an API server at ${o.host}:${o.port} within ${o.timeoutMs} ms: ${why}\nlog ${o.logFile}, last lines:\n${proc.output().slice(-2000)}`,
    );
  }
  const view = await run(
    inNs(o.ns, [
      'kubectl',
      '--kubeconfig',
      o.kubeconfig,
      'config',
      'view',
      '--minify',
      '-o',
      'jsonpath={.clusters[0].cluster.server}',
    ]),
  );
  return {
    proc,
    url: view.code === 0 ? view.stdout.trim() : `(see ${o.kubeconfig})`,
    kubeconfig: o.kubeconfig,
  };
}
