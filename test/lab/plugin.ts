// `kubectl openelb …` in the lab's transcript, run as a user runs it: kubectl finds the plugin's
// executable (src/cli/kubectl-openelb.ts, the package's `kubectl-openelb` bin) on PATH, and the
// kubeconfig comes from $KUBECONFIG. Runs in the control namespace, like every other kubectl call.
import { mkdir, symlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Lab } from './lab.ts';
import { REPO_ROOT } from './roles.ts';

export const PLUGIN_BIN = join(REPO_ROOT, 'src/cli/kubectl-openelb.ts');
/** The headers of `kubectl openelb status -A`'s BGP and Layer 2 tables. */
export const STATUS_BGP_HEADERS =
  /NAMESPACE\s+NAME\s+POOL\s+IP\s+MODE\s+REPLICA\s+PEER\s+SESSION\s+ADVERTISED/;
export const STATUS_L2_HEADERS = /NAMESPACE\s+NAME\s+POOL\s+IP\s+MODE\s+OWNER\s+MAC\s+LEASE AGE/;
export const POOLS_HEADERS = /NAME\s+PROTOCOL\s+ADDRESS\s+SIZE\s+USED\s+FREE\s+NEXT FREE\s+STATE/;

export interface PluginRun {
  code: number;
  output: string;
}

/** A PATH with the plugin first, then the Node.js running the lab (the plugin's `env node`). */
async function pluginPath(lab: Lab): Promise<string> {
  const bin = join(lab.dir, 'plugin-bin');
  await mkdir(bin, { recursive: true });
  await symlink(PLUGIN_BIN, join(bin, 'kubectl-openelb')).catch((e: unknown) => {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  });
  return `${bin}:${dirname(process.execPath)}:${process.env.PATH ?? ''}`;
}

/** `$ kubectl openelb <args>` and its output, printed with `say`. */
export async function kubectlOpenelb(
  lab: Lab,
  say: (line?: string) => void,
  args: string[],
): Promise<PluginRun> {
  say(`$ kubectl openelb ${args.join(' ')}`);
  const env = { ...process.env, PATH: await pluginPath(lab), KUBECONFIG: lab.kubeconfig, NO_COLOR: '1' };
  const r = await lab.exec('k', ['kubectl', 'openelb', ...args], { env });
  const output = (r.stdout + r.stderr).trimEnd();
  if (output) say(output);
  return { code: r.code, output };
}
