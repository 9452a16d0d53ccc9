// Keeps or assigns one address per wanted family of a Service (after the releases were applied):
// keep what it holds (sticky), else re-adopt the address its status shows, else the requested
// address, the named pool, or automatic selection.
import { err, ok, type Result } from '../../core/result.ts';
import { autoSelectPools, type Family } from '../../ipam/index.ts';
import type { Service } from '../../kube/types.ts';
import {
  admits,
  atLimit,
  claimOf,
  fam,
  namedOfFamily,
  notAdmitted,
  usable,
  type DecideContext,
  type FailReason,
  type Outcome,
} from './decide.ts';
import type { AllocState, Holding, PoolEntry } from './pools.ts';
import { ingressIps, serviceRequest, type ServiceRequest } from './request.ts';

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

/** One pool's answer: the address (shared or not), or why not in the Service's Event terms. */
type Attempt = Result<{ ip: string; shared: boolean }, { reason: FailReason; message: string }>;

function tryPool(state: AllocState, p: PoolEntry, req: ServiceRequest, ip?: string): Attempt {
  const v = p.verdict(state.maxAllocations);
  if (v.reason !== 'Ready' || !p.ledger)
    return err({ reason: 'PoolUnusable', message: `Eip ${p.name}: ${v.message}` });
  if (atLimit(state, p))
    return err({ reason: 'PoolExhausted', message: `Eip ${p.name}: ${v.exhaustedMessage}` });
  const r = p.ledger.allocate(claimOf(req), req.uid, ip);
  if (r.ok) return ok({ ip: r.value.ip, shared: r.value.shared });
  switch (r.error.reason) {
    case 'exhausted':
      return err({
        reason: 'PoolExhausted',
        message: `Eip ${p.name} has no free address (all ${p.ledger.range.size} in use)`,
      });
    case 'in-use':
    case 'ports-collide':
      return err({ reason: 'RequestedIPUnavailable', message: `requested address ${r.error.message}` });
    default:
      return err({ reason: 'InvalidRequest', message: r.error.message });
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
    if (last.ok) return { kind: 'allocated', family: f, pool: p.name, ...last.value, via: 'request' };
  }
  const fail = (last as Extract<Attempt, { ok: false }>).error;
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
    if (r.ok) return { kind: 'allocated', family: f, pool: p.name, ...r.value, via: 'pool' };
    fails.push(r.error.message);
    if (r.error.reason !== 'PoolExhausted') reason = r.error.reason;
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
    if (r.ok) return { kind: 'allocated', family: f, pool: p.name, ...r.value, via: 'auto' };
    fails.push(r.error.message);
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
        (r?.ok && r.value.conflict
          ? `keeps ${h.ip}, but its ports or sharing key now conflict with the other Services on it (${r.value.conflict})`
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
