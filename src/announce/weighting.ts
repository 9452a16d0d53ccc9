// Weighted ECMP for externalTrafficPolicy: Local (Eip spec.bgp.weightedEcmp, the Service annotation
// overriding it): each replica tells the router, through the link bandwidth it attaches to its path,
// how many of the Service's endpoints run on its node, so a router that weights ECMP by link
// bandwidth (FRR) sends each node a share proportional to its endpoints. Pure.
import type { EndpointSlice } from '../kube/types.ts';
import type { Announcement } from './announcements.ts';
import { isLocalPolicy, readyEndpointsByNode } from './eligibility.ts';

/** Service annotation: "true" / "false" overrides the pool's spec.bgp.weightedEcmp for this Service. */
export const ANNOTATION_WEIGHTED_ECMP = 'bgp.openelb.kubesphere.io/weighted-ecmp';

/**
 * One endpoint is worth 1 Mbit/s (125,000 bytes/s) of link bandwidth. Only the ratio between the
 * replicas matters to the router; a round unit keeps `show bgp` readable (FRR prints Mbps), and
 * float32 holds every multiple of it exactly up to 1,000 endpoints per node.
 */
export const BYTES_PER_SECOND_PER_ENDPOINT = 125_000;

export interface EndpointWeight {
  /** endpoints of the IP's Services on the node; undefined = no weight (plain ECMP) */
  endpoints?: number;
  /** why an opt-in could not be honoured, for an Event */
  problems: string[];
}

/** Whether `svc` asks for weighted ECMP: its annotation, else the pool's setting. */
export function serviceWantsWeighting(
  a: Pick<Announcement, 'bgp'>,
  svc: Announcement['services'][number],
): { wants: boolean; problem?: string } {
  const pool = a.bgp?.weightedEcmp === true;
  const value = svc.metadata.annotations?.[ANNOTATION_WEIGHTED_ECMP];
  if (value === undefined) return { wants: pool };
  if (value === 'true' || value === 'false') return { wants: value === 'true' };
  return {
    wants: pool,
    problem: `Service ${svc.metadata.namespace}/${svc.metadata.name}: annotation ${ANNOTATION_WEIGHTED_ECMP} is ${JSON.stringify(value)}, must be "true" or "false" (the pool's spec.bgp.weightedEcmp=${pool} applies)`,
  };
}

/**
 * How many endpoints `node` carries for the IP of `a`, when its Services ask for weighted ECMP.
 * Every Service holding the IP must want it and have externalTrafficPolicy: Local (with Cluster,
 * kube-proxy spreads traffic across all endpoints whatever node receives it, so weights would only
 * skew load); for an IP shared by several such Services their endpoints on the node add up.
 */
export function endpointWeight(
  a: Announcement,
  node: string,
  slices: readonly EndpointSlice[],
): EndpointWeight {
  const problems: string[] = [];
  let wanting = 0;
  let explicitCluster: string | undefined;
  let endpoints = 0;
  for (const svc of a.services) {
    const w = serviceWantsWeighting(a, svc);
    if (w.problem) problems.push(w.problem);
    if (!w.wants) continue;
    wanting++;
    if (!isLocalPolicy(svc)) {
      if (svc.metadata.annotations?.[ANNOTATION_WEIGHTED_ECMP] === 'true')
        explicitCluster = `${svc.metadata.namespace}/${svc.metadata.name}`;
      continue;
    }
    endpoints += readyEndpointsByNode(svc, slices).get(node) ?? 0;
  }
  if (wanting === 0) return { problems };
  if (explicitCluster !== undefined) {
    problems.push(
      `Service ${explicitCluster}: weighted ECMP needs externalTrafficPolicy: Local (with Cluster every node forwards to all endpoints); ${a.ip} is announced without link bandwidth`,
    );
    return { problems };
  }
  if (wanting < a.services.length) {
    problems.push(
      `${a.ip} is shared by Services that disagree on weighted ECMP (annotation ${ANNOTATION_WEIGHTED_ECMP}); announced without link bandwidth`,
    );
    return { problems };
  }
  // a pool-wide opt-in says nothing about its Cluster Services: they stay plain ECMP, silently
  if (a.services.some((s) => !isLocalPolicy(s))) return { problems };
  return { endpoints, problems };
}

/** The link bandwidth, in bytes per second, that `endpoints` endpoints stand for. */
export function bandwidthForEndpoints(endpoints: number): number {
  return endpoints * BYTES_PER_SECOND_PER_ENDPOINT;
}
