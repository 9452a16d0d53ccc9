// `kubectl openelb status`: per LoadBalancer Service, its pool, IPs and mode, and what is known about
// its announcement — for BGP each replica × BgpPeer with the session state and whether the path is in
// that peer's adj-RIB-out (the Service's announced summary, "?" while none is published); for Layer 2
// the replica whose Lease claims the IP, its MACs and how long ago it renewed. Pure: objects in.
import { ANNOTATION_ANNOUNCED, decodeAnnounced, type AnnouncedSummary } from '../api/announced.ts';
import { LABEL_EIP, LOAD_BALANCER_CLASS } from '../api/names.ts';
import { decodeHolders } from '../api/used.ts';
import type { BgpPeer, Eip } from '../api/v1alpha2.ts';
import type { Lease, Service } from '../kube/types.ts';
import { macsOf, peerLeaseOf } from '../layer2/speaker/lease-io.ts';

export interface BgpPathStatus {
  replica: string;
  peer: string;
  neighbor: string;
  /** The replica's session state towards the peer as it reported it, "-" when it reported none. */
  session: string;
  /**
   * In the peer's adj-RIB-out: true/false as published, null when unknown — also when no manager
   * serves on that replica's node any more (what it published last is no longer news).
   */
  advertised: boolean | null;
  /** False when the managers' endpoints are known and none serves on this node; absent when unknown. */
  running?: boolean;
}

export interface Layer2OwnerStatus {
  ip: string;
  /** Replica whose Lease claims the IP; "-" when none does. */
  owner: string;
  macs: string[];
  renewTime?: string;
  acquireTime?: string;
  /** Milliseconds since the last renewal. */
  leaseAgeMs?: number;
  leaseDurationMs?: number;
  expired?: boolean;
}

export interface ServiceStatus {
  namespace: string;
  name: string;
  pool: string;
  ips: string[];
  mode: string;
  externalTrafficPolicy: string;
  bgp?: BgpPathStatus[];
  layer2?: Layer2OwnerStatus[];
  /** Problems reading what the Service carries (e.g. a malformed announced summary). */
  warnings?: string[];
}

export interface StatusInputs {
  services: readonly Service[];
  eips: readonly Eip[];
  peers: readonly BgpPeer[];
  /** Layer 2 replica Leases (label layer2.openelb.kubesphere.io/replica). */
  leases: readonly Lease[];
  /** Wall-clock milliseconds (Date.now()). */
  now: number;
  /** Nodes where a manager serves (its webhook endpoints); undefined when unknown. */
  managers?: ReadonlySet<string>;
}

const byName = <T extends { metadata: { name: string } }>(a: T, b: T): number =>
  a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0;

/** The Eip whose status.used records the Service, else the one its label names. */
function poolOf(svc: Service, eips: readonly Eip[]): Eip | undefined {
  const key = `${svc.metadata.namespace}/${svc.metadata.name}`;
  const holding = eips.find((e) =>
    Object.values(e.status?.used ?? {}).some((v) => decodeHolders(v).includes(key)),
  );
  if (holding) return holding;
  const label = svc.metadata.labels?.[LABEL_EIP];
  return label === undefined ? undefined : eips.find((e) => e.metadata.name === label);
}

function bgpRows(
  summary: AnnouncedSummary | undefined,
  peers: readonly BgpPeer[],
  managers: ReadonlySet<string> | undefined,
): BgpPathStatus[] {
  const rows: BgpPathStatus[] = [];
  for (const peer of [...peers].sort(byName)) {
    const name = peer.metadata.name;
    const reported = peer.status?.nodesPeerStatus ?? {};
    const replicas = new Set(Object.keys(reported));
    for (const [replica, perPeer] of Object.entries(summary ?? {}))
      if (name in perPeer) replicas.add(replica);
    for (const replica of [...replicas].sort()) {
      const inRib = summary?.[replica]?.[name];
      const running = managers === undefined ? undefined : managers.has(replica);
      const row: BgpPathStatus = {
        replica,
        peer: name,
        neighbor: peer.spec.conf?.neighborAddress ?? '',
        session: reported[replica]?.peerState?.sessionState ?? '-',
        advertised: inRib === undefined || running === false ? null : inRib,
      };
      if (running !== undefined) row.running = running;
      rows.push(row);
    }
  }
  return rows;
}

function layer2Rows(ips: readonly string[], leases: readonly Lease[], now: number): Layer2OwnerStatus[] {
  const rows: Layer2OwnerStatus[] = [];
  for (const ip of ips) {
    const owners = leases
      .map((l) => ({ lease: l, peer: peerLeaseOf(l) }))
      .filter((o) => o.peer?.claims.includes(ip))
      .sort((a, b) => byName(a.lease, b.lease));
    if (owners.length === 0) rows.push({ ip, owner: '-', macs: [] });
    for (const { lease, peer } of owners) {
      const row: Layer2OwnerStatus = { ip, owner: peer?.node ?? '-', macs: macsOf(lease) };
      const renew = lease.spec.renewTime ?? undefined;
      if (renew) {
        row.renewTime = renew;
        const at = Date.parse(renew);
        if (Number.isFinite(at)) row.leaseAgeMs = Math.max(0, now - at);
      }
      if (lease.spec.acquireTime) row.acquireTime = lease.spec.acquireTime;
      if (peer) row.leaseDurationMs = peer.leaseDurationMs;
      if (row.leaseAgeMs !== undefined && peer) row.expired = row.leaseAgeMs > peer.leaseDurationMs;
      rows.push(row);
    }
  }
  return rows;
}

export function serviceStatus(svc: Service, inputs: Omit<StatusInputs, 'services'>): ServiceStatus {
  const eip = poolOf(svc, inputs.eips);
  const ips = (svc.status?.loadBalancer?.ingress ?? []).flatMap((i) => (i.ip ? [i.ip] : []));
  const mode = eip ? eip.spec.protocol || 'bgp' : '-';
  const out: ServiceStatus = {
    namespace: svc.metadata.namespace ?? '',
    name: svc.metadata.name,
    pool: eip?.metadata.name ?? '-',
    ips,
    mode,
    externalTrafficPolicy: svc.spec.externalTrafficPolicy ?? 'Cluster',
  };
  if (mode === 'bgp') {
    const raw = svc.metadata.annotations?.[ANNOTATION_ANNOUNCED];
    let summary: AnnouncedSummary | undefined;
    if (raw !== undefined) {
      const read = decodeAnnounced(raw);
      if (read.ok) summary = read.value;
      else out.warnings = [read.error];
    }
    out.bgp = bgpRows(summary, inputs.peers, inputs.managers);
  } else if (mode === 'layer2') {
    out.layer2 = layer2Rows(ips, inputs.leases, inputs.now);
  }
  return out;
}

export function isLoadBalancer(svc: Service): boolean {
  return svc.spec.type === 'LoadBalancer';
}

/**
 * A LoadBalancer Service openelb-ts may serve: one an Eip holds, or without a class, or of openelb's
 * default class. Services of another load balancer's class are left out of listings (the manager's
 * --load-balancer-class may differ from the default: an Eip holding the Service still shows it).
 */
export function mayBeOurs(svc: Service, eips: readonly Eip[]): boolean {
  if (!isLoadBalancer(svc)) return false;
  const cls = svc.spec.loadBalancerClass;
  return cls === undefined || cls === '' || cls === LOAD_BALANCER_CLASS || poolOf(svc, eips) !== undefined;
}

/** Every Service given that may be ours (`named`: the user asked for these, keep any LoadBalancer). */
export function serviceStatuses(inputs: StatusInputs, named = false): ServiceStatus[] {
  return inputs.services
    .filter((s) => (named ? isLoadBalancer(s) : mayBeOurs(s, inputs.eips)))
    .map((s) => serviceStatus(s, inputs))
    .sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
}
