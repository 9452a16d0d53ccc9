// Route aggregation per Eip (spec.bgp.aggregationLength / aggregationLengthV6, MetalLB semantics):
// a replica that carries at least one address of a pool announces the covering prefix of that
// length instead of the address's host route. Pure; the paths that come out are validated like any
// other before gobgpd sees them (src/bgp/path-build.ts).
import { isDeepStrictEqual } from 'node:util';
import { FAMILY_BITS, formatIp, parseIp } from '../../net/ip.ts';
import { prefixSpan } from '../../net/prefix.ts';
import type { DesiredPath } from '../../bgp/index.ts';
import type { Announcement } from '../../announce/announcements.ts';
import type { Note } from './desired-global.ts';

/** The prefix a replica announces for `a`: its address, or the covering aggregate of the pool. */
export function announcedPrefix(a: Announcement): string {
  const length = a.family === 4 ? a.bgp?.aggregationLength : a.bgp?.aggregationLengthV6;
  if (length === undefined) return a.ip;
  const ip = parseIp(a.ip);
  if (!ip.ok || !Number.isInteger(length) || length < 0 || length > FAMILY_BITS[ip.value.family]) return a.ip;
  const span = prefixSpan(ip.value.family, ip.value.value, length);
  return `${formatIp(ip.value.family, span.first)}/${length}`;
}

/** Whether `a` is announced as part of a covering prefix rather than as its own host route. */
export function isAggregated(a: Announcement): boolean {
  const length = a.family === 4 ? a.bgp?.aggregationLength : a.bgp?.aggregationLengthV6;
  return length !== undefined && length < FAMILY_BITS[a.family];
}

/** The Eip a desired path came from (for Events about a refused path), '' when none. */
export function eipOfPrefix(announcements: readonly Announcement[], prefix: string): string {
  return announcements.find((a) => announcedPrefix(a) === prefix)?.eip ?? '';
}

/**
 * Collects paths by prefix: many addresses of an aggregated pool become one path. Two pools whose
 * aggregates coincide (range pools sharing a block) keep the first pool's attributes; a differing
 * second one is reported.
 */
export class PathSet {
  readonly #byKey = new Map<string, { path: DesiredPath; eip: string }>();
  readonly notes: Note[] = [];

  add(path: DesiredPath, eip: string): void {
    const key = `${path.family} ${path.prefix}`;
    const held = this.#byKey.get(key);
    if (!held) {
      this.#byKey.set(key, { path, eip });
      return;
    }
    if (held.eip === eip || isDeepStrictEqual(held.path, path)) return;
    if (this.notes.some((n) => n.name === eip && n.message.includes(path.prefix))) return;
    this.notes.push({
      kind: 'Eip',
      name: eip,
      type: 'Warning',
      reason: 'AggregateShared',
      message: `aggregate ${path.prefix} is also announced for Eip ${held.eip} with other path attributes; that Eip's attributes are used`,
    });
  }

  paths(): DesiredPath[] {
    return [...this.#byKey.values()].map((v) => v.path);
  }
}
