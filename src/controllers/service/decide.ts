// The allocator's decisions for one Service, on the in-memory pools (pure apart from mutating the
// ledgers). Two steps per tick: planReleases (release.ts: what to give back) and allocateFor
// (allocate.ts: keep, re-adopt, or assign). This file holds what both read: the outcome types and
// the pool rules (usable, at its limit, serving the Service's namespace).
// A namespace-restricted pool (spec.namespaces / spec.namespaceSelector) gives no new address to a
// Service of a namespace it does not select, whichever way the Service asks; an address already
// held (or shown in the Service's status) is kept, with a KeepIP Warning, like every held address.
import { admitsNamespace, describeNamespaceScope, type Claim, type Family } from '../../ipam/index.ts';
import type { AllocState, PoolEntry } from './pools.ts';
import type { ClassConfig, ServiceRequest } from './request.ts';

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

export const fam = (f: Family): string => `IPv${f}`;

export function claimOf(req: ServiceRequest): Claim {
  const c: Claim = { key: req.key, ports: req.ports };
  if (req.sharingKey) c.sharingKey = req.sharingKey;
  return c;
}

/** Pool usable for new allocations (valid, not deleting, not disabled). */
export function usable(state: AllocState, p: PoolEntry): boolean {
  return p.verdict(state.maxAllocations).reason === 'Ready';
}

export function atLimit(state: AllocState, p: PoolEntry): boolean {
  return (p.ledger?.claims ?? 0) >= state.maxAllocations;
}

/** Does the pool serve the Service's namespace (no restriction, or its namespaces/selector match)? */
export function admits(ctx: DecideContext, req: ServiceRequest, p: PoolEntry): boolean {
  return admitsNamespace(p.eip.spec ?? {}, req.namespace, ctx.namespaceLabels(req.namespace) ?? {});
}

export function notAdmitted(req: ServiceRequest, p: PoolEntry): string {
  return `Eip ${p.name} serves only ${describeNamespaceScope(p.eip.spec ?? {})}, and namespace ${req.namespace} is not selected`;
}

/** The pool that would give `ip` to `claim` right now, if any. */
export function poolFor(
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

export function namedOfFamily(state: AllocState, req: ServiceRequest, f: Family): PoolEntry[] {
  return req.pools
    .map((n) => state.pools.get(n))
    .filter((p): p is PoolEntry => p !== undefined && p.family === f);
}
