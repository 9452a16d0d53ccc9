import { fileURLToPath } from 'node:url';
import { inNs, run } from './exec.ts';
import { Proc } from './proc.ts';

// HTTP from the client namespace: one-shot requests (curl) and a rate-driven prober (a Node script
// run inside the namespace, a new connection per request).

const PROBE = fileURLToPath(new URL('./agents/http-probe.ts', import.meta.url));

export interface HttpGetResult {
  ok: boolean;
  status: number;
  body: string;
  /** node named in the stand-in's body (node=<name>). */
  node: string | undefined;
  error: string | undefined;
}

/** One GET with a fresh connection (curl), never throws. url: http://198.51.100.10/ or http://[2001:db8::1]/ */
export async function httpGet(ns: string, url: string, timeoutMs = 3000): Promise<HttpGetResult> {
  const r = await run(
    inNs(ns, [
      'curl',
      '-sS',
      '-g',
      '--max-time',
      String(timeoutMs / 1000),
      '-o',
      '-',
      '-w',
      '\n%{http_code}',
      url,
    ]),
    { timeoutMs: timeoutMs + 5000 },
  );
  const lines = r.stdout.split('\n');
  const status = Number(lines.pop() ?? 0);
  const body = lines.join('\n');
  return {
    ok: r.code === 0 && status === 200,
    status,
    body,
    node: body.match(/node=(\S+)/)?.[1],
    error: r.code === 0 ? undefined : r.stderr.trim(),
  };
}

export function urlFor(ip: string, port = 80, path = '/'): string {
  const host = ip.includes(':') ? `[${ip}]` : ip;
  return `http://${host}${port === 80 ? '' : `:${port}`}${path}`;
}

export interface ProbeOptions {
  ratePerSec?: number;
  /** stop after this many requests (default: until stop()). */
  count?: number;
  timeoutMs?: number;
}

export interface ProbeResult {
  sent: number;
  ok: number;
  failed: number;
  /** answers per node name. */
  byNode: Record<string, number>;
  /** failures by reason (ECONNREFUSED, timeout, status 503 …). */
  errors: Record<string, number>;
  latenciesMs: number[];
}

export class HttpProbe {
  private readonly proc: Proc;
  readonly done: Promise<ProbeResult>;

  private constructor(proc: Proc) {
    this.proc = proc;
    this.done = proc.exited.then(() => {
      const m = proc.output().match(/probe-result (\{.*\})/);
      if (!m?.[1]) throw new Error(`http probe ended without a result: ${proc.output().slice(-1000)}`);
      return JSON.parse(m[1]) as ProbeResult;
    });
    this.done.catch(() => undefined);
  }

  static async start(ns: string, url: string, o: ProbeOptions = {}, logFile?: string): Promise<HttpProbe> {
    const opts = {
      url,
      ratePerSec: o.ratePerSec ?? 20,
      count: o.count ?? Number.MAX_SAFE_INTEGER,
      timeoutMs: o.timeoutMs ?? 1000,
    };
    const proc = new Proc(ns, [process.execPath, PROBE, JSON.stringify(opts), ns], {
      name: `http-probe@${ns}`,
      logFile,
    });
    await proc.waitForOutput(/probe-started/, 10_000);
    return new HttpProbe(proc);
  }

  get pid(): number {
    return this.proc.pid;
  }

  process(): Proc {
    return this.proc;
  }

  /** Ends the probe (requests in flight finish) and returns the totals. */
  async stop(): Promise<ProbeResult> {
    this.proc.signal('SIGTERM');
    const timer = setTimeout(() => this.proc.signal('SIGKILL'), 5000);
    try {
      return await this.done;
    } finally {
      clearTimeout(timer);
    }
  }
}
