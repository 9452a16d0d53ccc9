// Address guard (pure): between "the ownership machine lets this replica answer IP x" and "the responder
// answers x" sits a probe. An address is answered only once a probe window passed in which no other host
// answered or claimed it, and it is refused — never answered — while another host holds it or while it
// is statically reserved (a node's, a BGP peer's or this node's gateway address).
//
//   permitted, not reserved ──▶ probing ──(window passed, nobody answered)──▶ active (burst, answers)
//   probing / active ──(a stranger answers or claims the IP)──▶ refused (conflict) ──(retryAt)──▶ probing
//   permitted and reserved ──▶ refused (reserved) ──(no longer reserved)──▶ probing
//
// Retry of a conflict: the first re-probe after retryInitialMs, each further one after twice the last
// delay, capped at retryMaxMs; any sign of the other host while refused pushes the re-probe out by the
// current delay, so an address is never answered while its holder keeps showing itself. Being active
// for retryMaxMs without a conflict forgets the count.
//
// Another host's own probe (ARP probe with sender 0.0.0.0, IPv6 DAD) is different: while we probe it
// means both want the address (RFC 5227 §2.1.1) and we refuse; while we answer, we defend (the responder
// answers it, the prober backs off) and stay active.
import { OpenelbError } from '../../core/errors.ts';
import type { ClaimKind } from '../responder.ts';
import type { ClaimOutcome, GuardConfig, GuardPhase, GuardStep, Refusal } from './types.ts';

interface Entry {
  phase: GuardPhase;
  probeStart: number;
  probeWait: number;
  probesSent: number;
  lastProbeAt: number;
  activeSince: number | undefined;
  refusal: Refusal | undefined;
  attempts: number;
}

const PROBE_KINDS: ReadonlySet<ClaimKind> = new Set<ClaimKind>(['dad', 'arp-probe']);

export class AddressGuard {
  readonly config: GuardConfig;
  readonly #entries = new Map<string, Entry>();
  /**
   * Addresses we stopped holding: the conflict count, so a quick return does not restart the backoff,
   * and an open conflict refusal, so answering the address again after a quick return (e.g. a Lease
   * lost and regained under load) still reports the refusal resolved.
   */
  readonly #memory = new Map<string, { attempts: number; at: number; refusal: Refusal | undefined }>();
  #probe: string[] = [];
  #announce: string[] = [];
  #stopped: string[] = [];
  #refused: Refusal[] = [];
  #resolved: string[] = [];

  constructor(config: GuardConfig) {
    if (config.retryInitialMs <= 0 || config.retryMaxMs < config.retryInitialMs) {
      throw new OpenelbError(
        'OE_LAYER2_CONFIG',
        `address guard: retry delays must satisfy 0 < initial (${config.retryInitialMs} ms) ≤ max (${config.retryMaxMs} ms)`,
        { context: { field: 'retryInitialMs/retryMaxMs' } },
      );
    }
    this.config = { ...config, probeCount: Math.max(1, Math.floor(config.probeCount)) };
  }

  /**
   * The addresses the ownership machine lets us answer now, the statically reserved ones (address →
   * why), and whether a new one is a takeover from another replica (short probe window).
   */
  sync(
    now: number,
    permitted: Iterable<string>,
    reserved: ReadonlyMap<string, string>,
    isTakeover: (ip: string) => boolean,
  ): void {
    const keep = new Set(permitted);
    for (const [ip, e] of this.#entries) {
      if (keep.has(ip)) continue;
      if (e.phase === 'active') this.#stopped.push(ip);
      const refusal = e.refusal?.cause === 'conflict' ? e.refusal : undefined;
      if (e.attempts > 0 || refusal !== undefined)
        this.#memory.set(ip, { attempts: e.attempts, at: now, refusal });
      this.#entries.delete(ip);
    }
    for (const ip of keep) {
      const why = reserved.get(ip);
      const e = this.#entries.get(ip);
      if (e === undefined) {
        const mem = this.#memory.get(ip);
        this.#memory.delete(ip);
        const recent = mem !== undefined && now - mem.at < this.config.retryMaxMs ? mem : undefined;
        const fresh: Entry = {
          phase: 'probing',
          probeStart: now,
          probeWait: 0,
          probesSent: 0,
          lastProbeAt: now,
          activeSince: undefined,
          refusal: recent?.refusal,
          attempts: recent?.attempts ?? 0,
        };
        this.#entries.set(ip, fresh);
        if (why !== undefined) this.#refuseReserved(fresh, ip, why, now);
        else fresh.probeWait = isTakeover(ip) ? this.config.takeoverProbeWaitMs : this.config.probeWaitMs;
        continue;
      }
      const refusedReserved = e.phase === 'refused' && e.refusal?.cause === 'reserved';
      if (why !== undefined && !refusedReserved) this.#refuseReserved(e, ip, why, now);
      // no longer reserved: probe like a new address (the refusal stays until the probe passes)
      else if (why === undefined && refusedReserved) this.#startProbe(e, now, this.config.probeWaitMs);
    }
    for (const [ip, m] of this.#memory) if (now - m.at >= this.config.retryMaxMs) this.#memory.delete(ip);
  }

  /** A claim on `ip` from a MAC that is neither ours nor a replica handing the address over. */
  claim(now: number, ip: string, mac: string, kind: ClaimKind): ClaimOutcome {
    const e = this.#entries.get(ip);
    if (e === undefined) return 'ignored';
    if (e.phase === 'active' && PROBE_KINDS.has(kind)) return 'defended';
    if (e.phase === 'refused') {
      if (e.refusal?.cause !== 'conflict') return 'ignored';
      const retryAt = Math.max(e.refusal.retryAt ?? now, now + this.#delay(e.attempts));
      e.refusal = { ...e.refusal, retryAt, mac, kind };
      return 'postponed';
    }
    if (e.phase === 'active') {
      this.#stopped.push(ip);
      // a long quiet stretch since the last conflict starts the backoff over
      if (e.activeSince !== undefined && now - e.activeSince >= this.config.retryMaxMs) e.attempts = 0;
    }
    e.attempts++;
    const r: Refusal = {
      ip,
      cause: 'conflict',
      mac,
      kind,
      detail: `MAC ${mac} answers for it (${kind})`,
      since: now,
      retryAt: now + this.#delay(e.attempts),
      attempts: e.attempts,
    };
    e.phase = 'refused';
    e.refusal = r;
    e.activeSince = undefined;
    this.#refused.push(r);
    return 'refused';
  }

  /** Timers: probes due, windows passed, re-probes due. Returns (and clears) everything that happened. */
  step(now: number): GuardStep {
    let wakeAt: number | undefined;
    const wake = (t: number): void => {
      if (wakeAt === undefined || t < wakeAt) wakeAt = t;
    };
    for (const [ip, e] of this.#entries) {
      if (e.phase === 'refused' && e.refusal?.cause === 'conflict') {
        const at = e.refusal.retryAt ?? now;
        if (at > now) {
          wake(at);
          continue;
        }
        this.#startProbe(e, now, this.config.probeWaitMs);
      }
      if (e.phase !== 'probing') continue;
      const spacing = e.probeWait / this.config.probeCount;
      if (e.probeWait === 0) {
        this.#activate(ip, e, now); // probing switched off
        continue;
      }
      // one probe per step at most: a late step never sends two and ends the window at once
      if (e.probesSent < this.config.probeCount && now >= e.probeStart + e.probesSent * spacing) {
        this.#probe.push(ip);
        e.probesSent++;
        e.lastProbeAt = now;
      }
      // the window lasts probeWait, and at least one spacing after the last probe went out
      const end = Math.max(e.probeStart + e.probeWait, e.lastProbeAt + spacing);
      if (now >= end && e.probesSent >= this.config.probeCount) {
        this.#activate(ip, e, now);
      } else {
        wake(
          e.probesSent < this.config.probeCount ? Math.min(end, e.probeStart + e.probesSent * spacing) : end,
        );
      }
    }
    const out: GuardStep = {
      probe: this.#probe,
      announce: this.#announce,
      stopped: this.#stopped,
      refused: this.#refused,
      resolved: this.#resolved,
      wakeAt,
    };
    this.#probe = [];
    this.#announce = [];
    this.#stopped = [];
    this.#refused = [];
    this.#resolved = [];
    return out;
  }

  #activate(ip: string, e: Entry, now: number): void {
    if (e.refusal !== undefined) this.#resolved.push(ip);
    e.phase = 'active';
    e.refusal = undefined;
    e.activeSince = now;
    this.#announce.push(ip);
  }

  /**
   * A probe step() asked for could not be sent (interface missing, fenced): a window without probes
   * proves nothing, so this one starts over one window later.
   */
  probeNotSent(ip: string, now: number): void {
    const e = this.#entries.get(ip);
    if (e?.phase !== 'probing') return;
    e.probeStart = now + Math.max(e.probeWait, 1);
    e.probesSent = 0;
  }

  isActive(ip: string): boolean {
    return this.#entries.get(ip)?.phase === 'active';
  }

  phase(ip: string): GuardPhase | undefined {
    return this.#entries.get(ip)?.phase;
  }

  /** Answered now. */
  active(): string[] {
    return [...this.#entries]
      .filter(([, e]) => e.phase === 'active')
      .map(([ip]) => ip)
      .sort();
  }

  /** Held but not answered (probing or refused): claims on these are watched, requests not answered. */
  watched(): string[] {
    return [...this.#entries]
      .filter(([, e]) => e.phase !== 'active')
      .map(([ip]) => ip)
      .sort();
  }

  /** Refused addresses, including those being re-probed (still not answered). */
  refusals(): Map<string, Refusal> {
    const out = new Map<string, Refusal>();
    for (const [ip, e] of this.#entries)
      if (e.phase !== 'active' && e.refusal !== undefined) out.set(ip, e.refusal);
    return out;
  }

  #delay(attempts: number): number {
    const { retryInitialMs, retryMaxMs } = this.config;
    return Math.min(retryMaxMs, retryInitialMs * 2 ** Math.min(30, Math.max(0, attempts - 1)));
  }

  #startProbe(e: Entry, now: number, wait: number): void {
    e.phase = 'probing';
    e.probeStart = now;
    e.probeWait = wait;
    e.probesSent = 0;
    e.lastProbeAt = now;
  }

  #refuseReserved(e: Entry, ip: string, why: string, now: number): void {
    if (e.phase === 'active') this.#stopped.push(ip);
    const r: Refusal = { ip, cause: 'reserved', detail: why, since: now, attempts: 0 };
    e.phase = 'refused';
    e.refusal = r;
    e.activeSince = undefined;
    this.#refused.push(r);
  }
}
