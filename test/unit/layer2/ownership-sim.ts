// Deterministic simulation of N replicas running the ownership state machine against an in-memory
// Lease store. Each replica has its own monotonic clock (offset and rate differ); the simulation checks
// after every step that no two replicas may answer the same IP.
import assert from 'node:assert/strict';
import { OwnershipMachine } from '../../../src/layer2/ownership/machine.ts';
import type { PeerLease } from '../../../src/layer2/ownership/types.ts';

export interface SimOptions {
  leaseDurationMs?: number;
  marginMs?: number;
  renewPeriodMs?: number;
  stepMs?: number;
  keepAnsweringWithoutApi?: boolean;
}

interface StoredLease {
  version: number;
  claims: string[];
}

export class SimReplica {
  readonly name: string;
  readonly m: OwnershipMachine;
  offset: number;
  rate: number;
  crashed = false;
  stalledUntil = -Infinity;
  apiUp = true;
  lastRenew = -Infinity;
  takeovers: string[] = [];

  constructor(name: string, m: OwnershipMachine, offset: number, rate: number) {
    this.name = name;
    this.m = m;
    this.offset = offset;
    this.rate = rate;
  }

  now(t: number): number {
    return this.offset + t * this.rate;
  }
}

export class Sim {
  t = 0;
  readonly opts: Required<SimOptions>;
  readonly replicas = new Map<string, SimReplica>();
  readonly store = new Map<string, StoredLease>();
  eligible = new Map<string, string[]>();
  #rev = 100;
  /** (time, ip, replicas) for every step where more than one replica could answer. */
  violations: string[] = [];

  constructor(opts: SimOptions = {}) {
    this.opts = {
      leaseDurationMs: 2000,
      marginMs: 300,
      renewPeriodMs: 500,
      stepMs: 50,
      keepAnsweringWithoutApi: false,
      ...opts,
    };
  }

  add(name: string, offset = 0, rate = 1): SimReplica {
    const m = new OwnershipMachine({
      self: name,
      leaseDurationMs: this.opts.leaseDurationMs,
      marginMs: this.opts.marginMs,
      keepAnsweringWithoutApi: this.opts.keepAnsweringWithoutApi,
    });
    const r = new SimReplica(name, m, offset, rate);
    this.replicas.set(name, r);
    return r;
  }

  r(name: string): SimReplica {
    return this.replicas.get(name) ?? assert.fail(`no replica ${name}`);
  }

  setIps(ips: string[], nodes: string[]): void {
    for (const ip of ips) this.eligible.set(ip, nodes);
  }

  leases(): PeerLease[] {
    return [...this.store].map(([node, l]) => ({
      node,
      version: String(l.version),
      leaseDurationMs: this.opts.leaseDurationMs,
      claims: l.claims,
    }));
  }

  deleteLease(name: string): void {
    this.store.delete(name);
  }

  #stepReplica(r: SimReplica): void {
    const now = r.now(this.t);
    r.m.setAddresses(this.eligible);
    let res = r.m.advance(now);
    if (r.apiUp) {
      for (const l of this.leases()) r.m.peerObserved(now, l); // watch
      for (const name of this.replicas.keys()) if (!this.store.has(name)) r.m.peerDeleted(now, name);
      if (now - r.lastRenew >= this.opts.renewPeriodMs || res.leaseDirty) {
        res = r.m.advance(now);
        const claims = [...res.claims];
        this.store.set(r.name, { version: ++this.#rev, claims });
        r.m.renewSucceeded({ startedAt: now, completedAt: now, claims });
        r.lastRenew = now;
      }
      res = r.m.advance(now);
      if (res.needQuorumRead) r.m.quorumRead({ startedAt: now, completedAt: now, leases: this.leases() });
    }
    res = r.m.advance(now);
    r.takeovers.push(...res.takeovers);
  }

  /** May any running replica answer `ip` right now? (A stalled one is checked when it resumes.) */
  answerers(ip: string): string[] {
    return [...this.replicas.values()]
      .filter((r) => !r.crashed && this.t >= r.stalledUntil && r.m.mayAnswer(ip, r.now(this.t)))
      .map((r) => r.name);
  }

  check(): void {
    for (const ip of this.eligible.keys()) {
      const a = this.answerers(ip);
      if (a.length > 1) this.violations.push(`t=${this.t} ${ip}: ${a.join(',')}`);
    }
  }

  step(): void {
    this.t += this.opts.stepMs;
    this.check(); // resuming replicas are judged by their jumped clocks before they process anything
    for (const r of this.replicas.values()) {
      if (r.crashed || this.t < r.stalledUntil) continue;
      this.#stepReplica(r);
      this.check();
    }
  }

  run(ms: number): void {
    const end = this.t + ms;
    while (this.t < end) this.step();
  }

  /** Runs until `cond` holds (checked after every step) or `maxMs` passes; returns the time taken. */
  until(cond: () => boolean, maxMs: number): number {
    const start = this.t;
    while (!cond()) {
      if (this.t - start > maxMs) assert.fail(`condition not reached within ${maxMs} ms (t=${this.t})`);
      this.step();
    }
    return this.t - start;
  }

  /** ip → the one replica that answers it (undefined when none). */
  owners(): Map<string, string | undefined> {
    return new Map([...this.eligible.keys()].map((ip) => [ip, this.answerers(ip)[0]]));
  }
}
