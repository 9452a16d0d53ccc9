// Pure admission rules for the three CRDs; also usable by reconcilers for status conditions.
export {
  validateEip,
  type EipContext,
  type EipLike,
  type NeighbourLike,
  type NodeAddressesLike,
} from './eip.ts';
export { validateBgpConf, KNOWN_FAMILIES, type BgpConfContext } from './bgpconf.ts';
export { validateBgpPeer, type BgpPeerContext } from './bgppeer.ts';
export type { BgpConfLike, BgpPeerLike } from './objects.ts';
export { needsBgpConf } from './bgp-session.ts';
export { formatIssue, ratchet, type FieldIssue, type ValidationResult } from './issues.ts';
export { bgpConfEntryCheck, bgpPeerEntryCheck } from './entry.ts';
export {
  conflictMessage,
  conflictOf,
  neighborClashes,
  neighborConflicts,
  neighborKey,
  selectorsOverlap,
  type Clash,
  type NeighborPeer,
} from './bgppeer-neighbor.ts';
