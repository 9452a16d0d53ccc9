// Deterministic pool choice for a Service that names no pool and no address (pure).
// Tiers, the first non-empty one wins (issue 4 / OpenELB §4.1, with the seed's fallback):
//   1. "namespace": pools bound to the Service's namespace (spec.namespaces or a matching
//      spec.namespaceSelector), not-full first, then priority (lower wins), then name;
//   2. "default": the pool annotated eip.openelb.kubesphere.io/is-default-eip: "true";
//   3. "protocol": every other pool (matching the requested protocol when one is given), by
//      priority then name.
// A namespace-restricted pool (spec.namespaces, or a non-empty spec.namespaceSelector) is a
// boundary, not a preference: it is a candidate only in tier 1, for the namespaces it selects, and
// never in tiers 2 and 3 (issue 12: a team's pool went to another namespace through tier 3).
// Disabled pools and pools of another family are never candidates; autoAssign: false pools are
// skipped in tiers 1 and 3 (they serve only explicit requests, or as the explicit default).
// Only Services without an IP go through this: a Service that holds an IP keeps it (sticky).
import type { Family } from '../net/ip.ts';

export interface PoolCandidate {
  name: string;
  family: Family;
  /** Empty means bgp. */
  protocol?: string;
  priority?: number;
  disabled?: boolean;
  autoAssign?: boolean;
  namespaces?: readonly string[];
  namespaceSelector?: Readonly<Record<string, string>>;
  isDefault?: boolean;
  /** Every address in use. */
  full?: boolean;
}

export interface SelectionContext {
  namespace: string;
  namespaceLabels?: Readonly<Record<string, string>>;
  /** Families the Service accepts (spec.ipFamilies); absent = any. */
  families?: readonly Family[];
  /** The protocol the Service asks for (protocol annotation); absent = any. */
  protocol?: string;
}

export type SelectionTier = 'namespace' | 'default' | 'protocol' | 'none';

export function byPriorityThenName(a: PoolCandidate, b: PoolCandidate): number {
  const pa = a.priority ?? 0;
  const pb = b.priority ?? 0;
  if (pa !== pb) return pa - pb;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

export function effectiveProtocol(p: string | undefined): string {
  return p === undefined || p === '' ? 'bgp' : p;
}

/** The fields of a pool that say which namespaces may use it. */
export type NamespaceScope = Pick<PoolCandidate, 'namespaces' | 'namespaceSelector'>;

/** True when the pool serves only the namespaces it selects (an empty list or selector restricts nothing). */
export function namespaceRestricted(pool: NamespaceScope): boolean {
  return (pool.namespaces?.length ?? 0) > 0 || Object.keys(pool.namespaceSelector ?? {}).length > 0;
}

/** May a Service of `namespace` get an address from this pool at all (automatically or by asking)? */
export function admitsNamespace(
  pool: NamespaceScope,
  namespace: string,
  labels: Readonly<Record<string, string>> = {},
): boolean {
  return !namespaceRestricted(pool) || namespaceBound(pool, namespace, labels);
}

/** "spec.namespaces [a, b] or spec.namespaceSelector {team=x}": the restriction in words, for Events. */
export function describeNamespaceScope(pool: NamespaceScope): string {
  const parts: string[] = [];
  if ((pool.namespaces?.length ?? 0) > 0)
    parts.push(`spec.namespaces [${(pool.namespaces ?? []).join(', ')}]`);
  const sel = Object.entries(pool.namespaceSelector ?? {});
  if (sel.length > 0) parts.push(`spec.namespaceSelector {${sel.map(([k, v]) => `${k}=${v}`).join(', ')}}`);
  return parts.length > 0 ? parts.join(' or ') : 'no namespace restriction';
}

export function namespaceBound(
  pool: NamespaceScope,
  namespace: string,
  labels: Readonly<Record<string, string>> = {},
): boolean {
  if (pool.namespaces?.includes(namespace)) return true;
  const sel = pool.namespaceSelector;
  if (!sel || Object.keys(sel).length === 0) return false;
  return Object.entries(sel).every(([k, v]) => labels[k] === v);
}

/** The ordered pools to try for an automatic allocation, and which tier they come from. */
export function autoSelectPools(
  pools: readonly PoolCandidate[],
  ctx: SelectionContext,
): { tier: SelectionTier; pools: PoolCandidate[] } {
  const usable = pools.filter((p) => !p.disabled && (!ctx.families || ctx.families.includes(p.family)));
  const auto = usable.filter((p) => p.autoAssign !== false);

  const bound = auto.filter((p) => namespaceBound(p, ctx.namespace, ctx.namespaceLabels));
  if (bound.length > 0) {
    bound.sort((a, b) => Number(a.full ?? false) - Number(b.full ?? false) || byPriorityThenName(a, b));
    return { tier: 'namespace', pools: bound };
  }
  const open = (p: PoolCandidate): boolean => admitsNamespace(p, ctx.namespace, ctx.namespaceLabels);
  const defaults = usable.filter((p) => p.isDefault && open(p)).sort(byPriorityThenName);
  if (defaults.length > 0) return { tier: 'default', pools: defaults };

  const want = ctx.protocol === undefined ? undefined : effectiveProtocol(ctx.protocol);
  const rest = auto
    .filter((p) => open(p) && (want === undefined || effectiveProtocol(p.protocol) === want))
    .sort(byPriorityThenName);
  if (rest.length > 0) return { tier: 'protocol', pools: rest };
  return { tier: 'none', pools: [] };
}
