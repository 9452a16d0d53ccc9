// The announced publisher's metrics (announced-publisher.ts).
import { counter, gauge } from '../../obs/metrics.ts';

export const mWrites = counter(
  'announced_writes_total',
  'Writes of the per-Service announced summary (annotation openelb.kubesphere.io/announced) by result: written, unchanged (found already right), gone (Service deleted), failed',
  ['result'],
);
export const mMissing = gauge(
  'announced_services_missing_path',
  "LoadBalancer Services this replica carries whose path is missing from some peer's adj-RIB-out",
  ['node'],
);
export const mPending = gauge(
  'announced_writes_pending',
  'Services whose announced summary waits to be written',
  ['node'],
);
