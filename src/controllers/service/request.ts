// Which Services the allocator serves, and what each one asks for. Pure.
import {
  ANNOTATION_EIP_IP,
  ANNOTATION_EIP_POOL,
  ANNOTATION_LB,
  ANNOTATION_LB_VALUE,
  ANNOTATION_PROTOCOL,
  ANNOTATION_SHARING_KEY,
} from '../../api/names.ts';
import type { Family } from '../../ipam/index.ts';
import { formatIp, parseIp } from '../../net/ip.ts';
import type { Service } from '../../kube/types.ts';

export interface ClassConfig {
  loadBalancerClass: string;
  claimClassless: boolean;
}

export interface ServiceRequest {
  key: string;
  namespace: string;
  uid: string;
  /** Families wanted, one address each, in spec.ipFamilies order. */
  families: Family[];
  /** Specific addresses asked for (annotation wins over spec.loadBalancerIP), canonical text. */
  ips: Map<Family, string>;
  /** Pools named by the annotation (comma-separated; one per family at most is used). */
  pools: string[];
  /** The deprecated protocol annotation: only narrows the last tier of automatic selection. */
  protocol?: string;
  sharingKey?: string;
  /** "TCP/80" … */
  ports: string[];
  /** Input that cannot be honoured (nothing is allocated while there is any). */
  problems: string[];
}

export function serviceKey(svc: Service): string {
  return `${svc.metadata.namespace ?? ''}/${svc.metadata.name}`;
}

/** Ours: a LoadBalancer Service of our class, or class-less with the openelb annotation (or claimClassless). */
export function ownsService(svc: Service, cfg: ClassConfig): boolean {
  if (svc.spec?.type !== 'LoadBalancer') return false;
  const cls = svc.spec.loadBalancerClass;
  if (cls !== undefined && cls !== null && cls !== '') return cls === cfg.loadBalancerClass;
  if (svc.metadata.annotations?.[ANNOTATION_LB] === ANNOTATION_LB_VALUE) return true;
  return cfg.claimClassless;
}

/** Ours and alive: should hold addresses. */
export function wantsAddresses(svc: Service | undefined, cfg: ClassConfig): svc is Service {
  return svc !== undefined && svc.metadata.deletionTimestamp === undefined && ownsService(svc, cfg);
}

function familyOf(name: string): Family {
  return name === 'IPv6' ? 6 : 4;
}

function wantedFamilies(svc: Service): Family[] {
  const listed = (svc.spec.ipFamilies ?? []).map(familyOf);
  const uniq = [...new Set(listed)];
  if (uniq.length === 0) uniq.push(4);
  const policy = svc.spec.ipFamilyPolicy ?? 'SingleStack';
  if (policy === 'SingleStack') return uniq.slice(0, 1);
  if (policy === 'RequireDualStack' && uniq.length === 1) uniq.push(uniq[0] === 4 ? 6 : 4);
  return uniq;
}

function splitList(v: string | undefined): string[] {
  return (v ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

// Cached Services are replaced, never mutated, on every change: one parse per version (the 60 s
// resync asks for every Service's request again).
const requests = new WeakMap<Service, ServiceRequest>();

export function serviceRequest(svc: Service): ServiceRequest {
  let r = requests.get(svc);
  if (!r) {
    r = parseServiceRequest(svc);
    requests.set(svc, r);
  }
  return r;
}

function parseServiceRequest(svc: Service): ServiceRequest {
  const ann = svc.metadata.annotations ?? {};
  const families = wantedFamilies(svc);
  const problems: string[] = [];
  const ips = new Map<Family, string>();
  const fromAnnotation = splitList(ann[ANNOTATION_EIP_IP]);
  const asked = fromAnnotation.length > 0 ? fromAnnotation : splitList(svc.spec.loadBalancerIP);
  const where = fromAnnotation.length > 0 ? `annotation ${ANNOTATION_EIP_IP}` : 'spec.loadBalancerIP';
  for (const text of asked) {
    const parsed = parseIp(text);
    if (!parsed.ok) {
      problems.push(`${where}: address ${JSON.stringify(text)}: ${parsed.error}`);
      continue;
    }
    const ip = parsed.value;
    if (ips.has(ip.family))
      problems.push(`${where} names two IPv${ip.family} addresses; a Service gets one address per family`);
    else if (!families.includes(ip.family))
      problems.push(
        `${where} asks for ${text}, an IPv${ip.family} address, but the Service's ipFamilies are ${families.map((f) => `IPv${f}`).join(',')}`,
      );
    else ips.set(ip.family, formatIp(ip.family, ip.value));
  }
  const ports = (svc.spec.ports ?? []).map((p) => `${p.protocol ?? 'TCP'}/${p.port}`);
  const req: ServiceRequest = {
    key: serviceKey(svc),
    namespace: svc.metadata.namespace ?? '',
    uid: svc.metadata.uid ?? '',
    families,
    ips,
    pools: splitList(ann[ANNOTATION_EIP_POOL]),
    ports,
    problems,
  };
  const protocol = ann[ANNOTATION_PROTOCOL];
  if (protocol) req.protocol = protocol;
  const sharingKey = ann[ANNOTATION_SHARING_KEY];
  if (sharingKey) req.sharingKey = sharingKey;
  return req;
}

/** Addresses in status.loadBalancer.ingress, by family (first of each). */
export function ingressIps(svc: Service | undefined): Map<Family, string> {
  const out = new Map<Family, string>();
  for (const ing of svc?.status?.loadBalancer?.ingress ?? []) {
    if (!ing.ip) continue;
    const ip = parseIp(ing.ip); // not an address: ignored
    if (ip.ok && !out.has(ip.value.family))
      out.set(ip.value.family, formatIp(ip.value.family, ip.value.value));
  }
  return out;
}
