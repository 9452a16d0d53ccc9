// Debian's Prometheus (package `prometheus`, 2.42) inside a lab namespace, scraping every manager
// replica's /metrics over the lab LAN. Its config and TSDB live in the lab's run dir (under /tmp) and
// go with it; the process is one of the lab's own, stopped by PID on down(). It listens on loopback of
// the namespace it runs in only; queries go through curl in that namespace.
import { mkdir, writeFile } from 'node:fs/promises';
import { httpGet } from './http.ts';
import type { Lab } from './lab.ts';
import type { Proc } from './proc.ts';
import { waitFor } from './wait.ts';

export const PROMETHEUS_BIN = 'prometheus';
const LISTEN = '127.0.0.1:9090';

export interface LabPrometheusOptions {
  /** scrape interval in seconds (default 1: a walkthrough of a minute gives dozens of samples). */
  scrapeIntervalS?: number;
  /** the managers' health port (default 8080, the manager's --health-addr default). */
  managerPort?: number;
}

/** One sample of an instant vector, or the points of a range vector series. */
export interface PromSeries {
  metric: Record<string, string>;
  value?: [number, string];
  values?: [number, string][];
}

interface PromAnswer {
  status: 'success' | 'error';
  data?: { resultType: string; result: PromSeries[] };
  error?: string;
  errorType?: string;
}

interface TargetsAnswer {
  data: { activeTargets: { scrapeUrl: string; health: string; lastError: string }[] };
}

export function prometheusConfig(
  targets: readonly { address: string; node: string }[],
  intervalS: number,
): string {
  // job "openelb" as a ServiceMonitor or PodMonitor would name it; instance is host:port as usual
  const lines = [
    'global:',
    `  scrape_interval: ${intervalS}s`,
    `  scrape_timeout: ${intervalS}s`,
    'scrape_configs:',
    '  - job_name: openelb',
    '    metrics_path: /metrics',
    '    static_configs:',
  ];
  for (const t of targets)
    lines.push(`      - targets: ['${t.address}']`, `        labels: { lab_node: '${t.node}' }`);
  return lines.join('\n') + '\n';
}

export class LabPrometheus {
  readonly proc: Proc;
  readonly ns: string;
  readonly url = `http://${LISTEN}`;
  readonly dir: string;
  readonly scrapeIntervalS: number;

  private constructor(proc: Proc, ns: string, dir: string, scrapeIntervalS: number) {
    this.proc = proc;
    this.ns = ns;
    this.dir = dir;
    this.scrapeIntervalS = scrapeIntervalS;
  }

  /** Starts Prometheus in the lab's control namespace (the client's without one) and waits until it is ready. */
  static async start(lab: Lab, o: LabPrometheusOptions = {}): Promise<LabPrometheus> {
    const intervalS = o.scrapeIntervalS ?? 1;
    const port = o.managerPort ?? 8080;
    const role = lab.plan.control ? 'k' : 'c';
    const dir = `${lab.dir}/prometheus`;
    await mkdir(`${dir}/data`, { recursive: true });
    const targets = lab.nodes.map((n) => ({ address: `${n.ipv4}:${port}`, node: n.name }));
    await writeFile(`${dir}/prometheus.yml`, prometheusConfig(targets, intervalS));
    const proc = lab.spawn(
      role,
      [
        PROMETHEUS_BIN,
        `--config.file=${dir}/prometheus.yml`,
        `--storage.tsdb.path=${dir}/data`,
        `--web.listen-address=${LISTEN}`,
        '--storage.tsdb.retention.time=1d',
        '--log.level=warn',
      ],
      { name: `prometheus@${role}`, logFile: `${dir}/prometheus.log` },
    );
    const p = new LabPrometheus(proc, lab.ns(role), dir, intervalS);
    await waitFor(
      async () => {
        if (!proc.running) throw new Error(`prometheus exited (log ${dir}/prometheus.log)`);
        return (await httpGet(p.ns, `${p.url}/-/ready`)).ok;
      },
      30_000,
      { what: 'prometheus /-/ready', intervalMs: 200 },
    );
    return p;
  }

  private async api<T>(path: string, params: Record<string, string> = {}): Promise<T> {
    const qs = new URLSearchParams(params).toString();
    const r = await httpGet(this.ns, `${this.url}${path}${qs ? `?${qs}` : ''}`, 10_000);
    if (r.error) throw new Error(`prometheus ${path}: ${r.error}`);
    return JSON.parse(r.body) as T;
  }

  /** Answers the query's series, or throws with Prometheus' own error (a bad expression names itself). */
  private async result(path: string, params: Record<string, string>): Promise<PromSeries[]> {
    const a = await this.api<PromAnswer>(path, params);
    if (a.status !== 'success' || !a.data)
      throw new Error(`prometheus ${path} ${params.query}: ${a.errorType ?? ''} ${a.error ?? ''}`.trim());
    return a.data.result;
  }

  query(expr: string, timeS?: number): Promise<PromSeries[]> {
    return this.result('/api/v1/query', { query: expr, ...(timeS ? { time: String(timeS) } : {}) });
  }

  queryRange(expr: string, startS: number, endS: number, stepS: number): Promise<PromSeries[]> {
    return this.result('/api/v1/query_range', {
      query: expr,
      start: String(startS),
      end: String(endS),
      step: String(stepS),
    });
  }

  /** Scrape targets with their health ("up", "down", "unknown") and last error. */
  async targets(): Promise<{ scrapeUrl: string; health: string; lastError: string }[]> {
    return (await this.api<TargetsAnswer>('/api/v1/targets', { state: 'active' })).data.activeTargets;
  }

  /** Waits until every target was scraped successfully. */
  async waitTargetsUp(deadlineMs = 30_000): Promise<void> {
    await waitFor(
      async () => {
        const down = (await this.targets()).filter((t) => t.health !== 'up');
        if (down.length > 0)
          throw new Error(down.map((t) => `${t.scrapeUrl}: ${t.health} ${t.lastError}`).join('; '));
        return true;
      },
      deadlineMs,
      { what: 'every manager replica scraped by prometheus', intervalMs: 500 },
    );
  }
}
