// Which address range an Eip allocates from. Normally spec.address; but when spec.address is
// unparsable, or an edit would leave allocated addresses outside it (the webhook denies such edits;
// without the webhook they can still be stored), the range last applied — status.firstIP..lastIP —
// stays in force, so no allocation is orphaned, and the problem is reported in the Valid condition.
import type { Eip } from '../../api/v1alpha2.ts';
import { parsePoolAddress, poolContains, type PoolRange } from '../../ipam/index.ts';
import { parseIp } from '../../net/ip.ts';
import { spanHolds } from '../../net/prefix.ts';

export interface EffectiveRange {
  /** Undefined when neither spec.address nor a previous status gives a usable range. */
  range?: PoolRange;
  source: 'spec' | 'status' | 'none';
  /** Why spec.address is not in force ('' when it is). */
  problem: string;
}

function rangeFromStatus(eip: Eip): PoolRange | undefined {
  const { firstIP, lastIP } = eip.status ?? {};
  if (!firstIP || !lastIP) return undefined;
  const r = parsePoolAddress(firstIP === lastIP ? firstIP : `${firstIP}-${lastIP}`);
  return r.ok ? r.value : undefined;
}

/** Addresses in `used` that `range` cannot hold (edge addresses of the written span count as inside). */
export function outsideRange(range: PoolRange, used: Record<string, string> | undefined): string[] {
  const out: string[] = [];
  for (const ip of Object.keys(used ?? {})) {
    const p = parseIp(ip);
    const inside = p.ok && (poolContains(range, p.value) || spanHolds(range.span, p.value));
    if (!inside) out.push(ip);
  }
  return out;
}

export function effectiveRange(eip: Eip): EffectiveRange {
  const parsed = parsePoolAddress(eip.spec?.address ?? '');
  const previous = rangeFromStatus(eip);
  if (!parsed.ok) {
    return previous
      ? {
          range: previous,
          source: 'status',
          problem: `spec.address: ${parsed.error}; keeping the previous range ${previous.text}`,
        }
      : { source: 'none', problem: `spec.address: ${parsed.error}` };
  }
  const orphans = outsideRange(parsed.value, eip.status?.used);
  if (orphans.length === 0) return { range: parsed.value, source: 'spec', problem: '' };
  const list = orphans.slice(0, 8).join(', ') + (orphans.length > 8 ? ` and ${orphans.length - 8} more` : '');
  const msg = `spec.address: changing the address to ${JSON.stringify(parsed.value.text)} would orphan allocated addresses ${list}`;
  return previous
    ? { range: previous, source: 'status', problem: `${msg}; keeping the previous range ${previous.text}` }
    : { source: 'none', problem: msg };
}
