// The parts of each object the rules read. Both the src/api types and what the informers and the
// admission requests carry fit these; everything else in the object is ignored here.

export interface BgpConfLike {
  metadata: { name: string };
  spec?: unknown;
}

export interface BgpPeerLike {
  metadata: { name: string; creationTimestamp?: string; deletionTimestamp?: string };
  spec?: unknown;
}
