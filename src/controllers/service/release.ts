// What a Service gives back this tick: everything when it is gone or no longer ours; an address of
// a family it dropped, a second address of one family, one recorded for an earlier Service of the
// same name; the held address when it explicitly asks for another one that is free.
import type { Family } from '../../ipam/index.ts';
import type { Service } from '../../kube/types.ts';
import {
  admits,
  atLimit,
  fam,
  namedOfFamily,
  poolFor,
  usable,
  type DecideContext,
  type Release,
} from './decide.ts';
import type { AllocState, Holding } from './pools.ts';
import { ingressIps, ownsService, serviceRequest, wantsAddresses, type ClassConfig } from './request.ts';

function whyUnwanted(svc: Service | undefined, cfg: ClassConfig): string {
  if (!svc) return 'the Service was deleted';
  if (svc.metadata.deletionTimestamp) return 'the Service is being deleted';
  if (svc.spec.type !== 'LoadBalancer')
    return `the Service is no longer type LoadBalancer (now ${svc.spec.type ?? 'ClusterIP'})`;
  if (!ownsService(svc, cfg))
    return 'the Service no longer asks for an openelb load balancer (annotation or loadBalancerClass removed)';
  return 'not wanted';
}

export function planReleases(
  state: AllocState,
  key: string,
  svc: Service | undefined,
  ctx: DecideContext,
): Release[] {
  const { cfg } = ctx;
  const held = state.heldBy(key);
  if (held.length === 0) return [];
  if (!wantsAddresses(svc, cfg)) {
    const why = whyUnwanted(svc, cfg);
    return held.map((h) => ({ pool: h.pool, ip: h.ip, why }));
  }
  const req = serviceRequest(svc);
  const out: Release[] = [];
  const kept = new Map<Family, Holding>();
  const shown = ingressIps(svc);
  // Keep the holding the Service shows (then the first by pool name) when a family is held twice.
  const ordered = [...held].sort(
    (a, b) =>
      Number(b.ip === shown.get(b.family)) - Number(a.ip === shown.get(a.family)) ||
      (a.pool.name < b.pool.name ? -1 : 1),
  );
  for (const h of ordered) {
    const uid = h.pool.ledger?.uidOf(key);
    if (uid && req.uid && uid !== req.uid) {
      out.push({
        pool: h.pool,
        ip: h.ip,
        why: `recorded for an earlier Service of the same name (uid ${uid})`,
      });
      continue;
    }
    if (!req.families.includes(h.family)) {
      out.push({ pool: h.pool, ip: h.ip, why: `spec.ipFamilies no longer include ${fam(h.family)}` });
      continue;
    }
    if (kept.has(h.family)) {
      out.push({
        pool: h.pool,
        ip: h.ip,
        why: `a second ${fam(h.family)} address (the Service keeps ${kept.get(h.family)?.ip})`,
      });
      continue;
    }
    kept.set(h.family, h);
  }
  if (req.problems.length > 0) return out;
  for (const h of kept.values()) {
    const want = req.ips.get(h.family);
    if (want !== undefined && want !== h.ip) {
      if (poolFor(state, ctx, req, want))
        out.push({ pool: h.pool, ip: h.ip, why: `the Service now asks for ${want}` });
      continue;
    }
    if (want === undefined && req.pools.length > 0 && !req.pools.includes(h.pool.name)) {
      const named = namedOfFamily(state, req, h.family);
      const room = named.find(
        (p) => admits(ctx, req, p) && usable(state, p) && !atLimit(state, p) && !(p.ledger?.full ?? true),
      );
      if (room) out.push({ pool: h.pool, ip: h.ip, why: `the Service now names Eip ${room.name}` });
    }
  }
  return out;
}
