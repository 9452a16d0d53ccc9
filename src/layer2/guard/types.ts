// What the address guard (guard.ts) takes and reports: its configuration, one step's outcome, and a
// refusal (an address held but never answered, and why).
import type { ClaimKind } from '../responder.ts';

export type GuardPhase = 'probing' | 'active' | 'refused';

export interface Refusal {
  readonly ip: string;
  readonly cause: 'conflict' | 'reserved';
  /** The MAC that answered or claimed the address (cause conflict). */
  readonly mac?: string;
  readonly kind?: ClaimKind;
  /** Why, for people: "MAC … answers for it" or the reservation. */
  readonly detail: string;
  /** Monotonic time the refusal started. */
  readonly since: number;
  /** Next re-probe (cause conflict). */
  readonly retryAt?: number;
  /** Consecutive conflicts (cause conflict). */
  readonly attempts: number;
}

export interface GuardConfig {
  /** Probe window before the first answer for an address no other replica held recently. */
  readonly probeWaitMs: number;
  /** Probe window when another replica held the address until just now (a failover or hand-over). */
  readonly takeoverProbeWaitMs: number;
  /** Probes sent per window, evenly spaced from its start (at least 1). */
  readonly probeCount: number;
  readonly retryInitialMs: number;
  readonly retryMaxMs: number;
}

export interface GuardStep {
  /** Send a probe for each of these now. */
  readonly probe: readonly string[];
  /** Became active: start answering, send the gratuitous burst. */
  readonly announce: readonly string[];
  /** Were active and are not any more (refused or no longer permitted). */
  readonly stopped: readonly string[];
  /** Refusals that started now (a re-probe that met the other host again counts too). */
  readonly refused: readonly Refusal[];
  /** Refused addresses answered again after a clean probe, or no longer reserved. */
  readonly resolved: readonly string[];
  /** Call step() again no later than this (undefined: nothing pending). */
  readonly wakeAt: number | undefined;
}

export type ClaimOutcome = 'refused' | 'postponed' | 'defended' | 'ignored';
