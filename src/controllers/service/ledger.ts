// One pool's allocations as the allocator tracks them: the pure PoolTable for the allocatable range,
// plus records OpenELB made on the edge addresses of CIDR pools (network/broadcast, which openelb-ts
// never hands out but keeps for the Services that already hold them), the claims (for sharing checks)
// and the Service UIDs. `used()`/`uids()` render it in Eip.status form.
import { ok, type Result } from '../../core/result.ts';
import { PoolTable, type Claim, type Claimed, type ClaimRefused, type PoolRange } from '../../ipam/index.ts';
import { canonicalIp, parseIp } from '../../net/ip.ts';
import { spanHolds } from '../../net/prefix.ts';
import { encodeHolders } from '../../api/used.ts';

export interface RestoreProblem {
  ip: string;
  key: string;
  message: string;
}

function sharingBlocked(claim: Claim, holders: readonly Claim[]): string | undefined {
  for (const h of holders) {
    if (!claim.sharingKey || h.sharingKey !== claim.sharingKey)
      return `held by ${h.key}${h.sharingKey ? ` under sharing key ${JSON.stringify(h.sharingKey)}` : ' (no sharing key)'}`;
    if (!claim.ports || !h.ports) return `shared with ${h.key}, whose ports are unknown`;
    const theirs = new Set(h.ports);
    const clash = claim.ports.find((p) => theirs.has(p));
    if (clash) return `port ${clash} collides with ${h.key}`;
  }
  return undefined;
}

export class PoolLedger {
  readonly range: PoolRange;
  readonly table: PoolTable;
  readonly #edgeByKey = new Map<string, string>();
  readonly #edgeByIp = new Map<string, string[]>();
  readonly #claims = new Map<string, Claim>();
  readonly #uids = new Map<string, string>();

  constructor(range: PoolRange) {
    this.range = range;
    this.table = new PoolTable(range);
  }

  get usage(): number {
    return this.table.usage + this.#edgeByIp.size;
  }
  get claims(): number {
    return this.#claims.size;
  }
  get full(): boolean {
    return this.table.full;
  }

  lookup(key: string): string | undefined {
    return this.table.lookup(key) ?? this.#edgeByKey.get(key);
  }
  claimOf(key: string): Claim | undefined {
    return this.#claims.get(key);
  }
  uidOf(key: string): string | undefined {
    return this.#uids.get(key);
  }
  keys(): IterableIterator<string> {
    return this.#claims.keys();
  }

  /** An address of this pool (allocatable, or an edge address of its written span). */
  contains(ip: string): boolean {
    if (this.table.contains(ip)) return true;
    const p = parseIp(ip);
    return p.ok && spanHolds(this.range.span, p.value);
  }

  /** Why `claim` cannot take `ip` now (undefined = it can). Does not change anything. */
  blockedOn(claim: Claim, ip: string): string | undefined {
    if (!this.contains(ip)) return `${ip} is not an address of ${this.range.text}`;
    const holders = (this.table.contains(ip) ? this.table.holdersOf(ip) : (this.#edgeByIp.get(ip) ?? []))
      .filter((k) => k !== claim.key)
      .map((k) => this.#claims.get(k) ?? { key: k });
    return holders.length === 0 ? undefined : sharingBlocked(claim, holders);
  }

  allocate(claim: Claim, uid: string, ip?: string): Result<Claimed, ClaimRefused> {
    const edge = this.#edgeByKey.get(claim.key);
    if (edge !== undefined) {
      this.#claims.set(claim.key, claim);
      if (uid) this.#uids.set(claim.key, uid);
      return ok({ ip: edge, held: true, shared: (this.#edgeByIp.get(edge)?.length ?? 0) > 1 });
    }
    const r = this.table.allocate(claim, ip);
    if (r.ok) {
      this.#claims.set(claim.key, claim);
      if (uid) this.#uids.set(claim.key, uid);
    }
    return r;
  }

  /** Records an existing allocation (Eip status, Service status, OpenELB edge addresses). */
  restore(ip: string, claim: Claim, uid: string | undefined): RestoreProblem | undefined {
    if (this.table.contains(ip)) {
      const r = this.table.restore(ip, claim);
      if (!r.ok) return { ip, key: claim.key, message: r.error.message };
    } else if (this.contains(ip)) {
      const canonical = canonicalIp(ip) ?? ip; // contains(ip): it is an address
      const held = this.#edgeByKey.get(claim.key) ?? this.table.lookup(claim.key);
      if (held !== undefined && held !== canonical)
        return { ip, key: claim.key, message: `${claim.key} is recorded at ${held} and at ${ip}` };
      this.#edgeByKey.set(claim.key, canonical);
      const list = this.#edgeByIp.get(canonical) ?? [];
      if (!list.includes(claim.key)) list.push(claim.key);
      this.#edgeByIp.set(canonical, list);
    } else {
      return { ip, key: claim.key, message: `${ip} is not an address of ${this.range.text}` };
    }
    this.#claims.set(claim.key, claim);
    if (uid) this.#uids.set(claim.key, uid);
    return undefined;
  }

  release(key: string): string | undefined {
    this.#claims.delete(key);
    this.#uids.delete(key);
    const edge = this.#edgeByKey.get(key);
    if (edge !== undefined) {
      this.#edgeByKey.delete(key);
      const rest = (this.#edgeByIp.get(edge) ?? []).filter((k) => k !== key);
      if (rest.length === 0) this.#edgeByIp.delete(edge);
      else this.#edgeByIp.set(edge, rest);
      return edge;
    }
    return this.table.release(key);
  }

  /** status.used: ip -> "ns/a;ns/b". */
  used(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const { ip, keys } of this.table.entries()) out[ip] = encodeHolders(keys);
    for (const [ip, keys] of this.#edgeByIp) out[ip] = encodeHolders(keys);
    return out;
  }

  /** status.serviceUIDs for the recorded Services whose UID is known. */
  uids(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of this.#uids) out[k] = v;
    return out;
  }
}
