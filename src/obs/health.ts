// /healthz (liveness), /readyz (pluggable readiness checks) and /metrics on one small HTTP server.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { metricsText } from './metrics.ts';
import { errorMessage } from '../core/errors.ts';
import { err, ok, type Result } from '../core/result.ts';
import { logger } from './log.ts';

/** What a readiness or liveness check answers: passing, or failing with the reason. */
export type Readiness = Result<void, string>;

export const READY: Readiness = ok(undefined);

export function notReady(reason: string): Readiness {
  return err(reason);
}

/** READY when there is no reason not to be; else not ready for that reason. */
export function readyUnless(reason: string | undefined): Readiness {
  return reason === undefined ? READY : err(reason);
}

/** May be async; a throw counts as failing. */
export type Check = () => Readiness | Promise<Readiness>;

export interface HealthServerOptions {
  host: string;
  port: number;
}

interface CheckResult {
  name: string;
  ok: boolean;
  reason?: string;
}

export class HealthServer {
  private readonly opts: HealthServerOptions;
  private readonly ready = new Map<string, Check>();
  private readonly live = new Map<string, Check>();
  private server: Server | undefined;
  private shuttingDown = false;
  private readonly log = logger('health');

  constructor(opts: HealthServerOptions) {
    this.opts = opts;
  }

  addReadinessCheck(name: string, check: Check): void {
    this.ready.set(name, check);
  }
  addLivenessCheck(name: string, check: Check): void {
    this.live.set(name, check);
  }
  /** From now on /readyz answers 503, whatever the checks say. */
  setShuttingDown(): void {
    this.shuttingDown = true;
  }

  async isReady(): Promise<boolean> {
    if (this.shuttingDown) return false;
    return (await runChecks(this.ready)).every((r) => r.ok);
  }

  async start(): Promise<AddressInfo> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch((e: unknown) => {
        this.log.error('health handler failed', { error: String(e) });
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
    });
    server.keepAliveTimeout = 5000;
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.port, this.opts.host === '' ? undefined : this.opts.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const addr = server.address() as AddressInfo;
    this.log.info('health server listening', { address: addr.address, port: addr.port });
    return addr;
  }

  async close(): Promise<void> {
    const s = this.server;
    if (!s) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      s.close(() => resolve());
      s.closeAllConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    const verbose = url.searchParams.has('verbose');
    switch (url.pathname) {
      case '/healthz':
      case '/livez':
        return this.report(res, await runChecks(this.live), verbose, false);
      case '/readyz': {
        const results = await runChecks(this.ready);
        if (this.shuttingDown) results.unshift({ name: 'shutdown', ok: false, reason: 'shutting down' });
        return this.report(res, results, verbose, true);
      }
      case '/metrics': {
        const m = await metricsText();
        res.writeHead(200, { 'Content-Type': m.contentType }).end(m.body);
        return;
      }
      default:
        res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
    }
  }

  private report(res: ServerResponse, results: CheckResult[], verbose: boolean, readiness: boolean): void {
    const ok = results.every((r) => r.ok);
    const lines = results
      .filter((r) => verbose || !r.ok)
      .map((r) => `[${r.ok ? '+' : '-'}]${r.name} ${r.ok ? 'ok' : `failed: ${r.reason ?? 'not ready'}`}`);
    lines.push(
      ok
        ? `${readiness ? 'readyz' : 'healthz'} check passed`
        : `${readiness ? 'readyz' : 'healthz'} check failed`,
    );
    res
      .writeHead(ok ? 200 : 503, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' })
      .end(lines.join('\n') + '\n');
  }
}

async function runChecks(checks: Map<string, Check>): Promise<CheckResult[]> {
  return Promise.all(
    [...checks].map(async ([name, check]): Promise<CheckResult> => {
      try {
        const r = await check();
        return r.ok ? { name, ok: true } : { name, ok: false, reason: r.error };
      } catch (e) {
        return { name, ok: false, reason: errorMessage(e) };
      }
    }),
  );
}
