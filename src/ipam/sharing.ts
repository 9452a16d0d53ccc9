// Who may share one address: claims with the same non-empty sharing key whose ports do not collide.
// Pure rules over claims; the table in pool.ts applies them.

export interface Claim {
  /** Identity that owns the allocation (sticky on this), e.g. "namespace/name". */
  key: string;
  /** Claims may share an address only when they carry the same non-empty sharing key. */
  sharingKey?: string;
  /** "PROTOCOL/port" entries; sharing needs disjoint sets. Absent = collides with everything. */
  ports?: readonly string[];
}

function describeHolders(claims: readonly Claim[]): string {
  return claims.map((c) => c.key).join(', ');
}

function portsCollide(a: Claim, b: Claim): string | undefined {
  if (!a.ports || !b.ports) return 'without a port list';
  const set = new Set(b.ports);
  return a.ports.find((p) => set.has(p));
}

export interface SharingProblem {
  reason: 'in-use' | 'ports-collide';
  detail: string;
}

/** Why `claim` may not join `holders` on one address, or undefined when it may. */
export function sharingProblem(claim: Claim, holders: readonly Claim[]): SharingProblem | undefined {
  for (const h of holders) {
    if (!claim.sharingKey || h.sharingKey !== claim.sharingKey) {
      return {
        reason: 'in-use',
        detail: `held by ${describeHolders(holders)} under ${h.sharingKey ? `sharing key ${JSON.stringify(h.sharingKey)}` : 'no sharing key'}`,
      };
    }
    const c = portsCollide(claim, h);
    if (c !== undefined) return { reason: 'ports-collide', detail: `port ${c} collides with ${h.key}` };
  }
  return undefined;
}

/** A sharing problem an allocate/restore tolerated (the address stays) and reports. */
export type SharingConflict = 'ports-collide' | 'sharing-key-mismatch';

/** The conflict a successful allocate/restore reports for a sharing problem it tolerated. */
export function conflictOf(problem: SharingProblem): SharingConflict {
  return problem.reason === 'ports-collide' ? 'ports-collide' : 'sharing-key-mismatch';
}
