// Typed references to every API resource the manager reads or writes, and the URL paths for them.
import { OpenelbError } from '../core/errors.ts';

export interface ResourceRef {
  /** API group; '' for the core group. */
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  /** Lower-case plural resource name as it appears in URLs. */
  readonly plural: string;
  readonly namespaced: boolean;
  /** True when the resource has a /status subresource. */
  readonly hasStatus: boolean;
}

export const OPENELB_GROUP = 'network.kubesphere.io';
export const OPENELB_VERSION = 'v1alpha2';

function ref(
  group: string,
  version: string,
  kind: string,
  plural: string,
  namespaced: boolean,
  hasStatus: boolean,
): ResourceRef {
  return Object.freeze({ group, version, kind, plural, namespaced, hasStatus });
}

export const Resources = Object.freeze({
  Eip: ref(OPENELB_GROUP, OPENELB_VERSION, 'Eip', 'eips', false, true),
  BgpConf: ref(OPENELB_GROUP, OPENELB_VERSION, 'BgpConf', 'bgpconfs', false, true),
  BgpPeer: ref(OPENELB_GROUP, OPENELB_VERSION, 'BgpPeer', 'bgppeers', false, true),
  Service: ref('', 'v1', 'Service', 'services', true, true),
  EndpointSlice: ref('discovery.k8s.io', 'v1', 'EndpointSlice', 'endpointslices', true, false),
  Node: ref('', 'v1', 'Node', 'nodes', false, true),
  Lease: ref('coordination.k8s.io', 'v1', 'Lease', 'leases', true, false),
  Secret: ref('', 'v1', 'Secret', 'secrets', true, false),
  Namespace: ref('', 'v1', 'Namespace', 'namespaces', false, true),
  Event: ref('', 'v1', 'Event', 'events', true, false),
});

/** `apiVersion` as written in objects: `v1` for core, `group/version` otherwise. */
export function apiVersionOf(r: ResourceRef): string {
  return r.group === '' ? r.version : `${r.group}/${r.version}`;
}

export function isCustomResource(r: ResourceRef): boolean {
  return r.group === OPENELB_GROUP;
}

export interface PathOptions {
  /** Namespace for namespaced kinds; omitted → all namespaces (list/watch only). */
  namespace?: string;
  name?: string;
  subresource?: 'status';
}

/** URL path of a collection, an object or its status subresource. */
export function resourcePath(r: ResourceRef, opts: PathOptions = {}): string {
  const base = r.group === '' ? `/api/${r.version}` : `/apis/${r.group}/${r.version}`;
  let p = base;
  if (r.namespaced && opts.namespace !== undefined && opts.namespace !== '') {
    p += `/namespaces/${encodeURIComponent(opts.namespace)}`;
  } else if (r.namespaced && opts.name !== undefined) {
    throw new OpenelbError('OE_INTERNAL', `${r.kind} ${opts.name}: namespaced kind needs a namespace`, {
      context: { kind: r.kind, name: opts.name },
    });
  }
  p += `/${r.plural}`;
  if (opts.name !== undefined) p += `/${encodeURIComponent(opts.name)}`;
  else if (opts.subresource !== undefined)
    throw new OpenelbError('OE_INTERNAL', `${r.kind}: subresource without a name`, {
      context: { kind: r.kind },
    });
  if (opts.subresource !== undefined) p += `/${opts.subresource}`;
  return p;
}
