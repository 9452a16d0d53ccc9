// Public surface of the pure IPAM core.
export { parsePoolAddress, poolContains, poolsOverlap, type PoolRange } from './address.ts';
// Addresses themselves are src/net/; the family type is re-exported because pools are typed by it.
export type { Family } from '../net/ip.ts';
export { OffsetTable, toOffset, offsetToBigInt, type Offset } from './offsets.ts';
export { PoolTable, type Claim } from './pool.ts';
export type { AllocateFailure, Claimed, ClaimRefused, Restored, RestoreRefused } from './outcomes.ts';
export type { SharingConflict } from './sharing.ts';
export {
  admitsNamespace,
  autoSelectPools,
  byPriorityThenName,
  describeNamespaceScope,
  effectiveProtocol,
  namespaceBound,
  namespaceRestricted,
  type NamespaceScope,
  type PoolCandidate,
  type SelectionContext,
  type SelectionTier,
} from './select.ts';
