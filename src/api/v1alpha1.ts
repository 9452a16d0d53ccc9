// network.kubesphere.io/v1alpha1: served, not stored (OpenELB's legacy version).
// Eip v1alpha1 has the same schema as v1alpha2 (strategy None). BgpConf and BgpPeer differ and are
// converted by src/api/convert.ts; their status is the same as v1alpha2's.
import type { KubeObject } from './meta.ts';
import type { BgpConfStatus, BgpPeerStatus, EipSpec, EipStatus } from './v1alpha2.ts';

export interface Eip extends KubeObject {
  spec: EipSpec;
  status?: EipStatus;
}

export interface BgpConfSpec {
  as?: number;
  routerID?: string;
  port?: number;
}

export interface BgpConf extends KubeObject {
  spec: BgpConfSpec;
  status?: BgpConfStatus;
}

export interface BgpPeerSpec {
  config?: { neighborAddress?: string; peerAs?: number };
  /** Accepted and ignored. */
  addPaths?: { sendMax?: number };
  transport?: { passiveMode?: boolean; remotePort?: number };
  /** Accepted and ignored. */
  usingPortForward?: boolean;
}

export interface BgpPeer extends KubeObject {
  spec: BgpPeerSpec;
  status?: BgpPeerStatus;
}
