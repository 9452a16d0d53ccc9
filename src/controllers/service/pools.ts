// The allocator's view of every pool: the Eip as last read or written (`eip`, the base of the next
// conditional status write), the newest spec seen, the effective range, the ledger restored from
// status.used, validity, and a dirty flag for the status writer.
import type { Eip } from '../../api/v1alpha2.ts';
import { ANNOTATION_DEFAULT_EIP } from '../../api/names.ts';
import { decodeHolders } from '../../api/used.ts';
import type { Claim, Family, PoolCandidate } from '../../ipam/index.ts';
import { effectiveRange, type EffectiveRange } from '../eip/range.ts';
import { desiredEipStatus, poolVerdict, type LedgerFacts, type PoolVerdict } from '../eip/status.ts';
import type { Validity } from '../eip/validity.ts';
import { PoolLedger, type RestoreProblem } from './ledger.ts';

/** Resource versions are etcd revisions: compare numerically when they are numbers, else "different = newer". */
export function rvNewer(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || a === b) return false;
  if (b === undefined) return true;
  if (/^\d+$/.test(a) && /^\d+$/.test(b)) return BigInt(a) > BigInt(b);
  return true;
}

function sameRecord(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const ka = Object.keys(a ?? {});
  if (ka.length !== Object.keys(b ?? {}).length) return false;
  return ka.every((k) => a?.[k] === b?.[k]);
}

export type ClaimSource = (key: string) => { claim: Claim; uid?: string } | undefined;

export class PoolEntry {
  readonly name: string;
  /** The Eip as last read or written: the base of the next conditional status write. */
  eip: Eip;
  /** The range the ledger covers, from spec.address and the recorded status range. */
  effective: EffectiveRange;
  ledger: PoolLedger | undefined;
  problems: RestoreProblem[] = [];
  validity: Validity | undefined;
  dirty = true;

  constructor(eip: Eip, claims?: ClaimSource) {
    this.name = eip.metadata.name;
    this.eip = eip;
    this.effective = effectiveRange(eip);
    this.ledger = this.restoreLedger(undefined, claims);
  }

  get family(): Family | undefined {
    return this.effective.range?.family;
  }

  /**
   * A newer version of the Eip whose ledger inputs (spec.address, status.used, serviceUIDs and the
   * recorded range) are what the ledger was restored from — an edit of protocol, BGP attributes,
   * interface, labels …: the ledger stays, only `eip` moves on (it is the base of the next write).
   */
  adoptIfLedgerUnchanged(eip: Eip): boolean {
    const a = this.eip;
    if (eip.spec?.address !== a.spec?.address) return false;
    if (Boolean(eip.metadata.deletionTimestamp) !== Boolean(a.metadata.deletionTimestamp)) return false;
    const sa = a.status ?? {};
    const sb = eip.status ?? {};
    if (sa.firstIP !== sb.firstIP || sa.lastIP !== sb.lastIP) return false;
    if (!sameRecord(sa.used, sb.used) || !sameRecord(sa.serviceUIDs, sb.serviceUIDs)) return false;
    this.eip = eip;
    this.dirty = true;
    return true;
  }

  /** Rebuilds everything from `eip` (read from the server). Claims (ports, sharing keys) carry over. */
  reset(eip: Eip, claims?: ClaimSource): void {
    this.eip = eip;
    this.effective = effectiveRange(eip);
    this.problems = [];
    this.dirty = true;
    this.ledger = this.restoreLedger(this.ledger, claims);
  }

  /** A ledger for the effective range filled from `eip.status.used`; problems go to `problems`. */
  private restoreLedger(previous: PoolLedger | undefined, claims?: ClaimSource): PoolLedger | undefined {
    const range = this.effective.range;
    if (!range) return undefined;
    const ledger = new PoolLedger(range);
    const status = this.eip.status;
    const uids = status?.serviceUIDs ?? {};
    const ips = Object.keys(status?.used ?? {}).sort();
    for (const ip of ips) {
      for (const key of decodeHolders(status?.used?.[ip] ?? '')) {
        const src = claims?.(key);
        const claim = previous?.claimOf(key) ?? src?.claim ?? { key };
        const problem = ledger.restore(ip, claim, uids[key] ?? src?.uid);
        if (problem) this.problems.push(problem);
      }
    }
    return ledger;
  }

  facts(): LedgerFacts {
    const l = this.ledger;
    return l
      ? { usage: l.usage, claims: l.claims, full: l.full, used: l.used(), serviceUIDs: l.uids() }
      : {
          usage: 0,
          claims: 0,
          full: true,
          used: { ...(this.eip.status?.used ?? {}) },
          serviceUIDs: { ...(this.eip.status?.serviceUIDs ?? {}) },
        };
  }

  /** Cheap facts (no maps) for decisions; messages then count Services instead of naming them. */
  lightFacts(): LedgerFacts {
    const l = this.ledger;
    return { usage: l?.usage ?? 0, claims: l?.claims ?? 0, full: l?.full ?? true, used: {}, serviceUIDs: {} };
  }

  verdict(maxAllocations: number, facts: LedgerFacts = this.lightFacts()): PoolVerdict {
    return poolVerdict(this.eip, this.effective, this.validity, facts, maxAllocations);
  }

  desiredStatus(maxAllocations: number, now: string): ReturnType<typeof desiredEipStatus> {
    const facts = this.facts();
    return desiredEipStatus(
      this.eip,
      this.effective,
      this.validity,
      facts,
      this.verdict(maxAllocations, facts),
      now,
    );
  }

  /** For automatic selection; `disabled` covers invalid, deleting and disabled pools (not full ones). */
  candidate(usable: boolean, full: boolean): PoolCandidate | undefined {
    const fam = this.family;
    if (fam === undefined) return undefined;
    const s = this.eip.spec;
    const c: PoolCandidate = {
      name: this.name,
      family: fam,
      disabled: !usable,
      isDefault: this.eip.metadata.annotations?.[ANNOTATION_DEFAULT_EIP] === 'true',
      full,
    };
    if (s.protocol) c.protocol = s.protocol;
    if (s.priority !== undefined) c.priority = s.priority;
    if (s.autoAssign !== undefined) c.autoAssign = s.autoAssign;
    if (s.namespaces) c.namespaces = s.namespaces;
    if (s.namespaceSelector) c.namespaceSelector = s.namespaceSelector;
    return c;
  }
}

export interface Holding {
  pool: PoolEntry;
  ip: string;
  family: Family;
}

export class AllocState {
  readonly pools = new Map<string, PoolEntry>();
  readonly maxAllocations: number;

  constructor(maxAllocations: number) {
    this.maxAllocations = maxAllocations;
  }

  /** Everything `key` holds, across pools. */
  heldBy(key: string): Holding[] {
    const out: Holding[] = [];
    for (const pool of this.pools.values()) {
      const ip = pool.ledger?.lookup(key);
      if (ip !== undefined && pool.family !== undefined) out.push({ pool, ip, family: pool.family });
    }
    return out;
  }

  /** Pools holding `ip` as an address, valid ones first. */
  poolsContaining(ip: string): PoolEntry[] {
    const out = [...this.pools.values()].filter((p) => p.ledger?.contains(ip));
    return out.sort(
      (a, b) =>
        Number(a.validity?.errors.length ?? 0) - Number(b.validity?.errors.length ?? 0) ||
        (a.name < b.name ? -1 : 1),
    );
  }

  /** Every key recorded anywhere. */
  recordedKeys(): Set<string> {
    const out = new Set<string>();
    for (const p of this.pools.values()) for (const k of p.ledger?.keys() ?? []) out.add(k);
    return out;
  }
}
