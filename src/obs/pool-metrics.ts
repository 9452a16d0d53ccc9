// Per-pool gauges computed from the Eip cache at scrape time (every replica reports the same values,
// so dashboards can read any one). Labelled by pool, never by IP.
import { Gauge } from 'prom-client';
import type { Eip } from '../api/v1alpha2.ts';
import { registry } from './metrics.ts';

export interface EipSource {
  readonly hasSynced: boolean;
  list(): readonly Eip[];
}

let source: EipSource | undefined;

function perPool(name: string, help: string, value: (e: Eip) => number | undefined): void {
  if (registry.getSingleMetric(name)) return;
  new Gauge({
    name,
    help,
    labelNames: ['eip', 'protocol'],
    registers: [registry],
    collect(this: Gauge<'eip' | 'protocol'>) {
      this.reset();
      if (!source?.hasSynced) return;
      for (const e of source.list()) {
        const v = value(e);
        if (v !== undefined) this.set({ eip: e.metadata.name, protocol: e.spec.protocol || 'bgp' }, v);
      }
    },
  });
}

perPool(
  'openelb_eip_pool_size',
  'Addresses an Eip can hand out (status.poolSize)',
  (e) => e.status?.poolSize,
);
perPool('openelb_eip_pool_usage', 'Addresses of an Eip in use (status.usage)', (e) => e.status?.usage ?? 0);
perPool(
  'openelb_eip_pool_services',
  'Services holding an address of an Eip',
  (e) => Object.keys(e.status?.serviceUIDs ?? {}).length,
);
perPool('openelb_eip_pool_disabled', '1 when the Eip is disabled (no new allocations)', (e) =>
  e.spec.disable ? 1 : 0,
);

/** Reports the pools of this cache from now on (undefined: stop reporting). */
export function reportPoolsFrom(eips: EipSource | undefined): void {
  source = eips;
}
