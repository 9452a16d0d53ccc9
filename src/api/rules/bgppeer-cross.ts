// BgpPeer rules that look beyond the object: removePrivateAs / replacePeerAs on a session BgpConf
// `default` makes iBGP (see bgp-session.ts), and one BgpPeer per neighbour and node (see
// bgppeer-neighbor.ts). The caller passes the other objects in; a failed lookup is a warning.
import { isDeepStrictEqual } from 'node:util';
import { ibgpFindings, peerMessage } from './bgp-session.ts';
import { neighborClashes, neighborKey, type NeighborPeer } from './bgppeer-neighbor.ts';
import { isRecord, recordAt, show, type FieldIssue, type ValidationResult } from './issues.ts';
import type { BgpConfLike, BgpPeerLike } from './objects.ts';

/** What the admission check knows beyond the object itself. */
export interface BgpPeerContext {
  /** BgpConf `default`; null = it does not exist; undefined = not looked up */
  bgpConf?: BgpConfLike | null;
  /** reading BgpConf `default` failed: the iBGP checks that need it are skipped with a warning */
  bgpConfError?: string;
  /** every stored BgpPeer (the object itself may be among them), for the one-peer-per-neighbour rule */
  peers?: readonly NeighborPeer[];
  /** reading the BgpPeers failed: the rule is skipped with a warning (the controllers still apply it) */
  peersError?: string;
}

/**
 * removePrivateAs / replacePeerAs on an iBGP session. An update that leaves the peer as iBGP as it
 * already was (same fields, same AS numbers) only warns, like ratchet() does for other errors: the
 * BgpConf may have changed under a stored peer, and its other edits must stay possible.
 */
export function sessionIssues(
  obj: BgpPeerLike,
  oldObject: BgpPeerLike | undefined,
  ctx: BgpPeerContext,
): ValidationResult {
  const errors: FieldIssue[] = [];
  const warnings: FieldIssue[] = [];
  const stored = new Set(
    oldObject
      ? ibgpFindings(oldObject.spec, ctx.bgpConf)
          .filter((f) => f.everywhere)
          .map((f) => `${f.field}\n${peerMessage(f)}`)
      : [],
  );
  for (const f of ibgpFindings(obj.spec, ctx.bgpConf)) {
    const message = peerMessage(f);
    if (!f.everywhere) warnings.push({ field: f.field, message });
    else if (stored.has(`${f.field}\n${message}`))
      warnings.push({
        field: f.field,
        message: `${message} (already stored; allowed because this update does not change it)`,
      });
    else errors.push({ field: f.field, message });
  }
  if (ctx.bgpConfError !== undefined) {
    warnings.push({
      field: 'spec.conf.peerAs',
      message: `not checked against BgpConf "default" (is this session iBGP?): ${ctx.bgpConfError}`,
    });
  }
  return { errors, warnings };
}

/**
 * One BgpPeer per neighbour and node. Denied on create, and on an update that changes the neighbour
 * or the nodeSelector into a clash (either side of it: the later peer would be the one dropped, and
 * an edit of the earlier one must not take the later one's node away); an update that leaves both
 * alone on a clash stored without the webhook only warns, so the object stays editable.
 */
export function neighborIssues(
  obj: BgpPeerLike,
  oldObject: BgpPeerLike | undefined,
  ctx: BgpPeerContext,
): ValidationResult {
  const errors: FieldIssue[] = [];
  const warnings: FieldIssue[] = [];
  const field = 'spec.conf.neighborAddress';
  if (ctx.peersError !== undefined) {
    warnings.push({
      field,
      message: `not checked against the other BgpPeers (one BgpPeer per neighbour and node): ${ctx.peersError}`,
    });
    return { errors, warnings };
  }
  if (!ctx.peers) return { errors, warnings };
  const spec = isRecord(obj.spec) ? obj.spec : {};
  const old = oldObject && isRecord(oldObject.spec) ? oldObject.spec : undefined;
  const unchanged =
    old !== undefined &&
    neighborKey(old) === neighborKey(spec) &&
    isDeepStrictEqual(old['nodeSelector'] ?? null, spec['nodeSelector'] ?? null);
  const given = recordAt(spec, 'conf')?.['neighborAddress'];
  for (const c of neighborClashes(obj, ctx.peers)) {
    const message = `Duplicate value: ${show(given)}: BgpPeer "${c.other}" already has neighbour ${c.address}, and both nodeSelectors can select the same node; gobgpd keeps one peer per neighbour address, so the two would share one session and one status (edit BgpPeer "${c.other}" instead, or make the nodeSelectors disjoint)`;
    if (unchanged)
      warnings.push({
        field,
        message: `${message} (already stored; allowed because this update changes neither the neighbour nor the nodeSelector)`,
      });
    else errors.push({ field, message });
  }
  return { errors, warnings };
}
