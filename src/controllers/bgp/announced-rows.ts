// This replica's part of the per-Service announced summary (api/announced.ts): for every LoadBalancer
// Service it carries over BGP, one row {BgpPeer name: the Service's path is in that peer's
// adj-RIB-out}. Pure: announcements, peers and their adj-RIB-out listings in; rows and merged
// annotation values out.
import { isDeepStrictEqual } from 'node:util';
import { decodeAnnounced, encodeAnnounced, type AnnouncedSummary } from '../../api/announced.ts';
import { nodeMayCarry, type Announcement } from '../../announce/announcements.ts';
import { canonicalPrefix } from '../../bgp/index.ts';
import type { EndpointSlice, Node } from '../../kube/types.ts';
import type { Family } from '../../net/ip.ts';
import { announcedPrefix } from './aggregate.ts';

/** BgpPeer name → this replica's path for the Service is in that peer's adj-RIB-out. */
export type Row = Record<string, boolean>;

export interface CarriedPrefix {
  family: Family;
  /** canonical `addr/len`: the Service IP's host route, or its pool's covering aggregate */
  prefix: string;
}

export interface PeerView {
  /** BgpPeer name */
  name: string;
  /** families the session carries */
  families: readonly Family[];
  /** prefixes in its adj-RIB-out by family; undefined when the session is not Established or gobgpd does not answer */
  adjOut: ReadonlyMap<Family, ReadonlySet<string>> | undefined;
}

/** `namespace/name` of a Service, the key of every map here. */
export function serviceKey(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}/${name}`;
}

/** Service key → the prefixes this node announces for it (the covering prefix for an aggregated pool). */
export function carriedPrefixes(
  announcements: Iterable<Announcement>,
  node: Node | undefined,
  slices: readonly EndpointSlice[],
): Map<string, CarriedPrefix[]> {
  const out = new Map<string, CarriedPrefix[]>();
  for (const a of announcements) {
    if (a.protocol !== 'bgp' || !nodeMayCarry(a, node, slices)) continue;
    const p: CarriedPrefix = { family: a.family, prefix: canonicalPrefix(announcedPrefix(a)) };
    for (const svc of a.services) {
      const key = serviceKey(svc.metadata.namespace, svc.metadata.name);
      const list = out.get(key);
      if (list) list.push(p);
      else out.set(key, [p]);
    }
  }
  return out;
}

/**
 * One row per carried Service, naming every peer whose session carries one of its families: true when
 * each of those prefixes is in the peer's adj-RIB-out. A Service no peer carries gets no row.
 */
export function announcedRows(
  carried: ReadonlyMap<string, readonly CarriedPrefix[]>,
  peers: readonly PeerView[],
): Map<string, Row> {
  const rows = new Map<string, Row>();
  for (const [key, prefixes] of carried) {
    const row: Row = {};
    for (const peer of [...peers].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const relevant = prefixes.filter((p) => peer.families.includes(p.family));
      if (relevant.length === 0) continue;
      const adj = peer.adjOut;
      row[peer.name] = adj !== undefined && relevant.every((p) => adj.get(p.family)?.has(p.prefix) === true);
    }
    if (Object.keys(row).length > 0) rows.set(key, row);
  }
  return rows;
}

/** Services with a row where some peer lacks the path. */
export function missingPathCount(rows: ReadonlyMap<string, Row>): number {
  let n = 0;
  for (const row of rows.values()) if (Object.values(row).includes(false)) n++;
  return n;
}

function decodeOrEmpty(value: string | undefined): AnnouncedSummary {
  if (value === undefined) return {};
  const read = decodeAnnounced(value);
  return read.ok ? read.value : {};
}

/** This node's row in an annotation value; undefined when it has none (or the value is unreadable). */
export function rowIn(value: string | undefined, node: string): Row | undefined {
  return decodeOrEmpty(value)[node];
}

/** Whether the annotation value already holds exactly `row` for this node (undefined: no row). */
export function rowMatches(value: string | undefined, node: string, row: Row | undefined): boolean {
  return isDeepStrictEqual(rowIn(value, node), row);
}

/**
 * The annotation value with this node's row set, or removed when `row` is undefined; other replicas'
 * rows are kept but for the `gone` ones (an unreadable value is replaced). undefined: no row left,
 * the annotation goes.
 */
export function withRow(
  value: string | undefined,
  node: string,
  row: Row | undefined,
  gone: ReadonlySet<string> = new Set(),
): string | undefined {
  const summary = { ...decodeOrEmpty(value) };
  if (row === undefined) delete summary[node];
  else summary[node] = row;
  for (const n of gone) if (n !== node) delete summary[n];
  return Object.keys(summary).length > 0 ? encodeAnnounced(summary) : undefined;
}

/** Nothing to write: our row is exactly `row` and no gone replica's row is left. */
export function settled(
  value: string | undefined,
  node: string,
  row: Row | undefined,
  gone: ReadonlySet<string>,
): boolean {
  if (!rowMatches(value, node, row)) return false;
  if (gone.size === 0 || value === undefined) return true;
  const summary = decodeOrEmpty(value);
  for (const n of gone) if (n !== node && n in summary) return false;
  return true;
}

/** The replica nodes an annotation value has rows for (none when it is unreadable). */
export function rowNodes(value: string): string[] {
  const read = decodeAnnounced(value);
  return read.ok ? Object.keys(read.value) : [];
}
