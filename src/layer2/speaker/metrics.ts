// Layer 2 metrics (never per-IP labels: the IP count is unbounded). The responders and announcers keep
// plain counters; syncCounters() moves their growth into the Prometheus counters.
import { counter, gauge } from '../../obs/metrics.ts';
import type { Layer2Counters } from '../counters.ts';
import type { Refusal } from '../guard/types.ts';

export const ipsOwned = gauge('layer2_ips_owned', 'Layer 2 IPs this replica answers ARP/NDP for');
export const ipsClaimed = gauge(
  'layer2_ips_claimed',
  'Layer 2 IPs this replica claims in its Lease (owned or waiting to take)',
);
export const takeoversTotal = counter('layer2_takeovers_total', 'IPs this replica started answering');
export const releasesTotal = counter(
  'layer2_releases_total',
  'IPs this replica stopped answering (handover, fence, eligibility)',
);
export const conflictsTotal = counter(
  'layer2_conflicts_total',
  'Another host answered or claimed an IP this replica holds (not the replica handing it over); the IP is refused',
);
export const conflictProbesTotal = counter(
  'layer2_conflict_probes_total',
  'Periodic ARP / NS probes sent for answered IPs to detect another answerer',
);
export const acquireProbesTotal = counter(
  'layer2_acquire_probes_total',
  'ARP probes / DAD solicitations sent before answering an IP (first answer, re-probe of a refused IP)',
);
export const refusalsTotal = counter(
  'layer2_refusals_total',
  'IPs this replica refused to answer: cause=conflict (another host holds it) or reserved (a node, BGP peer or gateway address)',
  ['cause'],
);
export const ipsRefused = gauge(
  'layer2_ips_refused',
  'IPs this replica holds but does not answer, by cause',
  ['cause'],
);
export const renewsTotal = counter('layer2_lease_renews_total', "Renewals of this replica's Layer 2 Lease", [
  'result',
]);
export const quorumReadsTotal = counter(
  'layer2_quorum_reads_total',
  'Consistent LISTs of the replica Leases',
  ['result'],
);
export const fenceRemaining = gauge(
  'layer2_fence_remaining_seconds',
  'Time left before this replica must stop answering unless it renews (0 = fenced)',
);

const repliesTotal = counter('layer2_replies_total', 'ARP replies and neighbour advertisements sent', [
  'kind',
]);
const gratuitousTotal = counter(
  'layer2_gratuitous_sent_total',
  'Gratuitous ARP / unsolicited NA frames sent on takeover',
);
const fencedTotal = counter(
  'layer2_replies_fenced_total',
  'Answers suppressed by the ownership fence right before sending',
);
const badFramesTotal = counter('layer2_frames_bad_total', 'Malformed or truncated ARP/NDP frames dropped');
const sendErrorsTotal = counter('layer2_send_errors_total', 'Frames the packet socket could not send');
const foreignTotal = counter(
  'layer2_foreign_claims_total',
  'Frames in which another MAC claims one of our IPs (before the conflict filter)',
);

const last = new WeakMap<Layer2Counters, Layer2Counters>();

export function syncCounters(c: Layer2Counters): void {
  const prev = last.get(c) ?? {
    ...c,
    arpRepliesSent: 0,
    ndpAdvertsSent: 0,
    gratuitousSent: 0,
    repliesFenced: 0,
    framesDroppedBad: 0,
    sendErrors: 0,
    foreignClaims: 0,
  };
  const d = (k: keyof Layer2Counters): number => Math.max(0, c[k] - prev[k]);
  if (d('arpRepliesSent') > 0) repliesTotal.inc({ kind: 'arp' }, d('arpRepliesSent'));
  if (d('ndpAdvertsSent') > 0) repliesTotal.inc({ kind: 'ndp' }, d('ndpAdvertsSent'));
  if (d('gratuitousSent') > 0) gratuitousTotal.inc(d('gratuitousSent'));
  if (d('repliesFenced') > 0) fencedTotal.inc(d('repliesFenced'));
  if (d('framesDroppedBad') > 0) badFramesTotal.inc(d('framesDroppedBad'));
  if (d('sendErrors') > 0) sendErrorsTotal.inc(d('sendErrors'));
  if (d('foreignClaims') > 0) foreignTotal.inc(d('foreignClaims'));
  last.set(c, { ...c });
}

/** The holdings gauges: answered, claimed, and refused by cause. */
export function syncHoldings(answered: number, claimed: number, refusals: Iterable<Refusal>): void {
  ipsOwned.set(answered);
  ipsClaimed.set(claimed);
  const byCause = { conflict: 0, reserved: 0 };
  for (const r of refusals) byCause[r.cause]++;
  for (const [cause, n] of Object.entries(byCause)) ipsRefused.set({ cause }, n);
}

/** Time left on the fence (0 = fenced, or no fence yet). */
export function syncFence(deadline: number | undefined, now: number): void {
  fenceRemaining.set(deadline === undefined ? 0 : Math.max(0, (deadline - now) / 1000));
}
