import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { inNs } from './exec.ts';

// A long-lived process started as a DIRECT child (ip netns exec execs the program, so the PID we hold
// is the daemon's own), with its output in a log file and the tail kept in memory. Stopped by PID only.

export interface SpawnOptions {
  /** label used in errors and logs, e.g. "gobgpd@n1". */
  name?: string;
  /** file receiving stdout+stderr (appended). */
  logFile?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /**
   * Lead a process group of its own (setsid): signals go to the group whose id is this PID, so a
   * shell command's children stop with it. For commands the lab does not know (KUBE_SERVER_CMD).
   */
  group?: boolean;
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

const TAIL_BYTES = 64 * 1024;

export class Proc {
  readonly name: string;
  readonly ns: string | undefined;
  readonly argv: readonly string[];
  readonly pid: number;
  readonly exited: Promise<ExitInfo>;
  exitInfo: ExitInfo | undefined;
  private readonly child: ChildProcess;
  private readonly group: boolean;
  private tail = '';
  private readonly log: WriteStream | undefined;
  private readonly outputWaiters = new Set<() => void>();

  constructor(ns: string | undefined, argv: readonly string[], opts: SpawnOptions = {}) {
    this.ns = ns;
    this.argv = argv;
    this.name = opts.name ?? argv.join(' ');
    const full = inNs(ns, argv);
    const [cmd, ...args] = full;
    if (cmd === undefined) throw new Error('spawn: empty argv');
    this.log = opts.logFile ? createWriteStream(opts.logFile, { flags: 'a' }) : undefined;
    this.group = opts.group === true;
    this.child = spawn(cmd, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: opts.env ?? process.env,
      cwd: opts.cwd,
      detached: this.group,
    });
    if (this.child.pid === undefined) throw new Error(`spawn ${this.name}: no pid (${full.join(' ')})`);
    this.pid = this.child.pid;
    const onData = (b: Buffer): void => {
      this.log?.write(b);
      this.tail = (this.tail + b.toString('utf8')).slice(-TAIL_BYTES);
      for (const w of this.outputWaiters) w();
    };
    this.child.stdout?.on('data', onData);
    this.child.stderr?.on('data', onData);
    this.exited = new Promise((resolve) => {
      this.child.on('error', (err) => {
        this.tail += `\nspawn error: ${err.message}`;
      });
      this.child.on('close', (code, signal) => {
        this.exitInfo = { code, signal };
        this.log?.end();
        for (const w of this.outputWaiters) w();
        resolve(this.exitInfo);
      });
    });
  }

  get running(): boolean {
    return this.exitInfo === undefined;
  }

  /** The last 64 KiB of combined stdout/stderr. */
  output(): string {
    return this.tail;
  }

  /** Resolves with the first match of re in the output; rejects on exit or after timeoutMs. */
  waitForOutput(re: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const m = this.tail.match(re);
        if (m) {
          done();
          resolve(m);
        } else if (!this.running) {
          done();
          reject(
            new Error(
              `${this.name} exited (${JSON.stringify(this.exitInfo)}) before printing ${re}:\n${this.tail.slice(-2000)}`,
            ),
          );
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(
          new Error(`${this.name} did not print ${re} within ${timeoutMs} ms:\n${this.tail.slice(-2000)}`),
        );
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        this.outputWaiters.delete(check);
      };
      this.outputWaiters.add(check);
      check();
    });
  }

  /** Sends a signal to this PID only, or (group: true) to the group this PID leads — never another group. */
  signal(sig: NodeJS.Signals): void {
    if (this.running) {
      try {
        process.kill(this.group ? -this.pid : this.pid, sig);
      } catch {
        // already gone
      }
    }
  }

  /** SIGCONT (a stopped process ignores TERM), then `sig`; SIGKILL after graceMs; resolves once reaped. */
  async stop(sig: NodeJS.Signals = 'SIGTERM', graceMs = 3000): Promise<ExitInfo> {
    if (!this.running) return this.exitInfo as ExitInfo;
    this.signal('SIGCONT');
    this.signal(sig);
    const timer = setTimeout(() => this.signal('SIGKILL'), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
      await this.killGroupRest();
    }
  }

  /**
   * The leader reaped, members that closed their output may still run: kill them, and wait (bounded)
   * until the group is gone — orphaned members are reaped by init. The id is still ours: Linux hands
   * out no PID that names a live process group.
   */
  private async killGroupRest(): Promise<void> {
    if (!this.group) return;
    for (let i = 0; i < 40; i++) {
      try {
        process.kill(-this.pid, i === 0 ? 'SIGKILL' : 0);
      } catch {
        return; // no member left
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
