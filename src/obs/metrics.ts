// The manager's single prom-client registry. Every metric is named `openelb_…`; helpers are idempotent
// so modules (and tests that build many instances) can ask for the same metric twice.
import { getHeapStatistics } from 'node:v8';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export const registry = new Registry();
export const METRIC_PREFIX = 'openelb_';

let defaultsStarted = false;
/** Process metrics (CPU, memory, event loop lag) as openelb_process_… etc. Call once from main. */
export function collectProcessMetrics(): void {
  if (defaultsStarted) return;
  defaultsStarted = true;
  collectDefaultMetrics({ register: registry, prefix: METRIC_PREFIX });
  // process.memoryUsage() as one gauge: the defaults lack arrayBuffers (Buffers behind JSON bodies,
  // gRPC frames), which is what separates "external" from V8's own heap when RSS grows.
  new Gauge<'kind'>({
    name: `${METRIC_PREFIX}process_memory_bytes`,
    help: "process.memoryUsage() at scrape time (rss, heapTotal, heapUsed, external, arrayBuffers) and V8's own malloc use (v8Malloced, v8PeakMalloced)",
    labelNames: ['kind'],
    registers: [registry],
    collect(this: Gauge<'kind'>) {
      const m = process.memoryUsage();
      for (const kind of ['rss', 'heapTotal', 'heapUsed', 'external', 'arrayBuffers'] as const)
        this.set({ kind }, m[kind]);
      const h = getHeapStatistics();
      this.set({ kind: 'v8Malloced' }, h.malloced_memory);
      this.set({ kind: 'v8PeakMalloced' }, h.peak_malloced_memory);
    },
  });
}

/**
 * `openelb_manager_info{node, pod, version} 1`: joins any per-process series (memory, Layer 2 counts)
 * to the node it runs on, so dashboards label replicas by node rather than by scrape address.
 */
export function publishManagerInfo(info: { node: string; pod: string; version: string }): void {
  gauge('manager_info', 'Always 1; labels name the node, pod and version of this manager', [
    'node',
    'pod',
    'version',
  ]).set(info, 1);
}

function fullName(name: string): string {
  return name.startsWith(METRIC_PREFIX) ? name : METRIC_PREFIX + name;
}

export function counter<L extends string>(
  name: string,
  help: string,
  labelNames: readonly L[] = [],
): Counter<L> {
  const n = fullName(name);
  const existing = registry.getSingleMetric(n);
  if (existing) return existing as Counter<L>;
  return new Counter<L>({ name: n, help, labelNames, registers: [registry] });
}

export function gauge<L extends string>(name: string, help: string, labelNames: readonly L[] = []): Gauge<L> {
  const n = fullName(name);
  const existing = registry.getSingleMetric(n);
  if (existing) return existing as Gauge<L>;
  return new Gauge<L>({ name: n, help, labelNames, registers: [registry] });
}

export function histogram<L extends string>(
  name: string,
  help: string,
  labelNames: readonly L[] = [],
  buckets?: number[],
): Histogram<L> {
  const n = fullName(name);
  const existing = registry.getSingleMetric(n);
  if (existing) return existing as Histogram<L>;
  return new Histogram<L>({
    name: n,
    help,
    labelNames,
    registers: [registry],
    ...(buckets ? { buckets } : {}),
  });
}

export async function metricsText(): Promise<{ contentType: string; body: string }> {
  return { contentType: registry.contentType, body: await registry.metrics() };
}
