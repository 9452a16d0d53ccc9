// HTTP prober for the client namespace: a new TCP connection per request, at a fixed rate, counting
// failures and which node answered. Runs until `count` requests are done or SIGTERM, then prints one
// JSON line "probe-result {...}". Usage: node http-probe.ts <json options> [<namespace tag for ps>]
import { request } from 'node:http';

interface Opts {
  url: string;
  ratePerSec: number;
  count: number;
  timeoutMs: number;
}

const opts = JSON.parse(process.argv[2] ?? '{}') as Opts;
const interval = 1000 / Math.max(opts.ratePerSec, 0.001);
const res = {
  sent: 0,
  ok: 0,
  failed: 0,
  byNode: {} as Record<string, number>,
  errors: {} as Record<string, number>,
  latenciesMs: [] as number[],
};
let inflight = 0;
let stopping = false;

function one(): void {
  res.sent++;
  inflight++;
  const t0 = performance.now();
  let done = false;
  const finish = (err: string | undefined, node?: string): void => {
    if (done) return;
    done = true;
    inflight--;
    if (err === undefined) {
      res.ok++;
      res.latenciesMs.push(Math.round((performance.now() - t0) * 1000) / 1000);
      if (node) res.byNode[node] = (res.byNode[node] ?? 0) + 1;
    } else {
      res.failed++;
      res.errors[err] = (res.errors[err] ?? 0) + 1;
    }
    maybeExit();
  };
  const req = request(
    opts.url,
    { agent: false, timeout: opts.timeoutMs, headers: { connection: 'close' } },
    (r) => {
      let body = '';
      r.setEncoding('utf8');
      r.on('data', (c: string) => (body += c));
      r.on('end', () => {
        if (r.statusCode !== 200) finish(`status ${r.statusCode}`);
        else finish(undefined, body.match(/node=(\S+)/)?.[1] ?? 'unknown');
      });
      r.on('error', (e) => finish(e.message));
    },
  );
  req.on('timeout', () => {
    req.destroy(new Error('timeout'));
  });
  req.on('error', (e: NodeJS.ErrnoException) => finish(e.code ?? e.message));
  req.end();
}

function maybeExit(): void {
  if ((stopping || res.sent >= opts.count) && inflight === 0) {
    process.stdout.write(`probe-result ${JSON.stringify(res)}\n`);
    process.exit(0);
  }
}

process.stdout.write('probe-started\n');
const start = performance.now();
const tick = (): void => {
  if (stopping || res.sent >= opts.count) {
    maybeExit();
    return;
  }
  one();
  // schedule against the start time so the rate does not drift
  const next = start + res.sent * interval - performance.now();
  setTimeout(tick, Math.max(0, next));
};
tick();
process.on('SIGTERM', () => {
  stopping = true;
  maybeExit();
});
