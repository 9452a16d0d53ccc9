// What the informers keep of each object. Every replica caches every Service, EndpointSlice, Node
// and Eip of the cluster, so per-object bytes multiply by the cluster's size:
//   - metadata.managedFields is dropped (no controller reads it; it is often the largest part of an
//     object: on an Eip with 2,500 allocations a field-set entry per status key, and on every
//     Service one entry per writer). client-go's informers are commonly given the same transform.
//     Our writes are merge patches or PUTs of objects we build, never of cached copies, so the
//     server's managedFields are never written back without it.
//   - repeated string values (namespaces, label and annotation values, enum-like spec fields,
//     node names and zones in EndpointSlices) are shared: V8's JSON.parse already shares strings of
//     at most 10 characters, longer ones ("LoadBalancer", "SingleStack", "openelb-system", a pool
//     name) were one copy per object.
import type { KubeObject } from './types.ts';

/** Values under these keys are unique per object (or per entry): interning them would only fill the table. */
const UNIQUE_VALUES = new Set([
  'name',
  'uid',
  'resourceVersion',
  'creationTimestamp',
  'deletionTimestamp',
  'generateName',
  'selfLink',
  'ip',
  'clusterIP',
  'clusterIPs',
  'externalIPs',
  'loadBalancerIP',
  'addresses',
  'address',
  'podIP',
  'hostIP',
  'message',
  'lastTransitionTime',
  'lastHeartbeatTime',
  'lastProbeTime',
  'lastUpdateTime',
  'time',
  'firstTimestamp',
  'lastTimestamp',
]);
/** Subtrees whose keys are IPs or Service names (Eip status records): nothing in them repeats. */
const SKIP_SUBTREES = new Set(['used', 'serviceUIDs', 'managedFields']);

const MIN_LENGTH = 11; // JSON.parse already shares shorter strings
const MAX_LENGTH = 128;

/**
 * A bounded table of shared strings. When full it starts over: strings already shared stay shared,
 * later ones are shared among themselves again.
 */
export class StringInterner {
  private readonly table = new Map<string, string>();
  private readonly max: number;

  constructor(max = 8192) {
    this.max = max;
  }

  intern(s: string): string {
    if (s.length < MIN_LENGTH || s.length > MAX_LENGTH) return s;
    const hit = this.table.get(s);
    if (hit !== undefined) return hit;
    if (this.table.size >= this.max) this.table.clear();
    this.table.set(s, s);
    return s;
  }

  get size(): number {
    return this.table.size;
  }
}

type Json = Record<string, unknown> | unknown[];

function internValues(node: Json, interner: StringInterner): void {
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) {
      const v = node[i];
      if (typeof v === 'string') node[i] = interner.intern(v);
      else if (v !== null && typeof v === 'object') internValues(v as Json, interner);
    }
    return;
  }
  for (const k in node) {
    const v = node[k];
    if (typeof v === 'string') {
      if (!UNIQUE_VALUES.has(k)) node[k] = interner.intern(v);
    } else if (v !== null && typeof v === 'object' && !SKIP_SUBTREES.has(k) && !UNIQUE_VALUES.has(k)) {
      internValues(v as Json, interner);
    }
  }
}

/** The process-wide table every informer shares (the same namespaces and pool names recur across kinds). */
export const sharedStrings = new StringInterner();

/**
 * Slims a freshly parsed object in place for caching (and answers it): managedFields gone, repeated
 * strings shared. Assigning existing keys keeps V8's fast object layout; only metadata is rebuilt,
 * without managedFields (a `delete` would turn it into a slower, larger dictionary object).
 */
export function slimForCache<T extends KubeObject>(obj: T, interner: StringInterner = sharedStrings): T {
  const meta = obj.metadata as (T['metadata'] & { managedFields?: unknown }) | undefined;
  if (meta && meta.managedFields !== undefined) {
    const { managedFields: _dropped, ...rest } = meta;
    obj.metadata = rest;
  }
  internValues(obj as unknown as Json, interner);
  return obj;
}
