// The allocation table of one pool: who holds which address. Pure; no Kubernetes types.
//   - sticky: a claim key (e.g. "namespace/name") that holds an address keeps it; allocate() with
//     the same key returns the same address;
//   - specific requests: allocate(claim, "192.168.0.105");
//   - sharing: an address is shared only between claims with the same non-empty sharingKey whose
//     ports (e.g. "TCP/80") do not collide; a claim without ports collides with everything.
//     (OpenELB shared implicitly whenever an address was requested twice; restore() still accepts
//     such records so an OpenELB cluster is adopted unchanged, and reports the conflict.)
// Memory grows with the number of allocations, never with the pool size.
import { err, ok, type Result } from '../core/result.ts';
import { formatIp, formatIpv4, parseIp, type Family } from '../net/ip.ts';
import { parsePoolAddress, type PoolRange } from './address.ts';
import { OffsetTable, offsetToBigInt, toOffset, type Offset } from './offsets.ts';
import type { Claimed, ClaimRefused, Restored, RestoreRefused } from './outcomes.ts';
import { conflictOf, sharingProblem, type Claim } from './sharing.ts';

export type { Claim } from './sharing.ts';

/** The claims holding one address (usually one). */
type Slot = Claim[];

export class PoolTable {
  readonly range: PoolRange;
  readonly #offsets: OffsetTable;
  readonly #v4First: number;
  readonly #byKey = new Map<string, Offset>();
  readonly #byOffset = new Map<Offset, Slot>();
  readonly #bySharingKey = new Map<string, Set<Offset>>();

  constructor(address: string | PoolRange) {
    if (typeof address === 'string') {
      const parsed = parsePoolAddress(address);
      if (!parsed.ok) throw new TypeError(parsed.error);
      this.range = parsed.value;
    } else this.range = address;
    this.#offsets = new OffsetTable(this.range.size);
    this.#v4First = this.range.family === 4 ? Number(this.range.first) : 0;
  }

  get family(): Family {
    return this.range.family;
  }

  /** Allocatable addresses (exact). */
  get size(): bigint {
    return this.range.size;
  }

  /** Addresses in use (not claims). */
  get usage(): number {
    return this.#offsets.count;
  }

  /** Claims recorded (a shared address counts once per claim). */
  get claimCount(): number {
    return this.#byKey.size;
  }

  get full(): boolean {
    return this.#offsets.free === 0n;
  }

  /** The address `key` holds, if any. */
  lookup(key: string): string | undefined {
    const o = this.#byKey.get(key);
    return o === undefined ? undefined : this.#ipOf(o);
  }

  /** Keys holding `ip` (empty when free or not in the pool). */
  holdersOf(ip: string): readonly string[] {
    const o = this.#offsetOf(ip);
    if (typeof o !== 'object') return [];
    return this.#byOffset.get(o.offset)?.map((c) => c.key) ?? [];
  }

  /** True when `ip` is an allocatable address of this pool. */
  contains(ip: string): boolean {
    return typeof this.#offsetOf(ip) === 'object';
  }

  /**
   * Gives `claim` an address: the one it holds already (sticky), else `ip` when asked for (free, or
   * shareable), else one shared under its sharing key, else a free one.
   */
  allocate(claim: Claim, ip?: string): Result<Claimed, ClaimRefused> {
    const held = this.#byKey.get(claim.key);
    if (held !== undefined) {
      const heldIp = this.#ipOf(held);
      if (ip !== undefined) {
        const want = this.#offsetOf(ip);
        if (typeof want !== 'object' || want.offset !== held) {
          return err({
            reason: 'holds-other',
            heldIp,
            message: `${claim.key} already holds ${heldIp}; release it before asking for ${ip}`,
          });
        }
      }
      // Sticky even when the claim's new sharing key or ports no longer fit its co-holders:
      // the address never moves; the conflict is reported for the caller to surface.
      const others = this.#byOffset.get(held)?.filter((c) => c.key !== claim.key) ?? [];
      const problem = others.length > 0 ? sharingProblem(claim, others) : undefined;
      this.#replaceClaim(held, claim);
      const kept: Claimed = { ip: heldIp, held: true, shared: others.length > 0 };
      if (problem) kept.conflict = conflictOf(problem);
      return ok(kept);
    }
    if (ip !== undefined) return this.#allocateSpecific(claim, ip);
    if (claim.sharingKey) {
      const candidates = this.#bySharingKey.get(claim.sharingKey);
      for (const o of candidates ?? []) {
        const slot = this.#byOffset.get(o);
        if (slot && sharingProblem(claim, slot) === undefined) {
          this.#record(o, claim);
          return ok({ ip: this.#ipOf(o), held: false, shared: true });
        }
      }
    }
    const o = this.#offsets.next();
    if (o === undefined) {
      return err({
        reason: 'exhausted',
        message: `pool ${this.range.text} is exhausted (${this.range.size} addresses in use)`,
      });
    }
    this.#record(o, claim);
    return ok({ ip: this.#ipOf(o), held: false, shared: false });
  }

  /** Releases what `key` holds. Returns the address (free again unless still shared), or undefined. */
  release(key: string): string | undefined {
    const o = this.#byKey.get(key);
    if (o === undefined) return undefined;
    this.#byKey.delete(key);
    const slot = this.#byOffset.get(o);
    if (slot) {
      const i = slot.findIndex((c) => c.key === key);
      const gone = i >= 0 ? slot.splice(i, 1)[0] : undefined;
      if (gone?.sharingKey && !slot.some((c) => c.sharingKey === gone.sharingKey)) {
        const set = this.#bySharingKey.get(gone.sharingKey);
        set?.delete(o);
        if (set?.size === 0) this.#bySharingKey.delete(gone.sharingKey);
      }
      if (slot.length === 0) {
        this.#byOffset.delete(o);
        this.#offsets.release(o);
      }
    }
    return this.#ipOf(o);
  }

  /**
   * Records an existing allocation (rebuild from Eip status.used, OpenELB adoption). Accepts sharing
   * that allocate() would refuse and reports it in `conflict`; refuses only what cannot be recorded.
   */
  restore(ip: string, claim: Claim): Result<Restored, RestoreRefused> {
    const target = this.#offsetOf(ip);
    if (typeof target !== 'object') return err({ reason: target, message: this.#outside(ip, target) });
    const held = this.#byKey.get(claim.key);
    if (held !== undefined && held !== target.offset) {
      const heldIp = this.#ipOf(held);
      return err({
        reason: 'holds-other',
        heldIp,
        message: `${claim.key} is recorded at ${heldIp} and at ${ip}`,
      });
    }
    if (held !== undefined) {
      this.#replaceClaim(held, claim);
      return ok({ ip: this.#ipOf(held), shared: (this.#byOffset.get(held)?.length ?? 1) > 1 });
    }
    const slot = this.#byOffset.get(target.offset);
    if (!slot) {
      this.#offsets.take(target.offset);
      this.#record(target.offset, claim);
      return ok({ ip: this.#ipOf(target.offset), shared: false });
    }
    const problem = sharingProblem(claim, slot);
    this.#record(target.offset, claim);
    const joined: Restored = { ip: this.#ipOf(target.offset), shared: true };
    if (problem) joined.conflict = conflictOf(problem);
    return ok(joined);
  }

  /** Every address in use with its holders, in no particular order. */
  *entries(): IterableIterator<{ ip: string; keys: string[] }> {
    for (const [o, slot] of this.#byOffset) yield { ip: this.#ipOf(o), keys: slot.map((c) => c.key) };
  }

  #allocateSpecific(claim: Claim, ip: string): Result<Claimed, ClaimRefused> {
    const target = this.#offsetOf(ip);
    if (typeof target !== 'object') return err({ reason: target, message: this.#outside(ip, target) });
    const slot = this.#byOffset.get(target.offset);
    if (!slot) {
      this.#offsets.take(target.offset);
      this.#record(target.offset, claim);
      return ok({ ip: this.#ipOf(target.offset), held: false, shared: false });
    }
    const problem = sharingProblem(claim, slot);
    if (problem) {
      const holders = slot.map((c) => c.key);
      return err({ reason: problem.reason, holders, message: `${ip} is ${problem.detail}` });
    }
    this.#record(target.offset, claim);
    return ok({ ip: this.#ipOf(target.offset), held: false, shared: true });
  }

  #record(o: Offset, claim: Claim): void {
    const stored: Claim =
      claim.sharingKey === undefined
        ? { key: claim.key, ports: claim.ports }
        : { key: claim.key, sharingKey: claim.sharingKey, ports: claim.ports };
    let slot = this.#byOffset.get(o);
    if (!slot) {
      slot = [];
      this.#byOffset.set(o, slot);
    }
    slot.push(stored);
    this.#byKey.set(claim.key, o);
    if (claim.sharingKey) {
      let set = this.#bySharingKey.get(claim.sharingKey);
      if (!set) {
        set = new Set();
        this.#bySharingKey.set(claim.sharingKey, set);
      }
      set.add(o);
    }
  }

  #replaceClaim(o: Offset, claim: Claim): void {
    const slot = this.#byOffset.get(o);
    if (!slot) return;
    const i = slot.findIndex((c) => c.key === claim.key);
    const old = slot[i];
    if (i < 0 || !old) return;
    if (old.sharingKey === claim.sharingKey) {
      slot[i] = { ...claim };
      return;
    }
    // The sharing key changed: re-index through release + record (the address stays).
    slot.splice(i, 1);
    if (old.sharingKey && !slot.some((c) => c.sharingKey === old.sharingKey)) {
      const set = this.#bySharingKey.get(old.sharingKey);
      set?.delete(o);
      if (set?.size === 0) this.#bySharingKey.delete(old.sharingKey);
    }
    this.#record(o, claim);
  }

  #ipOf(o: Offset): string {
    if (this.range.family === 4) return formatIpv4(this.#v4First + (o as number));
    return formatIp(this.range.family, this.range.first + offsetToBigInt(o));
  }

  #outside(ip: string, why: 'invalid-ip' | 'not-in-pool'): string {
    return why === 'invalid-ip'
      ? `${JSON.stringify(ip)} is not an IP address`
      : `${ip} is not an address of pool ${this.range.text}`;
  }

  #offsetOf(ip: string): { offset: Offset } | 'invalid-ip' | 'not-in-pool' {
    const read = parseIp(ip);
    if (!read.ok) return 'invalid-ip';
    const parsed = read.value;
    if (
      parsed.family !== this.range.family ||
      parsed.value < this.range.first ||
      parsed.value > this.range.last
    )
      return 'not-in-pool';
    return { offset: toOffset(parsed.value - this.range.first) };
  }
}
