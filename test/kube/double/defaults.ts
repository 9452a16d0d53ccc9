// Built-in kinds: defaults and field rules the real apiserver applies on create/update.
import { isObj, type Obj } from './json.ts';
import { ApiError, type Cause } from './status.ts';
import type { Store } from './store.ts';

/** Kinds whose metadata.generation the apiserver maintains (plus every custom resource). */
const WITH_GENERATION = new Set([
  'Deployment',
  'DaemonSet',
  'PodDisruptionBudget',
  'CustomResourceDefinition',
  'ValidatingWebhookConfiguration',
  'MutatingWebhookConfiguration',
]);

export function hasGeneration(kind: string, builtin: boolean): boolean {
  return !builtin || WITH_GENERATION.has(kind);
}

function ipToInt(ip: string): number {
  return ip.split('.').reduce((a, o) => a * 256 + Number(o), 0);
}

function intToIp(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

/** Service CIDR 10.96.0.0/12; dynamic allocation skips the lower band kept for static addresses. */
const SERVICE_CIDR_FIRST = ipToInt('10.96.0.1');
const SERVICE_CIDR_LAST = ipToInt('10.111.255.254');
const SERVICE_STATIC_BAND = 256;

/** nodePort range 30000-32767; the lowest 86 ports are the static band. */
const NODE_PORT_FIRST = 30000;
const NODE_PORT_LAST = 32767;
const NODE_PORT_STATIC_BAND = 86;

/**
 * ClusterIPs and nodePorts in use, kept up to date by the store's write hook (a scan per create made
 * creating n Services quadratic).
 */
interface ServiceIndex {
  ips: Map<string, number>;
  ports: Map<number, number>;
}

/**
 * A free value in [first, last], picked at random like the apiserver's allocators (dynamic picks
 * prefer the range above the static band), falling back to a scan when random probes keep hitting.
 */
function pickFree(
  first: number,
  last: number,
  staticBand: number,
  used: (n: number) => boolean,
): number | undefined {
  const from = first + staticBand;
  for (let i = 0; i < 32; i++) {
    const n = from + Math.floor(Math.random() * (last - from + 1));
    if (!used(n)) return n;
  }
  for (let n = from; n <= last; n++) if (!used(n)) return n;
  for (let n = first; n < from; n++) if (!used(n)) return n;
  return undefined;
}

const indexes = new WeakMap<Store, ServiceIndex>();

function bump<K>(m: Map<K, number>, k: K, d: number): boolean {
  const n = (m.get(k) ?? 0) + d;
  if (n > 0) m.set(k, n);
  else m.delete(k);
  return n <= 0;
}

function usedByServices(store: Store): ServiceIndex {
  const have = indexes.get(store);
  if (have) return have;
  const ix: ServiceIndex = { ips: new Map(), ports: new Map() };
  const count = (s: Readonly<Obj>, d: number): void => {
    const spec = isObj(s.spec) ? s.spec : {};
    if (typeof spec.clusterIP === 'string') bump(ix.ips, spec.clusterIP, d);
    for (const p of Array.isArray(spec.ports) ? spec.ports.filter(isObj) : []) {
      if (typeof p.nodePort === 'number') bump(ix.ports, p.nodePort, d);
    }
  };
  for (const s of store.scan('/services')) count(s, 1);
  store.observe('/services', (type, obj, prev) => {
    if (prev) count(prev, -1);
    if (type !== 'DELETED') count(obj, 1);
  });
  indexes.set(store, ix);
  return ix;
}

const externallyAccessible = (spec: Obj): boolean =>
  spec.type === 'LoadBalancer' ||
  spec.type === 'NodePort' ||
  (spec.type === 'ClusterIP' && Array.isArray(spec.externalIPs) && spec.externalIPs.length > 0);

/**
 * What the Service strategy wipes when the type changes and the user left the field as it was
 * (dropTypeDependentFields), and the load-balancer status of a Service that is no longer one.
 */
function dropTypeDependentFields(svc: Obj, spec: Obj, oldSpec: Obj): void {
  const same = (k: string): boolean => JSON.stringify(spec[k]) === JSON.stringify(oldSpec[k]);
  const wantsNodePorts = (s: Obj): boolean => s.type === 'NodePort' || s.type === 'LoadBalancer';
  if (wantsNodePorts(oldSpec) && !wantsNodePorts(spec)) {
    const ports = Array.isArray(spec.ports) ? spec.ports.filter(isObj) : [];
    const oldPorts = Array.isArray(oldSpec.ports) ? oldSpec.ports.filter(isObj) : [];
    if (ports.every((p, i) => p.nodePort === oldPorts[i]?.nodePort)) for (const p of ports) delete p.nodePort;
    if (same('healthCheckNodePort')) delete spec.healthCheckNodePort;
  }
  if (oldSpec.type === 'LoadBalancer' && spec.type !== 'LoadBalancer') {
    if (same('allocateLoadBalancerNodePorts')) delete spec.allocateLoadBalancerNodePorts;
    if (same('loadBalancerClass')) delete spec.loadBalancerClass;
  }
  if (externallyAccessible(oldSpec) && !externallyAccessible(spec) && same('externalTrafficPolicy'))
    delete spec.externalTrafficPolicy;
  if (oldSpec.type !== 'ExternalName' && spec.type === 'ExternalName') {
    if (same('clusterIP')) delete spec.clusterIP;
    if (same('clusterIPs')) delete spec.clusterIPs;
    if (same('ipFamilies')) delete spec.ipFamilies;
    if (same('ipFamilyPolicy')) delete spec.ipFamilyPolicy;
  }
  if (spec.type !== 'LoadBalancer')
    svc.status = { ...(isObj(svc.status) ? svc.status : {}), loadBalancer: {} };
}

/**
 * Values a Service asks for explicitly that the allocators refuse: a clusterIP outside the
 * service CIDR or taken by another Service, a nodePort outside the range or taken.
 */
export function allocationCauses(svc: Obj, old: Obj | undefined, store: Store): Cause[] {
  const out: Cause[] = [];
  const spec = isObj(svc.spec) ? svc.spec : {};
  const oldSpec = old && isObj(old.spec) ? old.spec : {};
  const used = usedByServices(store);
  const ip = spec.clusterIP;
  if (
    typeof ip === 'string' &&
    ip !== '' &&
    ip !== 'None' &&
    ip !== oldSpec.clusterIP &&
    /^\d+\.\d+\.\d+\.\d+$/.test(ip)
  ) {
    const n = ipToInt(ip);
    if (n < SERVICE_CIDR_FIRST || n > SERVICE_CIDR_LAST) {
      out.push({
        reason: 'FieldValueInvalid',
        field: 'spec.clusterIPs',
        message: `Invalid value: ${JSON.stringify([ip])}: failed to allocate IP ${ip}: the provided IP (${ip}) is not in the valid range. The range of valid IPs is 10.96.0.0/12`,
      });
    } else if (used.ips.has(ip)) {
      out.push({
        reason: 'FieldValueInvalid',
        field: 'spec.clusterIPs',
        message: `Invalid value: ${JSON.stringify([ip])}: failed to allocate IP ${ip}: provided IP is already allocated`,
      });
    }
  }
  const oldPorts = new Set(
    (Array.isArray(oldSpec.ports) ? oldSpec.ports.filter(isObj) : []).map((p) => p.nodePort),
  );
  (Array.isArray(spec.ports) ? spec.ports.filter(isObj) : []).forEach((p, i) => {
    const np = p.nodePort;
    if (
      typeof np !== 'number' ||
      np === 0 ||
      oldPorts.has(np) ||
      spec.type === 'ClusterIP' ||
      spec.type === 'ExternalName'
    )
      return;
    const field = `spec.ports[${i}].nodePort`;
    if (np < NODE_PORT_FIRST || np > NODE_PORT_LAST) {
      out.push({
        reason: 'FieldValueInvalid',
        field,
        message: `Invalid value: ${np}: provided port is not in the valid range. The range of valid ports is ${NODE_PORT_FIRST}-${NODE_PORT_LAST}`,
      });
    } else if (used.ports.has(np))
      out.push({
        reason: 'FieldValueInvalid',
        field,
        message: `Invalid value: ${np}: provided port is already allocated`,
      });
  });
  return out;
}

/** Service defaults: type, sessionAffinity, clusterIP(s), ipFamilies, nodePorts, policies. */
export function defaultService(svc: Obj, store: Store, old?: Obj): void {
  const spec: Obj = isObj(svc.spec) ? svc.spec : {};
  svc.spec = spec;
  const oldSpec = old && isObj(old.spec) ? old.spec : {};
  if (old) dropTypeDependentFields(svc, spec, oldSpec);
  spec.type ??= 'ClusterIP';
  spec.sessionAffinity ??= 'None';
  const used = usedByServices(store);
  if (spec.type !== 'ExternalName') {
    if ((spec.clusterIP === undefined || spec.clusterIP === '') && typeof oldSpec.clusterIP === 'string')
      spec.clusterIP = oldSpec.clusterIP;
    if (spec.clusterIP === undefined || spec.clusterIP === '') {
      const n = pickFree(SERVICE_CIDR_FIRST, SERVICE_CIDR_LAST, SERVICE_STATIC_BAND, (x) =>
        used.ips.has(intToIp(x)),
      );
      if (n === undefined)
        throw new ApiError(
          500,
          'Internal error occurred: failed to allocate a serviceIP: range is full',
          'InternalError',
        );
      spec.clusterIP = intToIp(n);
    }
    spec.clusterIPs ??= [spec.clusterIP];
    spec.ipFamilies ??=
      spec.clusterIP === 'None' ? ['IPv4'] : [String(spec.clusterIP).includes(':') ? 'IPv6' : 'IPv4'];
    spec.ipFamilyPolicy ??= 'SingleStack';
    spec.internalTrafficPolicy ??= 'Cluster';
  }
  const wantsNodePorts =
    spec.type === 'NodePort' ||
    (spec.type === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts !== false);
  if (spec.type === 'LoadBalancer') spec.allocateLoadBalancerNodePorts ??= true;
  if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') spec.externalTrafficPolicy ??= 'Cluster';
  const oldPorts = Array.isArray(oldSpec.ports) ? oldSpec.ports.filter(isObj) : [];
  const taken = new Set<number>();

  for (const p of Array.isArray(spec.ports) ? spec.ports.filter(isObj) : []) {
    p.protocol ??= 'TCP';
    p.targetPort ??= p.port;
    if (!wantsNodePorts || p.nodePort !== undefined) continue;
    const prev = oldPorts.find(
      (o) => o.port === p.port && (o.protocol ?? 'TCP') === p.protocol && typeof o.nodePort === 'number',
    );
    if (prev) {
      p.nodePort = prev.nodePort;
      continue;
    }
    const next = pickFree(
      NODE_PORT_FIRST,
      NODE_PORT_LAST,
      NODE_PORT_STATIC_BAND,
      (x) => used.ports.has(x) || taken.has(x),
    );
    if (next === undefined)
      throw new ApiError(
        500,
        'Internal error occurred: failed to allocate a nodePort: range is full',
        'InternalError',
      );
    p.nodePort = next;
    taken.add(next);
  }
  if (!isObj(svc.status)) svc.status = { loadBalancer: {} };
}

/** RFC 3339 with exactly 6 fractional digits, as MicroTime comes back from a real apiserver. */
export function microTime(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  const t = Date.parse(v);
  if (Number.isNaN(t)) return v;
  const frac = /\.(\d+)/.exec(v)?.[1] ?? '';
  const micros = (frac + '000000').slice(0, 6);
  return `${new Date(t).toISOString().slice(0, 19)}.${micros}Z`;
}

/** Defaults that also apply to /status writes (ipMode of load-balancer ingress, 1.30+). */
export function applyStatusDefaults(kind: string, obj: Obj, statusWrite: boolean): void {
  if (kind === 'Node' && statusWrite) defaultNode(obj, undefined);
  if (kind !== 'Service' || !statusWrite) return;
  const lb = isObj(obj.status) && isObj(obj.status.loadBalancer) ? obj.status.loadBalancer : undefined;
  for (const ing of lb && Array.isArray(lb.ingress) ? lb.ingress.filter(isObj) : []) {
    if (typeof ing.ip === 'string' && ing.ip !== '' && (ing.ipMode === undefined || ing.ipMode === null))
      ing.ipMode = 'VIP';
  }
}

/** Defaults for built-in kinds at create/update time. */
export function applyBuiltinDefaults(kind: string, obj: Obj, store: Store, old?: Obj): void {
  const spec = isObj(obj.spec) ? obj.spec : undefined;
  switch (kind) {
    case 'Service':
      defaultService(obj, store, old);
      break;
    case 'Namespace':
      obj.spec = { finalizers: ['kubernetes'], ...(spec ?? {}) };
      obj.status = { phase: 'Active' };
      {
        const m = isObj(obj.metadata) ? obj.metadata : {};
        m.labels = { ...(isObj(m.labels) ? m.labels : {}), 'kubernetes.io/metadata.name': String(m.name) };
      }
      break;
    case 'Secret':
      obj.type ??= 'Opaque';
      // stringData is write-only: merged into data, never stored
      if (isObj(obj.stringData)) {
        const data = isObj(obj.data) ? obj.data : {};
        for (const [k, v] of Object.entries(obj.stringData))
          data[k] = Buffer.from(String(v)).toString('base64');
        obj.data = data;
      }
      delete obj.stringData;
      break;
    case 'Node':
      defaultNode(obj, old);
      if (!old) allocatePodCidr(obj, store);
      break;
    case 'Lease':
      if (spec)
        for (const f of ['acquireTime', 'renewTime']) if (spec[f] !== undefined) spec[f] = microTime(spec[f]);
      break;
    case 'Deployment':
      if (spec) {
        spec.replicas ??= 1;
        spec.revisionHistoryLimit ??= 10;
        spec.progressDeadlineSeconds ??= 600;
        spec.strategy ??= {
          type: 'RollingUpdate',
          rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' },
        };
      }
      break;
    case 'DaemonSet':
      if (spec) {
        spec.revisionHistoryLimit ??= 10;
        spec.updateStrategy ??= { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } };
      }
      break;
    case 'Event':
      if (obj.eventTime !== undefined && obj.eventTime !== null) obj.eventTime = microTime(obj.eventTime);
      break;
    case 'ValidatingWebhookConfiguration':
    case 'MutatingWebhookConfiguration':
      for (const w of Array.isArray(obj.webhooks) ? obj.webhooks.filter(isObj) : []) {
        w.failurePolicy ??= 'Fail';
        w.matchPolicy ??= 'Equivalent';
        w.timeoutSeconds ??= 10;
        w.namespaceSelector ??= {};
        w.objectSelector ??= {};
        if (kind === 'MutatingWebhookConfiguration') w.reinvocationPolicy ??= 'Never';
        for (const r of Array.isArray(w.rules) ? w.rules.filter(isObj) : []) r.scope ??= '*';
      }
      break;
  }
}

const NOT_READY_TAINT = 'node.kubernetes.io/not-ready';

/**
 * A new Node carries the not-ready taint (the node lifecycle controller's job on a real cluster,
 * done here on the write instead) until its Ready condition is True, then loses it.
 */
function defaultNode(node: Obj, old: Obj | undefined): void {
  const spec: Obj = isObj(node.spec) ? node.spec : {};
  node.spec = spec;
  const status = isObj(node.status) ? node.status : isObj(old?.status) ? old.status : {};
  const ready = (Array.isArray(status.conditions) ? status.conditions.filter(isObj) : []).some(
    (c) => c.type === 'Ready' && c.status === 'True',
  );
  const taints = (Array.isArray(spec.taints) ? spec.taints.filter(isObj) : []).filter(
    (t) => t.key !== NOT_READY_TAINT,
  );
  const had = (Array.isArray(spec.taints) ? spec.taints.filter(isObj) : []).find(
    (t) => t.key === NOT_READY_TAINT,
  );
  if (!ready) taints.push(had ?? { key: NOT_READY_TAINT, effect: 'NoSchedule' });
  if (taints.length > 0) spec.taints = taints;
  else delete spec.taints;
  if (typeof spec.podCIDR === 'string' && spec.podCIDR !== '') spec.podCIDRs ??= [spec.podCIDR];
}

/** A /24 per Node from 10.244.0.0/16, as a kubeadm cluster's node IPAM gives them. */
function allocatePodCidr(node: Obj, store: Store): void {
  const spec = node.spec as Obj;
  if (Array.isArray(spec.podCIDRs) && spec.podCIDRs.length > 0) return;
  const used = new Set<string>();
  for (const n of store.scan('/nodes'))
    if (isObj(n.spec) && typeof n.spec.podCIDR === 'string') used.add(n.spec.podCIDR);
  for (let i = 0; i < 256; i++) {
    const cidr = `10.244.${i}.0/24`;
    if (used.has(cidr)) continue;
    spec.podCIDR = cidr;
    spec.podCIDRs = [cidr];
    return;
  }
}
