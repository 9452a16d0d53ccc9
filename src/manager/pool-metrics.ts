// The per-pool gauges as a manager component: they report from the Eip cache while the manager runs.
import type { ComponentFactory } from './component.ts';
import { reportPoolsFrom } from '../obs/pool-metrics.ts';

export const poolMetricsComponent: ComponentFactory = (ctx) => ({
  name: 'pool-metrics',
  phase: 'main',
  async start() {
    reportPoolsFrom(ctx.caches.eips);
  },
  async stop() {
    reportPoolsFrom(undefined);
  },
});
