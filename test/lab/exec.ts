import { execFile, execFileSync } from 'node:child_process';

// Short-lived commands (ip, birdc, vtysh, arping …). Long-lived daemons go through proc.ts instead.

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** kill the command after this long (default 20 s). */
  timeoutMs?: number;
  /** written to the command's stdin. */
  input?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** argv prefixed so that it runs inside network namespace `ns` (ip netns exec execs, no extra process). */
export function inNs(ns: string | undefined, argv: readonly string[]): string[] {
  return ns === undefined ? [...argv] : ['ip', 'netns', 'exec', ns, ...argv];
}

/** Runs argv to completion; never throws for a non-zero exit (see runOk). */
export function run(argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const [cmd, ...args] = argv;
  if (cmd === undefined) throw new Error('run: empty argv');
  return new Promise((resolve) => {
    const child = execFile(
      cmd,
      args,
      {
        timeout: opts.timeoutMs ?? 20_000,
        maxBuffer: 64 * 1024 * 1024,
        env: opts.env ?? process.env,
        cwd: opts.cwd,
        encoding: 'utf8',
      },
      (err, stdout, stderr) => {
        let code = 0;
        if (err) {
          const e = err as NodeJS.ErrnoException & { code?: number | string; killed?: boolean };
          code = typeof e.code === 'number' ? e.code : 127;
          if (e.killed) stderr += `\n(killed after ${opts.timeoutMs ?? 20_000} ms)`;
          else if (typeof e.code === 'string') stderr += `\n${e.message}`;
        }
        resolve({ code, stdout, stderr });
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    else child.stdin?.end();
  });
}

/** Runs argv and throws (with the command and its stderr) unless it exits 0. Returns stdout. */
export async function runOk(argv: readonly string[], opts: RunOptions = {}): Promise<string> {
  const r = await run(argv, opts);
  if (r.code !== 0) {
    throw new Error(
      `command failed (exit ${r.code}): ${argv.join(' ')}\n${r.stderr.trim() || r.stdout.trim()}`,
    );
  }
  return r.stdout;
}

/** Synchronous best-effort variant, for exit handlers only (errors are swallowed). */
export function runSyncQuiet(argv: readonly string[]): void {
  const [cmd, ...args] = argv;
  if (cmd === undefined) return;
  try {
    execFileSync(cmd, args, { stdio: 'ignore', timeout: 5_000 });
  } catch {
    // cleanup path: nothing useful to do with the error
  }
}
