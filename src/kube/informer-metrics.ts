// The informers' metrics, labelled by resource.
import { counter, gauge } from '../obs/metrics.ts';

export const restartsTotal = counter('informer_restarts_total', 'Informer watch restarts by reason', [
  'resource',
  'reason',
]);
export const relistsTotal = counter('informer_relists_total', 'Informer full lists', ['resource']);
export const eventsTotal = counter('informer_events_total', 'Cache changes delivered to handlers', [
  'resource',
  'type',
]);
export const syncedGauge = gauge('informer_synced', '1 once the informer has listed at least once', [
  'resource',
]);
export const objectsGauge = gauge('informer_objects', 'Objects in the informer cache', ['resource']);
export const refusedTotal = counter(
  'informer_refused_total',
  'Object versions refused by the entry check (invalid; the last valid version stays in force)',
  ['resource'],
);
export const refusedGauge = gauge(
  'informer_refused_objects',
  'Objects whose newest version the entry check refused',
  ['resource'],
);
