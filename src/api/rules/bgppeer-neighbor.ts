// One BgpPeer per neighbour and node. gobgpd keys its peers by neighbour address, and the status of a
// session is looked up by that address, so two BgpPeers for the same neighbour on one node would
// share one gobgpd peer and one session status (issue 12: an adminDown copy showed the other one's
// ESTABLISHED session). Two BgpPeers clash when their neighbour addresses are the same address
// (compared parsed, so 2001:db8::1 and 2001:DB8:0::1 are one) and their nodeSelectors can select a
// common node — decided on the selectors alone, for any labels a node could carry, so the answer
// does not change when nodes come, go or are relabelled. Pure.
import { canonicalIp } from '../../net/ip.ts';
import { isRecord, recordAt } from './issues.ts';

/** The parts of a BgpPeer the rule reads. */
export interface NeighborPeer {
  metadata: { name: string; creationTimestamp?: string; deletionTimestamp?: string };
  spec?: unknown;
}

export interface Clash {
  /** the other BgpPeer */
  other: string;
  /** the neighbour address, canonical */
  address: string;
}

/** Canonical neighbour address, or undefined when it is missing or not an address. */
export function neighborKey(spec: unknown): string | undefined {
  const a = recordAt(spec, 'conf')?.['neighborAddress'];
  return typeof a === 'string' ? canonicalIp(a) : undefined;
}

interface Requirement {
  key: string;
  op: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values: string[];
}

const OPS = new Set(['In', 'NotIn', 'Exists', 'DoesNotExist']);

/** A nodeSelector as requirements; undefined when it is malformed (then it is taken to overlap everything). */
function requirements(sel: unknown): Requirement[] | undefined {
  if (sel === undefined || sel === null) return [];
  if (!isRecord(sel)) return undefined;
  const out: Requirement[] = [];
  const labels = sel['matchLabels'];
  if (labels !== undefined && labels !== null) {
    if (!isRecord(labels)) return undefined;
    for (const [key, v] of Object.entries(labels)) {
      if (typeof v !== 'string') return undefined;
      out.push({ key, op: 'In', values: [v] });
    }
  }
  const exprs = sel['matchExpressions'];
  if (exprs !== undefined && exprs !== null) {
    if (!Array.isArray(exprs)) return undefined;
    for (const e of exprs) {
      if (
        !isRecord(e) ||
        typeof e['key'] !== 'string' ||
        typeof e['operator'] !== 'string' ||
        !OPS.has(e['operator'])
      )
        return undefined;
      const values = e['values'] ?? [];
      if (!Array.isArray(values) || values.some((v) => typeof v !== 'string')) return undefined;
      const op = e['operator'] as Requirement['op'];
      if ((op === 'In' || op === 'NotIn') && values.length === 0) return undefined;
      out.push({ key: e['key'], op, values: values as string[] });
    }
  }
  return out;
}

/** Can one key satisfy every requirement on it at once? */
function keySatisfiable(reqs: readonly Requirement[]): boolean {
  const present = reqs.some((r) => r.op === 'In' || r.op === 'Exists');
  if (!present) return true; // the key left off satisfies NotIn and DoesNotExist
  if (reqs.some((r) => r.op === 'DoesNotExist')) return false;
  const excluded = new Set(reqs.filter((r) => r.op === 'NotIn').flatMap((r) => r.values));
  const ins = reqs.filter((r) => r.op === 'In');
  if (ins.length === 0) return true; // Exists and NotIn: some value outside the excluded ones
  const [first, ...rest] = ins;
  return (first?.values ?? []).some((v) => !excluded.has(v) && rest.every((r) => r.values.includes(v)));
}

/**
 * Could some node carry labels that both selectors select? Absent or empty selectors select every
 * node; a malformed one is taken to select any node (it cannot be shown to be disjoint).
 */
export function selectorsOverlap(a: unknown, b: unknown): boolean {
  const ra = requirements(a);
  const rb = requirements(b);
  if (!ra || !rb) return true;
  const byKey = new Map<string, Requirement[]>();
  for (const r of [...ra, ...rb]) byKey.set(r.key, [...(byKey.get(r.key) ?? []), r]);
  return [...byKey.values()].every(keySatisfiable);
}

function nodeSelectorOf(p: NeighborPeer): unknown {
  return isRecord(p.spec) ? p.spec['nodeSelector'] : undefined;
}

function alive(p: NeighborPeer): boolean {
  return p.metadata.deletionTimestamp === undefined || p.metadata.deletionTimestamp === null;
}

/** The other (non-deleting) BgpPeers `obj` clashes with, by name. */
export function neighborClashes(obj: NeighborPeer, others: Iterable<NeighborPeer>): Clash[] {
  const address = neighborKey(obj.spec);
  if (address === undefined) return [];
  const out: Clash[] = [];
  for (const o of others) {
    if (o.metadata.name === obj.metadata.name || !alive(o)) continue;
    if (neighborKey(o.spec) !== address) continue;
    if (selectorsOverlap(nodeSelectorOf(obj), nodeSelectorOf(o)))
      out.push({ other: o.metadata.name, address });
  }
  return out.sort((x, y) => (x.other < y.other ? -1 : x.other > y.other ? 1 : 0));
}

/** Creation order: creationTimestamp (RFC 3339, compares as text), then name. */
export function createdBefore(a: NeighborPeer, b: NeighborPeer): boolean {
  const ta = a.metadata.creationTimestamp ?? '';
  const tb = b.metadata.creationTimestamp ?? '';
  if (ta !== tb) return ta < tb;
  return a.metadata.name < b.metadata.name;
}

function byCreation(a: NeighborPeer, b: NeighborPeer): number {
  return createdBefore(a, b) ? -1 : createdBefore(b, a) ? 1 : 0;
}

/**
 * For the controllers, when the webhook did not stop a clash: a BgpPeer that clashes with one
 * created before it is in conflict, with the earliest such peer. The earliest of each clash keeps
 * working; the later ones are configured on no node. Deleting peers take no part.
 */
export function conflictOf(obj: NeighborPeer, peers: Iterable<NeighborPeer>): Clash | undefined {
  if (!alive(obj)) return undefined;
  const earlier = [...peers]
    .filter((q) => q.metadata.name !== obj.metadata.name && createdBefore(q, obj))
    .sort(byCreation);
  for (const q of earlier) {
    const [hit] = neighborClashes(obj, [q]);
    if (hit) return hit;
  }
  return undefined;
}

/** conflictOf for every BgpPeer at once: name → clash. */
export function neighborConflicts(peers: Iterable<NeighborPeer>): Map<string, Clash> {
  const groups = new Map<string, NeighborPeer[]>();
  for (const p of peers) {
    if (!alive(p)) continue;
    const k = neighborKey(p.spec);
    if (k !== undefined) groups.set(k, [...(groups.get(k) ?? []), p]);
  }
  const out = new Map<string, Clash>();
  for (const group of groups.values()) {
    if (group.length < 2) continue;
    for (const p of group) {
      const c = conflictOf(p, group);
      if (c) out.set(p.metadata.name, c);
    }
  }
  return out;
}

/** The sentence for a conflicting BgpPeer's condition, per-node lastError and Event. */
export function conflictMessage(c: Clash): string {
  return `spec.conf.neighborAddress ${c.address} is also the neighbour of BgpPeer "${c.other}", created earlier, and both nodeSelectors can select the same node: this BgpPeer is not configured on any node (BgpPeer "${c.other}" is left as it is). Change its neighborAddress or make the nodeSelectors disjoint, or delete one of the two.`;
}
