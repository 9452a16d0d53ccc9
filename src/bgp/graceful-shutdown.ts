// RFC 8326 graceful shutdown, pure part. On drain a replica announces its paths once more with the
// well-known GRACEFUL_SHUTDOWN community before it withdraws them: a router that honours it lowers
// LOCAL_PREF of those paths to 0, so its best path moves to the other replicas while this one still
// forwards; a router that does not, keeps both paths until the withdrawal (as before).
import { formatCommunity } from './validate-fields.ts';
import { buildPath, type BuiltPath, type PathAttributes } from './path-build.ts';
import type { Family } from '../net/ip.ts';
import type { DesiredPath } from './types.ts';

/** GRACEFUL_SHUTDOWN (0xFFFF0000), RFC 8326 §3. */
export const GRACEFUL_SHUTDOWN_COMMUNITY = '65535:0';

/** A path as gobgpd holds it (what ListPath read back). */
export interface HeldPath {
  readonly family: Family;
  readonly cidr: string;
  readonly attrs: PathAttributes;
}

/** The desired form of `p` with GRACEFUL_SHUTDOWN added; every other attribute kept as it is. */
export function gracefulShutdownDesired(p: HeldPath): DesiredPath {
  const d: DesiredPath = {
    prefix: p.cidr,
    family: p.family,
    nextHop: p.attrs.nextHop,
    communities: [...p.attrs.communities.map(formatCommunity), GRACEFUL_SHUTDOWN_COMMUNITY],
    largeCommunities: [...p.attrs.largeCommunities],
  };
  if (p.attrs.localPref !== undefined) d.localPref = p.attrs.localPref;
  if (p.attrs.med !== undefined) d.med = p.attrs.med;
  if (p.attrs.linkBandwidth) d.linkBandwidth = { ...p.attrs.linkBandwidth };
  return d;
}

export interface GracefulShutdownPlan {
  /** validated and built, ready for AddPath (replaces the held path for the same prefix) */
  readonly paths: BuiltPath[];
  /** held paths whose re-announcement failed validation: they are only withdrawn later */
  readonly refused: { readonly cidr: string; readonly error: string }[];
}

/** Builds the re-announcement of every held path through the same validation as any desired path. */
export function planGracefulShutdown(held: Iterable<HeldPath>): GracefulShutdownPlan {
  const paths: BuiltPath[] = [];
  const refused: { cidr: string; error: string }[] = [];
  for (const p of held) {
    try {
      paths.push(buildPath(gracefulShutdownDesired(p)));
    } catch (err) {
      refused.push({ cidr: p.cidr, error: (err as Error).message });
    }
  }
  return { paths, refused };
}
