// What PoolTable.allocate() and restore() answer, as the success and failure sides of a core Result.
import type { SharingConflict } from './sharing.ts';

export type AllocateFailure =
  'exhausted' | 'not-in-pool' | 'invalid-ip' | 'in-use' | 'ports-collide' | 'holds-other';

/** The address a claim got from allocate(). */
export interface Claimed {
  ip: string;
  /** The claim held it already (sticky). */
  held: boolean;
  /** Other claims hold it too. */
  shared: boolean;
  /** Kept although the claim's sharing key or ports no longer fit its co-holders. */
  conflict?: SharingConflict;
}

/** Why allocate() gave a claim nothing. */
export interface ClaimRefused {
  reason: AllocateFailure;
  message: string;
  /** in-use / ports-collide: who holds the requested address. */
  holders?: readonly string[];
  /** holds-other: the address the claim holds instead. */
  heldIp?: string;
}

/** An allocation restore() recorded. */
export interface Restored {
  ip: string;
  shared: boolean;
  /** Recorded although the holders could not share under allocate()'s rules. */
  conflict?: SharingConflict;
}

/** Why restore() could not record an allocation. */
export interface RestoreRefused {
  reason: 'not-in-pool' | 'invalid-ip' | 'holds-other';
  message: string;
  /** holds-other: the address the claim is recorded at already. */
  heldIp?: string;
}
