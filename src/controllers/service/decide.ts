// The allocator's decisions for one Service, on the in-memory pools (pure apart from mutating the
// ledgers). Two steps per tick: planReleases (what to give back: the Service is gone, no longer
// ours, dropped a family, holds two addresses of one family, or explicitly asks for another address
// that is free) and allocateFor (keep what it holds — sticky; else re-adopt the address its status
// shows; else the requested address, the named pool, or automatic selection).
// A namespace-restricted pool (spec.namespaces / spec.namespaceSelector) gives no new address to a
// Service of a namespace it does not select, whichever way the Service asks; an address already
// held (or shown in the Service's status) is kept, with a KeepIP Warning, like every held address.
import {
  admitsNamespace,
  autoSelectPools,
  describeNamespaceScope,
  type Claim,
  type Family,
} from '../../ipam/index.ts';
import type { Service } from '../../kube/types.ts';
import type { AllocState, Holding, PoolEntry } from './pools.ts';
import {
  ingressIps,
  ownsService,
  serviceRequest,
  wantsAddresses,
  type ClassConfig,
  type ServiceRequest,
} from './request.ts';

export interface Release {
  pool: PoolEntry;
  ip: string;
  why: string;
}

export type FailReason =
  | 'NoMatchingPool'
  | 'PoolExhausted'
  | 'RequestedIPUnavailable'
  | 'PoolUnusable'
  | 'InvalidRequest'
  | 'NamespaceNotAllowed';

export type Outcome =
  | { kind: 'held'; family: Family; pool: string; ip: string; note?: string }
  | {
      kind: 'allocated';
      family: Family;
      pool: string;
      ip: string;
      shared: boolean;
      via: 'status' | 'request' | 'pool' | 'auto';
    }
  | { kind: 'failed'; family: Family; reason: FailReason; message: string };

export interface DecideContext {
  cfg: ClassConfig;
  namespaceLabels: (namespace: string) => Readonly<Record<string, string>> | undefined;
}

const fam = (f: Family): string => `IPv${f}`;

function claimOf(req: ServiceRequest): Claim {
  const c: Claim = { key: req.key, ports: req.ports };
  if (req.sharingKey) c.sharingKey = req.sharingKey;
  return c;
}

function whyUnwanted(svc: Service | undefined, cfg: ClassConfig): string {
  if (!svc) return 'the Service was deleted';
  if (svc.metadata.deletionTimestamp) return 'the Service is being deleted';
  if (svc.spec.type !== 'LoadBalancer')
    return `the Service is no longer type LoadBalancer (now ${svc.spec.type ?? 'ClusterIP'})`;
  if (!ownsService(svc, cfg))
    return 'the Service no longer asks for an openelb load balancer (annotation or loadBalancerClass removed)';
  return 'not wanted';
}

/** Pool usable for new allocations (valid, not deleting, not disabled). */
function usable(state: AllocState, p: PoolEntry): boolean {
  return p.verdict(state.maxAllocations).reason === 'Ready';
}

function atLimit(state: AllocState, p: PoolEntry): boolean {
  return (p.ledger?.claims ?? 0) >= state.maxAllocations;
}

/** Does the pool serve the Service's namespace (no restriction, or its namespaces/selector match)? */
function admits(ctx: DecideContext, req: ServiceRequest, p: PoolEntry): boolean {
  return admitsNamespace(p.known.spec ?? {}, req.namespace, ctx.namespaceLabels(req.namespace) ?? {});
}

function notAdmitted(req: ServiceRequest, p: PoolEntry): string {
  return `Eip ${p.name} serves only ${describeNamespaceScope(p.known.spec ?? {})}, and namespace ${req.namespace} is not selected`;
}

/** The pool that would give `ip` to `claim` right now, if any. */
function poolFor(
  state: AllocState,
  ctx: DecideContext,
  req: ServiceRequest,
  ip: string,
): PoolEntry | undefined {
  const claim = claimOf(req);
  return state
    .poolsContaining(ip)
    .find(
      (p) =>
        (req.pools.length === 0 || req.pools.includes(p.name)) &&
        admits(ctx, req, p) &&
        usable(state, p) &&
        !atLimit(state, p) &&
        p.ledger?.blockedOn(claim, ip) === undefined,
    );
}

function namedOfFamily(state: AllocState, req: ServiceRequest, f: Family): PoolEntry[] {
  return req.pools
    .map((n) => state.pools.get(n))
    .filter((p): p is PoolEntry => p !== undefined && p.family === f);
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

function heldNote(
  state: AllocState,
  ctx: DecideContext,
  req: ServiceRequest,
  h: Holding,
): string | undefined {
  const want = req.ips.get(h.family);
  if (want !== undefined && want !== h.ip) {
    const containing = state.poolsContaining(want);
    const closed = containing.find((p) => !admits(ctx, req, p));
    const holders = containing[0]?.ledger?.blockedOn(claimOf(req), want);
    const why =
      containing.length === 0
        ? 'no Eip contains it'
        : containing.every((p) => !admits(ctx, req, p)) && closed
          ? notAdmitted(req, closed)
          : (holders ?? 'its pool takes no new allocations');
    return `asks for ${want} but keeps ${h.ip}: ${why}`;
  }
  const named = namedOfFamily(state, req, h.family);
  if (want === undefined && req.pools.length > 0 && !req.pools.includes(h.pool.name) && named.length > 0) {
    const closed = named.find((p) => !admits(ctx, req, p));
    const why =
      named.every((p) => !admits(ctx, req, p)) && closed
        ? notAdmitted(req, closed)
        : 'the named pool has no free address';
    return `names Eip ${req.pools.join(',')} but keeps ${h.ip} from Eip ${h.pool.name}: ${why}`;
  }
  if (!admits(ctx, req, h.pool)) {
    return `keeps ${h.ip}, assigned earlier, though ${notAdmitted(req, h.pool)}: held addresses never move by themselves; name an Eip that serves the namespace to move it`;
  }
  return undefined;
}

type Attempt = { ok: true; ip: string; shared: boolean } | { ok: false; reason: FailReason; message: string };

function tryPool(state: AllocState, p: PoolEntry, req: ServiceRequest, ip?: string): Attempt {
  const v = p.verdict(state.maxAllocations);
  if (v.reason !== 'Ready' || !p.ledger)
    return { ok: false, reason: 'PoolUnusable', message: `Eip ${p.name}: ${v.message}` };
  if (atLimit(state, p))
    return { ok: false, reason: 'PoolExhausted', message: `Eip ${p.name}: ${v.exhaustedMessage}` };
  const r = p.ledger.allocate(claimOf(req), req.uid, ip);
  if (r.ok) return { ok: true, ip: r.ip, shared: r.shared };
  switch (r.reason) {
    case 'exhausted':
      return {
        ok: false,
        reason: 'PoolExhausted',
        message: `Eip ${p.name} has no free address (all ${p.ledger.range.size} in use)`,
      };
    case 'in-use':
    case 'ports-collide':
      return { ok: false, reason: 'RequestedIPUnavailable', message: `requested address ${r.message}` };
    default:
      return { ok: false, reason: 'InvalidRequest', message: r.message };
  }
}

/** Re-records the address the Service's status shows, when it lies in a pool, is free and fits the request. */
export function adoptFromStatus(
  state: AllocState,
  svc: Service,
  req: ServiceRequest,
  f: Family,
): Outcome | undefined {
  const ip = ingressIps(svc).get(f);
  if (ip === undefined) return undefined;
  const want = req.ips.get(f);
  if (want !== undefined && want !== ip) return undefined;
  const claim = claimOf(req);
  for (const p of state.poolsContaining(ip)) {
    if (req.pools.length > 0 && !req.pools.includes(p.name)) continue;
    if (!p.ledger || p.ledger.blockedOn(claim, ip) !== undefined) continue;
    if (p.ledger.restore(ip, claim, req.uid) === undefined) {
      return {
        kind: 'allocated',
        family: f,
        pool: p.name,
        ip,
        shared: p.ledger.table.holdersOf(ip).length > 1,
        via: 'status',
      };
    }
  }
  return undefined;
}

function allocateExplicitIp(
  state: AllocState,
  ctx: DecideContext,
  req: ServiceRequest,
  f: Family,
  ip: string,
): Outcome {
  const containing = state
    .poolsContaining(ip)
    .filter((p) => req.pools.length === 0 || req.pools.includes(p.name));
  if (containing.length === 0) {
    const where = req.pools.length > 0 ? `Eip ${req.pools.join(',')}` : 'any Eip';
    return {
      kind: 'failed',
      family: f,
      reason: 'NoMatchingPool',
      message: `requested address ${ip} is not in ${where}`,
    };
  }
  const pools = containing.filter((p) => admits(ctx, req, p));
  const closed = containing.find((p) => !admits(ctx, req, p));
  if (pools.length === 0 && closed) {
    return {
      kind: 'failed',
      family: f,
      reason: 'NamespaceNotAllowed',
      message: `requested address ${ip}: ${notAdmitted(req, closed)}`,
    };
  }
  let last: Attempt | undefined;
  for (const p of pools) {
    last = tryPool(state, p, req, ip);
    if (last.ok)
      return { kind: 'allocated', family: f, pool: p.name, ip: last.ip, shared: last.shared, via: 'request' };
  }
  const fail = last as Extract<Attempt, { ok: false }>;
  return { kind: 'failed', family: f, reason: fail.reason, message: fail.message };
}

function allocateNamedPool(state: AllocState, ctx: DecideContext, req: ServiceRequest, f: Family): Outcome {
  const existing = req.pools.filter((n) => state.pools.has(n));
  if (existing.length === 0) {
    return {
      kind: 'failed',
      family: f,
      reason: 'NoMatchingPool',
      message: `Eip ${req.pools.join(',')} does not exist`,
    };
  }
  const named = namedOfFamily(state, req, f);
  if (named.length === 0) {
    return {
      kind: 'failed',
      family: f,
      reason: 'NoMatchingPool',
      message: `Eip ${existing.join(',')} has no ${fam(f)} addresses (or no usable range)`,
    };
  }
  const open = named.filter((p) => admits(ctx, req, p));
  const closed = named.find((p) => !admits(ctx, req, p));
  if (open.length === 0 && closed) {
    return { kind: 'failed', family: f, reason: 'NamespaceNotAllowed', message: notAdmitted(req, closed) };
  }
  const fails: string[] = [];
  let reason: FailReason = 'PoolExhausted';
  for (const p of open) {
    const r = tryPool(state, p, req);
    if (r.ok) return { kind: 'allocated', family: f, pool: p.name, ip: r.ip, shared: r.shared, via: 'pool' };
    fails.push(r.message);
    if (r.reason !== 'PoolExhausted') reason = r.reason;
  }
  return { kind: 'failed', family: f, reason, message: fails.join('; ') };
}

function allocateAuto(state: AllocState, req: ServiceRequest, ctx: DecideContext, f: Family): Outcome {
  const candidates = [...state.pools.values()]
    .map((p) => p.candidate(usable(state, p), (p.ledger?.full ?? true) || atLimit(state, p)))
    .filter((c) => c !== undefined);
  const sel = autoSelectPools(candidates, {
    namespace: req.namespace,
    namespaceLabels: ctx.namespaceLabels(req.namespace) ?? {},
    families: [f],
    ...(req.protocol ? { protocol: req.protocol } : {}),
  });
  if (sel.tier === 'none') {
    return {
      kind: 'failed',
      family: f,
      reason: 'NoMatchingPool',
      message: `no usable ${fam(f)} Eip for namespace ${req.namespace}: none is bound to it (spec.namespaces/namespaceSelector), none is a default pool open to it, and none${req.protocol ? ` with protocol ${req.protocol}` : ''} open to every namespace takes automatic assignments`,
    };
  }
  const fails: string[] = [];
  for (const c of sel.pools) {
    const p = state.pools.get(c.name);
    if (!p) continue;
    const r = tryPool(state, p, req);
    if (r.ok) return { kind: 'allocated', family: f, pool: p.name, ip: r.ip, shared: r.shared, via: 'auto' };
    fails.push(r.message);
  }
  return {
    kind: 'failed',
    family: f,
    reason: 'PoolExhausted',
    message: `every ${sel.tier === 'namespace' ? 'namespace-bound' : sel.tier} pool is full: ${fails.join('; ')}`,
  };
}

/** Keeps or allocates one address per wanted family. Call after the releases were applied. */
export function allocateFor(state: AllocState, svc: Service, ctx: DecideContext): Outcome[] {
  const req = serviceRequest(svc);
  const out: Outcome[] = [];
  const held = new Map(state.heldBy(req.key).map((h) => [h.family, h]));
  for (const f of req.families) {
    const h = held.get(f);
    if (h) {
      // Sticky: refresh the claim (ports, sharing key) without moving the address.
      const r = h.pool.ledger?.allocate(claimOf(req), req.uid);
      const o: Outcome = { kind: 'held', family: f, pool: h.pool.name, ip: h.ip };
      const note =
        heldNote(state, ctx, req, h) ??
        (r?.ok && r.conflict
          ? `keeps ${h.ip}, but its ports or sharing key now conflict with the other Services on it (${r.conflict})`
          : undefined);
      if (note) o.note = note;
      out.push(o);
      continue;
    }
    if (req.problems.length > 0) {
      out.push({ kind: 'failed', family: f, reason: 'InvalidRequest', message: req.problems.join('; ') });
      continue;
    }
    const adopted = adoptFromStatus(state, svc, req, f);
    if (adopted) {
      out.push(adopted);
      continue;
    }
    const ip = req.ips.get(f);
    if (ip !== undefined) out.push(allocateExplicitIp(state, ctx, req, f, ip));
    else if (req.pools.length > 0) out.push(allocateNamedPool(state, ctx, req, f));
    else out.push(allocateAuto(state, req, ctx, f));
  }
  return out;
}
