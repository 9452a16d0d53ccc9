// Process control for a probe: child processes started in one work directory with their output in a
// log file each, the API double as its own process, and one cleanup that kills whatever still runs.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, rmSync } from 'node:fs';
import { join } from 'node:path';
import { until } from './poll.ts';

export class Children {
  readonly dir: string;
  /** K=V pairs added to every child's environment. */
  readonly env: Record<string, string>;
  /** Keep `dir` after cleanup (logs, snapshots). */
  keep = false;
  readonly #all: ChildProcess[] = [];
  #cleaned = false;

  constructor(dir: string, envPairs: readonly string[] = []) {
    this.dir = dir;
    this.env = Object.fromEntries(
      envPairs.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
    );
  }

  /** Starts `cmd` in `dir` (no KUBECONFIG from our environment); stdout and stderr go to `dir/logName`. */
  start(cmd: string, argv: string[], logName: string): ChildProcess {
    const c = spawn(cmd, argv, {
      stdio: ['ignore', 'pipe', 'pipe'],
      cwd: this.dir,
      env: { ...process.env, KUBECONFIG: '', ...this.env },
    });
    const log = createWriteStream(join(this.dir, logName));
    c.stdout?.pipe(log);
    c.stderr?.pipe(log);
    this.#all.push(c);
    return c;
  }

  /** The API double (test/kube/cli.ts) on a free port; answers the path of its kubeconfig. */
  async startKubeDouble(root: string): Promise<string> {
    const kubeconfig = join(this.dir, 'kubeconfig');
    const c = spawn(
      process.execPath,
      [join(root, 'test/kube/cli.ts'), '--port', '0', '--kubeconfig', kubeconfig],
      { stdio: ['ignore', 'pipe', 'pipe'], cwd: root },
    );
    this.#all.push(c);
    const log = createWriteStream(join(this.dir, 'double.log'));
    c.stderr?.pipe(log);
    let out = '';
    await until(
      'kube-double ready',
      () => {
        const chunk: unknown = c.stdout?.read();
        if (chunk) out += String(chunk);
        if (c.exitCode !== null) throw new Error(`kube double exited ${c.exitCode}`);
        return out.includes('kube-double ready') ? true : undefined;
      },
      30_000,
      50,
    );
    c.stdout?.resume();
    return kubeconfig;
  }

  /** Kills every child still running (SIGKILL) and removes `dir` unless kept. Runs once. */
  cleanup(): void {
    if (this.#cleaned) return;
    this.#cleaned = true;
    for (const c of this.#all) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    if (!this.keep) rmSync(this.dir, { recursive: true, force: true });
  }
}
