// What the Layer 2 speaker (speaker.ts) is built from: its timings, the Lease I/O it renews and reads
// through, how it opens links, and the callbacks that tell the caller what it refused or resolved.
import type { Clock } from '../../core/clock.ts';
import type { Logger } from '../../obs/log.ts';
import type { GuardConfig, Refusal } from '../guard/types.ts';
import { OwnershipMachine } from '../ownership/machine.ts';
import type { PeerLease } from '../ownership/types.ts';
import type { Layer2Target } from './desired.ts';
import type { LinkHandle } from './links.ts';

/** What the speaker needs from the Lease I/O (ReplicaLeaseIO implements it). */
export interface LeaseStore {
  /** `refused`: the claimed IPs we do not answer (peers must not mistake their holder for us). */
  renew(
    claims: readonly string[],
    macs: readonly string[],
    refused: readonly string[],
  ): Promise<{ startedAt: number; completedAt: number; claims: readonly string[] }>;
  delete(): Promise<void>;
  /** All replica Leases, already converted; `macs` per node. */
  read(): Promise<{
    startedAt: number;
    completedAt: number;
    leases: PeerLease[];
    macs: Map<string, string[]>;
  }>;
}

export interface SpeakerOptions {
  readonly self: string;
  readonly leases: LeaseStore;
  readonly leaseDurationMs: number;
  readonly marginMs: number;
  readonly renewIntervalMs: number;
  readonly keepAnsweringWithoutApi?: boolean;
  readonly gratuitousCount: number;
  readonly gratuitousIntervalMs: number;
  /** 0 = no periodic conflict probes of answered IPs. */
  readonly probeIntervalMs: number;
  /** Probe windows before the first answer, and the re-probe backoff of refused IPs. */
  readonly guard: GuardConfig;
  readonly openLink: (ifname: string) => LinkHandle;
  /** We refused an IP (a stranger answers it, or it is reserved); Events and conditions are the caller's. */
  readonly onRefused?: (target: Layer2Target | undefined, refusal: Refusal) => void;
  /** A refused IP is answered again (its re-probe met nobody, or it is no longer reserved). */
  readonly onResolved?: (target: Layer2Target | undefined, ip: string) => void;
  /** What we answer or refuse changed (an IP started or stopped being answered, refused, resolved). */
  readonly onHoldingsChanged?: () => void;
  /** Timers and monotonic time (default: the process clock); tests drive it by hand. */
  readonly clock?: Clock;
  readonly log?: Logger;
  /**
   * The ownership machine the speaker drives (default: ownershipFor(these options)). A test passes its
   * own to watch the fence (mayAnswer) from outside; nothing else may drive it.
   */
  readonly ownership?: OwnershipMachine;
}

/** The ownership machine for a speaker with these options. */
export function ownershipFor(o: SpeakerOptions): OwnershipMachine {
  return new OwnershipMachine({
    self: o.self,
    leaseDurationMs: o.leaseDurationMs,
    marginMs: o.marginMs,
    keepAnsweringWithoutApi: o.keepAnsweringWithoutApi ?? false,
  });
}
