// Weighted ECMP on a desired path: the link bandwidth this node attaches for an announcement whose
// Services opted in (src/announce/weighting.ts decides and counts), or why it attaches none.
import { linkBandwidthAsn, type DesiredGlobal, type DesiredPath } from '../../bgp/index.ts';
import type { EndpointSlice, Node } from '../../kube/types.ts';
import type { Announcement } from '../../announce/announcements.ts';
import { bandwidthForEndpoints, endpointWeight } from '../../announce/weighting.ts';
import { isAggregated } from './aggregate.ts';
import type { Note } from './desired-global.ts';

function note(a: Announcement, message: string): Note {
  return { kind: 'Eip', name: a.eip, type: 'Warning', reason: 'WeightedEcmpIgnored', message };
}

/** Sets `p.linkBandwidth` when `a` is weighted on `node`; problems become notes. */
export function addLinkBandwidth(
  p: DesiredPath,
  a: Announcement,
  node: Node | undefined,
  slices: readonly EndpointSlice[],
  g: DesiredGlobal | undefined,
  notes: Note[],
): void {
  if (!node || !g) return;
  const w = endpointWeight(a, node.metadata.name, slices);
  for (const m of w.problems) notes.push(note(a, m));
  if (w.endpoints === undefined) return;
  if (isAggregated(a)) {
    notes.push(
      note(
        a,
        `${a.ip} is announced inside the aggregate ${p.prefix}, which has no per-Service endpoint count: announced without link bandwidth (weighted ECMP needs host routes)`,
      ),
    );
    return;
  }
  p.linkBandwidth = { asn: linkBandwidthAsn(g.asn), bytesPerSecond: bandwidthForEndpoints(w.endpoints) };
}
