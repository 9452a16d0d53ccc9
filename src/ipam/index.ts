// Public surface of the pure IPAM core.
export {
  AddressParseError,
  FAMILY_BITS,
  canonicalIp,
  formatIp,
  formatIpv4,
  formatIpv6,
  parseIp,
  parsePoolAddress,
  poolContains,
  poolsOverlap,
  spansOverlap,
  tryParsePoolAddress,
  type Family,
  type IpSpan,
  type ParseResult,
  type ParsedIp,
  type PoolRange,
} from './address.ts';
export { OffsetTable, toOffset, offsetToBigInt, type Offset } from './offsets.ts';
export {
  PoolTable,
  type AllocateFailure,
  type AllocateResult,
  type Claim,
  type RestoreResult,
} from './pool.ts';
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
