// Public surface of src/bgp: desired-state types, the sink that drives a gobgpd sidecar (GobgpdSink), the
// individual sinks, pure builders/validators, and the change classification used by CRD docs.
export type { DesiredGlobal, DesiredPeer, DesiredPath, PeerStatus, GracefulRestartSpec } from './types.ts';
export {
  GobgpdSink,
  type GobgpdSinkOptions,
  type ReconcileReport,
  type GobgpdSinkEvents,
} from './gobgpd-sink.ts';
export { GobgpClient, type GobgpClientOptions } from './client/client.ts';
export { GobgpError } from './client/error.ts';
export { socketTarget } from './client/target.ts';
export {
  GlobalSink,
  GLOBAL_FIELD_CLASSES,
  classifyGlobalChange,
  worstClass,
  toWireGlobal,
  validateGlobal,
  type ChangeClass,
  type FieldClass,
  type GlobalChange,
  type GlobalResult,
} from './global.ts';
export { PolicySink, EXPORT_POLICY_NAME, type PolicyOptions } from './policy.ts';
export { PeersSink, type PeersResult, type PeerAction } from './peers.ts';
export { PEER_FIELD_CLASSES, diffPeerFields, type PeerChangeClass, type PeerFields } from './peer-fields.ts';
export { desiredPeerFields } from './peer-desired.ts';
export {
  PathsSink,
  type GracefulShutdownResult,
  type PathsResult,
  type PathsSinkOptions,
  type RejectedPath,
} from './paths.ts';
export {
  GRACEFUL_SHUTDOWN_COMMUNITY,
  gracefulShutdownDesired,
  planGracefulShutdown,
  type GracefulShutdownPlan,
  type HeldPath,
} from './graceful-shutdown.ts';
export {
  buildPath,
  readWirePath,
  pathKey,
  SELF_NEXT_HOP,
  type BuiltPath,
  type PathAttributes,
} from './path-build.ts';
export {
  BgpValidationError,
  parsePrefix,
  parseAddress,
  validateNextHop,
  parseCommunity,
  parseLargeCommunity,
} from './validate.ts';
export { adjOutPrefixes, canonicalPrefix } from './adj-out.ts';
export { AS_TRANS, linkBandwidthAsn, type LinkBandwidth } from './link-bandwidth.ts';
export { probeGobgpdVersion, type GobgpdVersion } from './version.ts';
