// The manager's single prom-client registry. Every metric is named `openelb_…`; helpers are idempotent
// so modules (and tests that build many instances) can ask for the same metric twice.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export const registry = new Registry();
export const METRIC_PREFIX = 'openelb_';

let defaultsStarted = false;
/** Process metrics (CPU, memory, event loop lag) as openelb_process_… etc. Call once from main. */
export function collectProcessMetrics(): void {
  if (defaultsStarted) return;
  defaultsStarted = true;
  collectDefaultMetrics({ register: registry, prefix: METRIC_PREFIX });
}

function fullName(name: string): string {
  return name.startsWith(METRIC_PREFIX) ? name : METRIC_PREFIX + name;
}

export function counter<L extends string>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
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
  name: string, help: string, labelNames: readonly L[] = [], buckets?: number[],
): Histogram<L> {
  const n = fullName(name);
  const existing = registry.getSingleMetric(n);
  if (existing) return existing as Histogram<L>;
  return new Histogram<L>({ name: n, help, labelNames, registers: [registry], ...(buckets ? { buckets } : {}) });
}

export async function metricsText(): Promise<{ contentType: string; body: string }> {
  return { contentType: registry.contentType, body: await registry.metrics() };
}
