// Names shared with OpenELB (openelb.md §3) plus the few openelb-ts adds. Every annotation, label and
// finalizer key the manager reads or writes is spelled here, once.

export const GROUP = 'network.kubesphere.io';
export const V1ALPHA1 = 'v1alpha1';
export const V1ALPHA2 = 'v1alpha2';
export const API_VERSION_V1ALPHA1 = `${GROUP}/${V1ALPHA1}`;
export const API_VERSION_V1ALPHA2 = `${GROUP}/${V1ALPHA2}`;

export const KIND_EIP = 'Eip';
export const KIND_BGPCONF = 'BgpConf';
export const KIND_BGPPEER = 'BgpPeer';

/** Only the BgpConf with this name is used (as in OpenELB). */
export const BGPCONF_DEFAULT_NAME = 'default';

// ---- Service annotations (user-set) ----
/** `lb.kubesphere.io/v1alpha1: openelb` claims a LoadBalancer Service for OpenELB. */
export const ANNOTATION_LB = 'lb.kubesphere.io/v1alpha1';
export const ANNOTATION_LB_VALUE = 'openelb';
/** Deprecated protocol annotation (ignored by OpenELB 0.6; the Eip's spec.protocol decides). */
export const ANNOTATION_PROTOCOL = 'protocol.openelb.kubesphere.io/v1alpha1';
/** Pool (Eip name) to allocate from. The same key is also a Service label written by the allocator. */
export const ANNOTATION_EIP_POOL = 'eip.openelb.kubesphere.io/v1alpha2';
/** A specific IP; overrides spec.loadBalancerIP (OpenELB semantics). */
export const ANNOTATION_EIP_IP = 'eip.openelb.kubesphere.io/v1alpha1';
/** On an Eip: `"true"` marks the cluster's default pool (at most one). */
export const ANNOTATION_DEFAULT_EIP = 'eip.openelb.kubesphere.io/is-default-eip';
/** On a Node: the address whose NIC answers ARP/NDP (OpenELB ≤0.5 layer 2). */
export const ANNOTATION_LAYER2_NODE = 'layer2.openelb.kubesphere.io/v1alpha1';

// ---- Service label (allocator-set) ----
/** Label recording which Eip served the Service (same key as the pool annotation). */
export const LABEL_EIP = ANNOTATION_EIP_POOL;

// ---- Node labels ----
/** Rack membership for BgpConf spec.asPerRack. */
export const LABEL_RACK = 'openelb.kubesphere.io/rack';
/** Standard label: nodes carrying it are never next hops or ARP owners. */
export const LABEL_EXCLUDE_FROM_LB = 'node.kubernetes.io/exclude-from-external-load-balancers';

// ---- Finalizers ----
/** On Eips: an Eip with allocations is not removed from under its Services. */
export const FINALIZER_IPAM = 'finalizer.ipam.kubesphere.io/v1alpha1';
/** OpenELB's Service (and BgpConf/BgpPeer) finalizer; adopted and honoured on takeover. */
export const FINALIZER_LB = 'finalizer.lb.kubesphere.io/v1alpha1';

// ---- openelb-ts additions ----
/** spec.loadBalancerClass that claims a Service for openelb-ts without annotations. */
export const LOAD_BALANCER_CLASS = 'openelb.kubesphere.io/openelb';
/** Service annotation: Services with the same value may share one IP when their ports do not collide. */
export const ANNOTATION_SHARING_KEY = 'openelb.kubesphere.io/sharing-key';
/** Conversion stash: a v1alpha1 object keeps the v1alpha2 spec fields v1alpha1 cannot express. */
export const ANNOTATION_CONVERSION_V1ALPHA2_SPEC = 'conversion.openelb.kubesphere.io/v1alpha2-spec';
/** Conversion stash: a v1alpha2 object keeps the v1alpha1 spec fields v1alpha2 cannot express. */
export const ANNOTATION_CONVERSION_V1ALPHA1_SPEC = 'conversion.openelb.kubesphere.io/v1alpha1-spec';

// ---- Webhook / conversion endpoint (the CRDs point here) ----
export const WEBHOOK_NAMESPACE = 'openelb-system';
export const WEBHOOK_SERVICE = 'openelb-webhook';
export const CONVERSION_PATH = '/convert';

/** Default key in a Secret named by BgpPeer spec.conf.authPasswordSecretRef. */
export const PASSWORD_SECRET_DEFAULT_KEY = 'password';

/** Eip status.poolSize is capped at this (largest exact JS integer) for huge IPv6 pools. */
export const POOL_SIZE_CAP = Number.MAX_SAFE_INTEGER;
