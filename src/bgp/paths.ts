import type { Logger } from '../obs/log.ts';
import { logger } from '../obs/log.ts';
import { OpenelbError } from '../core/errors.ts';
import type { GobgpClient } from './client/client.ts';
import type { WirePath } from './client/wire.ts';
import type { Family } from '../net/ip.ts';
import type { DesiredPath } from './types.ts';
import { planGracefulShutdown } from './graceful-shutdown.ts';
import {
  buildPath,
  describeAttributes,
  FAMILY,
  readWirePath,
  withdrawalPath,
  type BuiltPath,
  type PathAttributes,
} from './path-build.ts';

export interface PathsSinkOptions {
  /** at or above this many adds (or withdrawals) one AddPathStream is used instead of unary calls */
  streamThreshold?: number;
  /** unary calls in flight */
  concurrency?: number;
  log?: Logger;
}

export interface PathsResult {
  /** 'not-synced': nothing done because the inputs have not synced yet */
  skipped?: 'not-synced';
  added: number;
  replaced: number;
  withdrawn: number;
  unchanged: number;
  /** true when gobgpd's table was listed in this pass (first pass, after invalidate(), or full) */
  listed: boolean;
}

/** What a drain's graceful-shutdown step did: re-announced with GRACEFUL_SHUTDOWN, or left alone. */
export interface GracefulShutdownResult {
  announced: number;
  refused: { cidr: string; error: string }[];
}

/** A local path gobgpd holds, read back by ListPath. */
interface HeldLocal {
  family: Family;
  cidr: string;
  fingerprint: string;
  attrs: PathAttributes;
}

export interface RejectedPath {
  path: DesiredPath;
  error: string;
}

/** gobgpd marks locally originated paths with neighbor_ip "<nil>" (no source peer). */
function isLocal(p: { neighbor_ip?: string; source_id?: string }): boolean {
  return !p.neighbor_ip || p.neighbor_ip === '<nil>';
}

/**
 * Level-triggered owner of this node's announcements. Desired paths vs gobgpd's local paths:
 * AddPath what is missing or different (gobgpd replaces the path for the same prefix), DeletePath
 * (always by full path) what is no longer desired. gobgpd's table is listed on the first pass and
 * after invalidate(); in between the sink diffs against what it last applied. Nothing is done
 * until markSynced(), so an empty cache never withdraws everything, and the first pass after a
 * manager restart adopts the paths gobgpd still holds without touching them.
 */
export class PathsSink {
  private readonly client: GobgpClient;
  private readonly log: Logger;
  private readonly streamThreshold: number;
  private readonly concurrency: number;
  private desired = new Map<string, BuiltPath>();
  /** JSON of a desired path → its built form, from the last setDesired */
  private built = new Map<string, BuiltPath>();
  /** key → fingerprint of what gobgpd holds; undefined = unknown, list before diffing */
  private actual: Map<string, HeldLocal> | undefined;
  private synced = false;

  constructor(client: GobgpClient, opts: PathsSinkOptions = {}) {
    this.client = client;
    this.log = opts.log ?? logger('bgp.paths');
    this.streamThreshold = opts.streamThreshold ?? 32;
    this.concurrency = opts.concurrency ?? 16;
  }

  /**
   * Replaces the desired set. Each path is validated and built here; invalid ones are left out
   * (never sent) and returned so the caller can report them.
   */
  setDesired(paths: Iterable<DesiredPath>): RejectedPath[] {
    const next = new Map<string, BuiltPath>();
    const rejected: RejectedPath[] = [];
    // building (parsing and validating) is the costly part: reuse what the previous set built
    const built = new Map<string, BuiltPath>();
    for (const p of paths) {
      try {
        const spec = JSON.stringify(p);
        const b = this.built.get(spec) ?? buildPath(p);
        built.set(spec, b);
        const dup = next.get(b.key);
        if (dup && dup.fingerprint !== b.fingerprint)
          throw new OpenelbError(
            'OE_BGP_PATH_CONFLICT',
            `conflicting attributes for ${b.cidr}: ${describeAttributes(dup.attrs)} vs ${describeAttributes(b.attrs)}`,
            { context: { prefix: b.cidr } },
          );
        next.set(b.key, b);
      } catch (err) {
        rejected.push({ path: p, error: (err as Error).message });
      }
    }
    for (const r of rejected) this.log.warn('path refused', { prefix: r.path.prefix, error: r.error });
    this.desired = next;
    this.built = built;
    return rejected;
  }

  /** The inputs (caches) are synced: reconcile may now add and withdraw. */
  markSynced(): void {
    this.synced = true;
  }

  get isSynced(): boolean {
    return this.synced;
  }

  get desiredCount(): number {
    return this.desired.size;
  }

  /** Forget what gobgpd holds (sidecar restarted, an error mid-way): the next pass lists it. */
  invalidate(): void {
    this.actual = undefined;
  }

  /** gobgpd's local paths, read back. */
  async listLocal(): Promise<Map<string, HeldLocal>> {
    const out = new Map<string, HeldLocal>();
    for (const family of [4, 6] as const) {
      for (const dest of await this.client.listPath(FAMILY[family])) {
        for (const p of dest.paths) {
          if (!isLocal(p) || p.is_withdraw) continue;
          const r = readWirePath(p);
          if (r)
            out.set(r.key, { family: r.family, cidr: r.cidr, fingerprint: r.fingerprint, attrs: r.attrs });
        }
      }
    }
    return out;
  }

  async reconcile(opts: { full?: boolean } = {}): Promise<PathsResult> {
    const result: PathsResult = { added: 0, replaced: 0, withdrawn: 0, unchanged: 0, listed: false };
    if (!this.synced) return { ...result, skipped: 'not-synced' };
    if (!this.actual || opts.full) {
      this.actual = await this.listLocal();
      result.listed = true;
    }
    const actual = this.actual;
    const adds: BuiltPath[] = [];
    const withdrawals: { key: string; wire: WirePath }[] = [];
    for (const [key, b] of this.desired) {
      const cur = actual.get(key);
      if (!cur) {
        adds.push(b);
        result.added++;
      } else if (cur.fingerprint !== b.fingerprint) {
        adds.push(b);
        result.replaced++;
      } else result.unchanged++;
    }
    for (const [key, cur] of actual) {
      if (!this.desired.has(key)) withdrawals.push({ key, wire: withdrawalPath(cur.family, cur.cidr) });
    }
    try {
      await this.send(
        adds.map((b) => b.wire),
        false,
      );
      for (const b of adds)
        actual.set(b.key, { family: b.family, cidr: b.cidr, fingerprint: b.fingerprint, attrs: b.attrs });
      await this.send(
        withdrawals.map((w) => w.wire),
        true,
      );
      for (const w of withdrawals) actual.delete(w.key);
      result.withdrawn = withdrawals.length;
    } catch (err) {
      this.invalidate();
      throw err;
    }
    if (adds.length || withdrawals.length)
      this.log.info('paths reconciled', {
        added: result.added,
        replaced: result.replaced,
        withdrawn: result.withdrawn,
        unchanged: result.unchanged,
      });
    return result;
  }

  /**
   * Drain, step 1 (RFC 8326): every local path gobgpd holds is announced again with the
   * GRACEFUL_SHUTDOWN community added (AddPath replaces it in place: no withdrawal). Each one is
   * validated like a desired path; one that fails stays as it is and is withdrawn in step 2.
   */
  async announceGracefulShutdown(): Promise<GracefulShutdownResult> {
    const plan = planGracefulShutdown((await this.listLocal()).values());
    for (const r of plan.refused)
      this.log.warn('graceful shutdown: path not re-announced', { prefix: r.cidr, error: r.error });
    try {
      await this.send(
        plan.paths.map((b) => b.wire),
        false,
      );
    } finally {
      this.invalidate(); // what gobgpd holds no longer matches the desired fingerprints
    }
    return { announced: plan.paths.length, refused: plan.refused };
  }

  /** Withdraws every local path gobgpd holds (graceful drain), by full path. */
  async withdrawAll(): Promise<number> {
    const actual = await this.listLocal();
    const wires = [...actual.values()].map((a) => withdrawalPath(a.family, a.cidr));
    await this.send(wires, true);
    this.actual = new Map();
    return wires.length;
  }

  private async send(paths: WirePath[], withdraw: boolean): Promise<void> {
    if (paths.length === 0) return;
    if (paths.length >= this.streamThreshold) {
      await this.client.addPathStream(withdraw ? paths.map((p) => ({ ...p, is_withdraw: true })) : paths);
      return;
    }
    let next = 0;
    const worker = async () => {
      while (next < paths.length) {
        const p = paths[next++] as WirePath;
        await (withdraw ? this.client.deletePath(p) : this.client.addPath(p));
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, paths.length) }, worker));
  }
}
