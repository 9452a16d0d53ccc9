import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { setLogLevel } from '../../../src/obs/log.ts';

// keep test output readable unless asked otherwise
if (!process.env.OPENELB_LOG_LEVEL) setLogLevel('warn');

// A real gobgpd for one test file: a direct child, gRPC on a unix socket in a private temp dir,
// no pprof listener, and (through the tests' StartBgp) no BGP listener. Stopped by PID.

export interface GobgpdProcess {
  readonly dir: string;
  readonly socket: string;
  readonly pid: number;
  /** SIGKILL (default) or SIGTERM, and wait for the exit */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** kill (if running) and start a fresh gobgpd on the same socket path */
  restart(): Promise<void>;
  /** kill and remove the temp dir */
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
let hooked = false;

function hookSignals(): void {
  if (hooked) return;
  hooked = true;
  const killAll = () => {
    for (const c of live) c.kill('SIGKILL');
  };
  process.once('exit', killAll);
  process.once('SIGINT', () => {
    killAll();
    process.exit(130);
  });
}

async function waitFor(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

export async function startGobgpd(name = 'bgp'): Promise<GobgpdProcess> {
  hookSignals();
  const dir = mkdtempSync(join(tmpdir(), `openelb-${name}-${process.pid}-`));
  const socket = join(dir, 'gobgpd.sock');
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let generation = 0;

  const launch = async () => {
    rmSync(socket, { force: true });
    generation++;
    const log = createWriteStream(join(dir, `gobgpd.${generation}.log`));
    const c = spawn('gobgpd', ['--api-hosts', `unix://${socket}`, '--pprof-disable', '-p', '-l', 'info'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    c.stdout?.pipe(log);
    c.stderr?.pipe(log);
    live.add(c);
    exited = new Promise((resolve) =>
      c.once('exit', () => {
        live.delete(c);
        resolve();
      }),
    );
    child = c;
    await waitFor(() => existsSync(socket) || c.exitCode !== null, 10_000, `gobgpd socket ${socket}`);
    if (c.exitCode !== null) throw new Error(`gobgpd exited with ${c.exitCode}; see ${dir}`);
  };

  const kill = async (signal: NodeJS.Signals = 'SIGKILL') => {
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill(signal);
      await exited;
    }
  };

  await launch();
  return {
    dir,
    socket,
    get pid() {
      return child?.pid ?? -1;
    },
    kill,
    restart: async () => {
      await kill();
      await launch();
    },
    stop: async () => {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
