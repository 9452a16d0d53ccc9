// Pure admission rules for the three CRDs; also usable by reconcilers for status conditions.
export { validateEip, type EipContext } from './eip.ts';
export { validateBgpConf, KNOWN_FAMILIES, type BgpConfContext } from './bgpconf.ts';
export { validateBgpPeer } from './bgppeer.ts';
export type { BgpPeerContext } from './bgppeer-cross.ts';
export type { BgpConfLike, BgpPeerLike, EipLike, NeighbourLike, NodeAddressesLike } from './objects.ts';
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
