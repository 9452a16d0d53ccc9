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

/** An Eip (both the src/api type and what an admission request carries fit). */
export interface EipLike {
  metadata: { name: string; annotations?: Record<string, string> };
  spec?: unknown;
  status?: unknown;
}

/** A Node as far as the address check reads it. */
export interface NodeAddressesLike {
  metadata: { name: string };
  status?: { addresses?: ReadonlyArray<{ type: string; address: string }> };
}

/** A BgpPeer as far as the address check reads it (spec.conf.neighborAddress). */
export interface NeighbourLike {
  metadata: { name: string };
  spec?: unknown;
}
