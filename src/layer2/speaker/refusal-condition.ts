// The Eip condition `Layer2Conflict` (pure): True while some replica refuses an allocated address of the
// pool, with one entry per address in the message:
//   "10.99.0.1 refused by node node1: MAC 52:54:00:12:34:56 answers for it (arp-reply); fd99::1 refused …"
// Several replicas write it, each authoritative only for the addresses it holds (exactly one replica
// holds an address at a time): a replica sets the entries of the addresses it refuses, removes those of
// the addresses it answers, and leaves every other entry alone, except entries for addresses the pool no
// longer allocates, which anyone removes. Writes are conditional on the resourceVersion read, so two
// replicas never lose each other's entries.
import type { Condition } from '../../kube/types.ts';
import { ipBytes } from '../../net/ip.ts';
import type { Refusal } from '../guard/types.ts';

export const LAYER2_CONFLICT = 'Layer2Conflict';
const SEPARATOR = '; ';
const ENTRY = /^(\S+) refused by node /;
/** metav1.Condition.message is limited to 32768 characters. */
const MAX_MESSAGE = 32_000;

export type ConditionFields = Omit<Condition, 'lastTransitionTime'>;

export function refusalEntry(r: Refusal, node: string): string {
  return `${r.ip} refused by node ${node}: ${r.detail}`;
}

/** Entries of a `Layer2Conflict` message by address (text that is not an entry is dropped). */
export function parseEntries(message: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (message ?? '').split(SEPARATOR)) {
    const m = ENTRY.exec(part);
    if (m?.[1] !== undefined) out.set(m[1], part);
  }
  return out;
}

/** IPv4 before IPv6, then by address. */
function compareIps(a: string, b: string): number {
  const x = ipBytes(a);
  const y = ipBytes(b);
  if (x === undefined || y === undefined) return a < b ? -1 : a > b ? 1 : 0;
  return x.family - y.family || Buffer.compare(Buffer.from(x.bytes), Buffer.from(y.bytes));
}

function message(entries: ReadonlyMap<string, string>): string {
  const parts: string[] = [];
  let len = 0;
  const ips = [...entries.keys()].sort(compareIps);
  for (const [i, ip] of ips.entries()) {
    const e = entries.get(ip) ?? '';
    if (len + e.length + SEPARATOR.length > MAX_MESSAGE) {
      parts.push(`and ${ips.length - i} more refused addresses`);
      break;
    }
    parts.push(e);
    len += e.length + SEPARATOR.length;
  }
  return parts.join(SEPARATOR);
}

/**
 * The condition to write, or undefined when the current one is right.
 * `mine`: entry (refused) or null (answered) for each address this replica holds and has a verdict on;
 * `allocated`: whether the pool still allocates an address.
 */
export function nextConflictCondition(
  current: Condition | undefined,
  mine: ReadonlyMap<string, string | null>,
  allocated: (ip: string) => boolean,
): ConditionFields | undefined {
  const entries = current?.status === 'True' ? parseEntries(current.message) : new Map<string, string>();
  for (const [ip, entry] of mine) {
    if (entry === null) entries.delete(ip);
    else entries.set(ip, entry);
  }
  for (const ip of [...entries.keys()]) if (!allocated(ip)) entries.delete(ip);
  let want: ConditionFields;
  if (entries.size > 0) {
    want = { type: LAYER2_CONFLICT, status: 'True', reason: 'AddressRefused', message: message(entries) };
  } else {
    if (current === undefined) return undefined; // never had one: nothing to say
    want = {
      type: LAYER2_CONFLICT,
      status: 'False',
      reason: 'NoConflict',
      message: 'no replica refuses an address of this pool',
    };
  }
  if (current?.status === want.status && current.reason === want.reason && current.message === want.message)
    return undefined;
  return want;
}
