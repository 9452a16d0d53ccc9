// The nodes running a BGP replica, and the status entries departed ones left behind. Every replica
// writes its entry into BgpConf.status.nodesConfStatus and each BgpPeer's nodesPeerStatus; a replica
// that dies without draining leaves them, so the keys alone also name departed nodes. Pure.
import type { BgpConf, BgpPeer } from '../../api/v1alpha2.ts';

/**
 * The one definition of "nodes running a BGP replica" (the eTP=Local condition, the shared-routerId
 * warning): nodes with a BgpConf status entry, minus those judged gone (gone.ts), plus `own`.
 */
export function replicaNodes(
  conf: BgpConf | undefined,
  gone: ReadonlySet<string>,
  own?: string,
): Set<string> {
  const s = new Set(Object.keys(conf?.status?.nodesConfStatus ?? {}).filter((n) => !gone.has(n)));
  if (own !== undefined) s.add(own);
  return s;
}

/** Every node with a status entry in some BgpConf or BgpPeer. */
export function statusNodes(confs: Iterable<BgpConf>, peers: Iterable<BgpPeer>): Set<string> {
  const s = new Set<string>();
  for (const c of confs) for (const n of Object.keys(c.status?.nodesConfStatus ?? {})) s.add(n);
  for (const p of peers) for (const n of Object.keys(p.status?.nodesPeerStatus ?? {})) s.add(n);
  return s;
}

export interface StaleEntries {
  kind: 'BgpConf' | 'BgpPeer';
  name: string;
  field: 'nodesConfStatus' | 'nodesPeerStatus';
  /** the gone nodes whose entries this object still holds, sorted */
  nodes: string[];
}

/** The objects holding entries of `gone` nodes (never `own`'s), and which. */
export function staleEntries(
  confs: Iterable<BgpConf>,
  peers: Iterable<BgpPeer>,
  gone: ReadonlySet<string>,
  own: string,
): StaleEntries[] {
  const out: StaleEntries[] = [];
  const pick = (entries: object | undefined): string[] =>
    Object.keys(entries ?? {})
      .filter((n) => n !== own && gone.has(n))
      .sort();
  for (const c of confs) {
    const nodes = pick(c.status?.nodesConfStatus);
    if (nodes.length) out.push({ kind: 'BgpConf', name: c.metadata.name, field: 'nodesConfStatus', nodes });
  }
  for (const p of peers) {
    const nodes = pick(p.status?.nodesPeerStatus);
    if (nodes.length) out.push({ kind: 'BgpPeer', name: p.metadata.name, field: 'nodesPeerStatus', nodes });
  }
  return out;
}

/** The status merge patch removing `nodes`' entries from one object (null deletes a map key). */
export function removalPatch(e: StaleEntries): { status: Record<string, Record<string, null>> } {
  return { status: { [e.field]: Object.fromEntries(e.nodes.map((n) => [n, null])) } };
}
