// Harness for Layer2Speaker tests: an in-memory Lease store with a watch, in-memory links on one shared
// "wire" (every frame a link sends reaches every other link), and a Sim that moves a manual clock one
// millisecond at a time, letting every queued callback run in between — nothing waits on real time.
import type { Clock } from '../../../src/core/clock.ts';
import { formatMac, parseMac } from '../../../src/layer2/addr.ts';
import type { PeerLease } from '../../../src/layer2/ownership/types.ts';
import type { Layer2Target } from '../../../src/layer2/speaker/desired.ts';
import type { LinkHandle } from '../../../src/layer2/speaker/links.ts';
import type { OwnershipMachine } from '../../../src/layer2/ownership/machine.ts';
import { type LeaseStore, ownershipFor, type SpeakerOptions } from '../../../src/layer2/speaker/options.ts';
import { Layer2Speaker } from '../../../src/layer2/speaker/speaker.ts';
import { ManualClock } from '../fixtures/manual-clock.ts';

interface Stored {
  version: number;
  claims: string[];
  macs: string[];
  refused: string[];
  leaseDurationMs: number;
}

export class MemoryLeases {
  readonly leases = new Map<string, Stored>();
  #rev = 1;
  readonly #watchers = new Set<(node: string, l: Stored | undefined) => void>();
  /** nodes whose API calls fail (partitioned from the API). */
  readonly down = new Set<string>();
  readonly #clock: Clock;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  watch(cb: (node: string, l: Stored | undefined) => void): () => void {
    this.#watchers.add(cb);
    return () => this.#watchers.delete(cb);
  }

  #notify(node: string): void {
    const l = this.leases.get(node);
    for (const w of this.#watchers) setImmediate(() => w(node, l));
  }

  store(node: string, leaseDurationMs: number): LeaseStore {
    const check = async (): Promise<void> => {
      // every API call takes 1 ms of the test's clock
      await new Promise((r) => this.#clock.setTimeout(() => r(undefined), 1));
      if (this.down.has(node)) throw new Error(`${node}: API unreachable`);
    };
    return {
      renew: async (claims, macs, refused) => {
        const startedAt = this.#clock.monotonic();
        await check();
        this.leases.set(node, {
          version: ++this.#rev,
          claims: [...claims],
          macs: [...macs],
          refused: [...refused],
          leaseDurationMs,
        });
        this.#notify(node);
        return { startedAt, completedAt: this.#clock.monotonic(), claims };
      },
      delete: async () => {
        await check();
        this.leases.delete(node);
        this.#notify(node);
      },
      read: async () => {
        const startedAt = this.#clock.monotonic();
        await check();
        const leases: PeerLease[] = [...this.leases].map(([n, l]) => ({
          node: n,
          version: String(l.version),
          leaseDurationMs: l.leaseDurationMs,
          claims: l.claims,
          refused: l.refused,
        }));
        const macs = new Map([...this.leases].map(([n, l]) => [n, l.macs]));
        return { startedAt, completedAt: this.#clock.monotonic(), leases, macs };
      },
    };
  }
}

export class Wire {
  readonly links = new Set<WireLink>();
  /** every frame sent, with the sender's MAC. */
  readonly log: { from: string; frame: Buffer }[] = [];

  link(ifname: string, mac: string): WireLink {
    const l = new WireLink(this, ifname, parseMac(mac) ?? new Uint8Array(6));
    return l;
  }

  deliver(from: WireLink, frame: Buffer): void {
    this.log.push({ from: from.mac === undefined ? '' : formatMac(from.mac), frame });
    for (const l of this.links) if (l !== from) l.receive(frame);
  }
}

export class WireLink implements LinkHandle {
  readonly ifname: string;
  mac: Uint8Array | undefined;
  readonly #wire: Wire;
  #frame: ((f: Buffer, t: number) => void) | undefined;
  groups: string[] = [];

  constructor(wire: Wire, ifname: string, mac: Uint8Array) {
    this.#wire = wire;
    this.ifname = ifname;
    this.mac = mac;
  }

  send(frame: Buffer): number {
    this.#wire.deliver(this, frame);
    return 0;
  }

  receive(frame: Buffer): void {
    this.#frame?.(frame, 0);
  }

  joinGroup(mac: Uint8Array): void {
    this.groups.push(formatMac(mac));
  }

  leaveGroup(mac: Uint8Array): void {
    this.groups = this.groups.filter((g) => g !== formatMac(mac));
  }

  start(): void {
    this.#wire.links.add(this);
  }

  close(): void {
    this.#wire.links.delete(this);
  }

  onFrame(cb: (f: Buffer, t: number) => void): void {
    this.#frame = cb;
  }

  onOpen(): void {}
}

export const TIMING = { leaseDurationMs: 400, marginMs: 100, renewIntervalMs: 60 };
/** Probe windows and re-probe backoff scaled down like the Lease timings. */
export const GUARD = {
  probeWaitMs: 40,
  takeoverProbeWaitMs: 10,
  probeCount: 2,
  retryInitialMs: 100,
  retryMaxMs: 400,
};

export function makeSpeaker(
  clock: Clock,
  leases: MemoryLeases,
  wire: Wire,
  node: string,
  mac: string,
  extra: Partial<SpeakerOptions> = {},
): { speaker: Layer2Speaker; ownership: OwnershipMachine; unwatch: () => void } {
  const options: SpeakerOptions = {
    self: node,
    leases: leases.store(node, TIMING.leaseDurationMs),
    ...TIMING,
    gratuitousCount: 2,
    gratuitousIntervalMs: 50,
    probeIntervalMs: 0,
    guard: GUARD,
    openLink: (ifname) => wire.link(ifname, mac),
    clock,
    ...extra,
  };
  // the speaker's own machine, kept here so the test can read the fence
  const ownership = ownershipFor(options);
  const speaker = new Layer2Speaker({ ...options, ownership });
  const unwatch = leases.watch((n, l) => {
    if (l === undefined) speaker.peerDeleted(n);
    else
      speaker.peerObserved(
        {
          node: n,
          version: String(l.version),
          leaseDurationMs: l.leaseDurationMs,
          claims: l.claims,
          refused: l.refused,
        },
        l.macs,
      );
  });
  return { speaker, ownership, unwatch };
}

export function target(ip: string, eligible: string[]): Layer2Target {
  return {
    ip,
    family: ip.includes(':') ? 6 : 4,
    eip: 'pool',
    eligible,
    ifname: 'eth0',
    problem: undefined,
    services: [],
  };
}

export function targets(ips: string[], eligible: string[]): Map<string, Layer2Target> {
  return new Map(ips.map((ip) => [ip, target(ip, eligible)]));
}

/** Turns of the event loop per step: enough for a timer → setImmediate → frame → reply chain. */
const TURNS = 4;

/** Virtual time for the speakers under test: moved only by run(), until() and finish(). */
export class Sim {
  readonly clock = new ManualClock(1000);
  readonly #checks = new Set<() => void>();

  /** Runs `check` after every turn of the event loop, at every instant the test passes through. */
  each(check: () => void): () => void {
    this.#checks.add(check);
    return () => this.#checks.delete(check);
  }

  /** Lets what is queued (microtasks, immediates, frames) run without moving the clock. */
  async settle(): Promise<void> {
    for (let i = 0; i < TURNS; i++) {
      await new Promise((r) => setImmediate(r));
      for (const c of this.#checks) c();
    }
  }

  /** Moves the clock `ms` forward, one millisecond at a time. */
  async run(ms: number): Promise<void> {
    for (let i = 0; i < ms; i++) {
      this.clock.advance(1);
      await this.settle();
    }
  }

  /** Moves the clock until `cond` holds; fails after `ms` of virtual time. Returns the time it took. */
  async until(cond: () => boolean, ms: number, what: string): Promise<number> {
    const t0 = this.clock.monotonic();
    await this.settle();
    while (!cond()) {
      if (this.clock.monotonic() - t0 >= ms) throw new Error(`${what}: not within ${ms} ms (virtual)`);
      this.clock.advance(1);
      await this.settle();
    }
    return this.clock.monotonic() - t0;
  }

  /** Moves the clock until `p` settles (a stop() that waits for Lease I/O). */
  async finish<T>(p: Promise<T>, ms = 10_000, what = 'the operation'): Promise<T> {
    let done = false;
    const tracked = p.finally(() => {
      done = true;
    });
    tracked.catch(() => undefined);
    await this.until(() => done, ms, what);
    return tracked;
  }
}
