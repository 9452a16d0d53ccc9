import { isDeepStrictEqual } from 'node:util';
import type { Logger } from '../obs/log.ts';
import { logger } from '../obs/log.ts';
import type { GobgpClient } from './client/client.ts';
import type { WireGlobal } from './client/wire.ts';
import type { Family } from '../net/ip.ts';
import type { DesiredGlobal } from './types.ts';
import { BgpValidationError, parseAddress, validateAsn, validateRouterId } from './validate.ts';

// gobgp has no call that edits global settings in place: StartBgp on a running server silently
// wipes every path. So each BgpConf field is classified by what applying a change costs.

/**
 * live: applied with no session reset; peer-reset: only the sessions that use the value are
 * reset (they get it as their per-peer default); restart: StopBgp + StartBgp, every session
 * resets and peers, policy and paths are re-applied.
 */
export type ChangeClass = 'live' | 'peer-reset' | 'restart';

export interface FieldClass {
  class: ChangeClass;
  /** one sentence for CRD descriptions and docs */
  note: string;
}

export const GLOBAL_FIELD_CLASSES: Readonly<Record<keyof DesiredGlobal, FieldClass>> = {
  asn: {
    class: 'restart',
    note: 'Changing the AS restarts BGP on every node: all sessions reset and routes are re-announced.',
  },
  routerId: {
    class: 'restart',
    note: 'Changing the router id restarts BGP on the node: all its sessions reset and routes are re-announced.',
  },
  listenPort: {
    class: 'restart',
    note: 'gobgp cannot move its listener in place: a change restarts BGP (all sessions reset).',
  },
  listenAddresses: {
    class: 'restart',
    note: 'gobgp cannot move its listener in place: a change restarts BGP (all sessions reset).',
  },
  bindToDevice: { class: 'restart', note: 'A change restarts BGP (all sessions reset).' },
  useMultiplePaths: {
    class: 'restart',
    note: 'A change restarts BGP (all sessions reset). Has no effect on announcements: received routes are rejected.',
  },
  families: {
    class: 'peer-reset',
    note: 'Default families of peers that list none: only those sessions reset.',
  },
  gracefulRestart: {
    class: 'peer-reset',
    note: 'Default graceful restart of peers that set none: only those sessions reset. Warning: a dead node keeps its routes for restartTime.',
  },
};

export interface GlobalChange {
  field: keyof DesiredGlobal;
  class: ChangeClass;
  from: unknown;
  to: unknown;
}

/** Which fields differ between two desired globals, each with its class. */
export function classifyGlobalChange(prev: DesiredGlobal | undefined, next: DesiredGlobal): GlobalChange[] {
  if (!prev) return [];
  const out: GlobalChange[] = [];
  for (const field of Object.keys(GLOBAL_FIELD_CLASSES) as (keyof DesiredGlobal)[]) {
    const a = normalizeField(field, prev[field]);
    const b = normalizeField(field, next[field]);
    if (!isDeepStrictEqual(a ?? null, b ?? null))
      out.push({ field, class: GLOBAL_FIELD_CLASSES[field].class, from: prev[field], to: next[field] });
  }
  return out;
}

/** The costliest class among changes ('live' when there are none). */
export function worstClass(changes: readonly GlobalChange[]): ChangeClass {
  if (changes.some((c) => c.class === 'restart')) return 'restart';
  if (changes.some((c) => c.class === 'peer-reset')) return 'peer-reset';
  return 'live';
}

function normalizeField(field: keyof DesiredGlobal, v: unknown): unknown {
  switch (field) {
    case 'listenAddresses':
      return normalizeListen(v as readonly string[] | undefined);
    case 'families':
      return [...new Set((v as readonly Family[] | undefined) ?? [])].sort((a, b) => a - b);
    case 'listenPort':
      return v === 179 ? 0 : v;
    case 'useMultiplePaths':
      return v ?? false;
    case 'bindToDevice':
      return v ?? '';
    case 'gracefulRestart':
      // a field set to undefined is a field not set
      return typeof v === 'object' && v !== null
        ? Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined))
        : v;
    default:
      return v;
  }
}

function normalizeListen(v: readonly string[] | undefined): string[] {
  const list = v && v.length ? v : ['0.0.0.0', '::'];
  return [...new Set(list.map((a) => parseAddress(a).address))].sort();
}

export function validateGlobal(d: DesiredGlobal): void {
  const ctx = { object: 'global' };
  validateAsn(d.asn, 'asn', ctx);
  validateRouterId(d.routerId, ctx);
  if (!Number.isInteger(d.listenPort) || d.listenPort < -1 || d.listenPort > 65535)
    throw new BgpValidationError('listenPort must be -1 (no listener), 0 (179) or a port', {
      ...ctx,
      listenPort: d.listenPort,
    });
  for (const a of d.listenAddresses) parseAddress(a, { ...ctx, field: 'listenAddresses' });
  for (const f of d.families)
    if (f !== 4 && f !== 6) throw new BgpValidationError('families: ipv4 or ipv6', { ...ctx, family: f });
}

/** The Global sent to StartBgp. Families stay empty (= all): per-peer afi-safis decide. */
export function toWireGlobal(d: DesiredGlobal): WireGlobal {
  return {
    asn: d.asn,
    router_id: d.routerId,
    listen_port: d.listenPort,
    listen_addresses: [...d.listenAddresses],
    families: [],
    use_multiple_paths: d.useMultiplePaths ?? false,
    bind_to_device: d.bindToDevice ?? '',
  };
}

/** restart-class differences between what gobgpd runs (GetBgp) and what is desired. */
export function restartDrift(actual: WireGlobal, d: DesiredGlobal): GlobalChange[] {
  const running: DesiredGlobal = {
    asn: actual.asn,
    routerId: actual.router_id,
    listenPort: actual.listen_port ?? 0,
    listenAddresses: actual.listen_addresses ?? [],
    families: d.families,
    gracefulRestart: d.gracefulRestart,
    useMultiplePaths: actual.use_multiple_paths ?? false,
    bindToDevice: actual.bind_to_device ?? '',
  };
  return classifyGlobalChange(running, d).filter((c) => c.class === 'restart');
}

export type GlobalAction = 'none' | 'started' | 'restarted';

export interface GlobalResult {
  action: GlobalAction;
  /** GetBgp showed asn 0 (never started, or the sidecar restarted) */
  foundStopped: boolean;
  drift: GlobalChange[];
}

/**
 * Level-triggered owner of gobgpd's global config. GetBgp first, always: StartBgp only on a
 * stopped server; a restart-class drift is the only path to StopBgp + StartBgp, and the caller
 * must then re-apply policy, peers and paths.
 */
export class GlobalSink {
  private readonly client: GobgpClient;
  private readonly log: Logger;

  constructor(client: GobgpClient, log: Logger = logger('bgp.global')) {
    this.client = client;
    this.log = log;
  }

  async ensure(desired: DesiredGlobal): Promise<GlobalResult> {
    validateGlobal(desired);
    const actual = await this.client.getBgp();
    if (actual.asn === 0) {
      this.log.info('starting BGP', {
        asn: desired.asn,
        routerId: desired.routerId,
        listenPort: desired.listenPort,
      });
      await this.client.startBgp(toWireGlobal(desired));
      return { action: 'started', foundStopped: true, drift: [] };
    }
    const drift = restartDrift(actual, desired);
    if (drift.length === 0) return { action: 'none', foundStopped: false, drift };
    this.log.warn('global BGP settings changed: restarting BGP (all sessions reset, everything re-applied)', {
      fields: drift.map((c) => c.field),
    });
    await this.client.stopBgp();
    await this.client.startBgp(toWireGlobal(desired));
    return { action: 'restarted', foundStopped: false, drift };
  }

  /** StopBgp when running (BgpConf removed): Cease to every peer, all routes gone. */
  async ensureStopped(): Promise<boolean> {
    const actual = await this.client.getBgp();
    if (actual.asn === 0) return false;
    this.log.warn('BGP no longer configured: stopping BGP');
    await this.client.stopBgp();
    return true;
  }
}
