// `kubectl openelb pools`: one row per Eip with its usage and the address the allocator hands out next.
// Pure: Eips in, rows out.
//
// The next free address is computed the way the allocator chooses (src/ipam PoolTable): the pool's
// allocations are restored from status.used, then a fresh claim takes the next free offset — the lowest
// free address, which is what an allocator (re)started from this status hands out. A long-running
// allocator first reuses addresses released since it started (oldest first); status does not record
// those, so the column names what any replica taking over would choose.
import type { Eip } from '../api/v1alpha2.ts';
import { decodeHolders } from '../api/used.ts';
import { PoolTable } from '../ipam/index.ts';
import type { Table } from './table.ts';

export type PoolState = 'ready' | 'disabled' | 'invalid' | 'deleting' | 'not-ready' | 'unknown';

export interface PoolRow {
  name: string;
  protocol: string;
  address: string;
  /** Decimal strings: IPv6 pools exceed Number. */
  size: string;
  used: number;
  free: string;
  /** Undefined when the pool is full, disabled or invalid. */
  nextFree?: string;
  state: PoolState;
  /** The Ready (or Valid) condition's reason and message when not ready. */
  reason?: string;
  message?: string;
}

const PROBE_KEY = '\u0000kubectl-openelb/next-free';

function stateOf(eip: Eip): { state: PoolState; reason?: string; message?: string } {
  const conds = eip.status?.conditions ?? [];
  const ready = conds.find((c) => c.type === 'Ready');
  const valid = conds.find((c) => c.type === 'Valid');
  if (eip.metadata.deletionTimestamp) return { state: 'deleting', reason: 'Deleting' };
  if (valid?.status === 'False') return { state: 'invalid', reason: valid.reason, message: valid.message };
  if (ready?.status === 'True') return { state: 'ready' };
  if (eip.spec.disable === true || ready?.reason === 'Disabled')
    return { state: 'disabled', reason: ready?.reason ?? 'Disabled', message: ready?.message };
  if (ready?.reason === 'Invalid') return { state: 'invalid', reason: ready.reason, message: ready.message };
  if (ready) return { state: 'not-ready', reason: ready.reason, message: ready.message };
  return { state: 'unknown', reason: 'NoStatus', message: 'the manager has not written a Ready condition' };
}

export function poolRow(eip: Eip): PoolRow {
  const protocol = eip.spec.protocol || 'bgp';
  const { state, reason, message } = stateOf(eip);
  const base = { name: eip.metadata.name, protocol, address: eip.spec.address, state };
  const extra = {
    ...(reason !== undefined ? { reason } : {}),
    ...(message !== undefined && message !== '' ? { message } : {}),
  };
  let table: PoolTable;
  try {
    table = new PoolTable(eip.spec.address);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    const used = Object.keys(eip.status?.used ?? {}).length;
    return { ...base, size: '0', used, free: '0', state: 'invalid', reason: 'InvalidSpec', message: why };
  }
  for (const [ip, holders] of Object.entries(eip.status?.used ?? {})) {
    for (const key of decodeHolders(holders)) table.restore(ip, { key });
  }
  const size = table.size;
  const free = size - BigInt(table.usage);
  const row: PoolRow = { ...base, size: String(size), used: table.usage, free: String(free), ...extra };
  if (state !== 'disabled' && state !== 'invalid' && state !== 'deleting' && free > 0n) {
    const probe = table.allocate({ key: PROBE_KEY });
    if (probe.ok) row.nextFree = probe.value.ip;
  }
  return row;
}

export function poolRows(eips: readonly Eip[]): PoolRow[] {
  return eips.map(poolRow).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function stateCell(r: PoolRow): { text: string; tone: 'good' | 'warn' | 'bad' } {
  if (r.state === 'ready') return { text: 'ready', tone: 'good' };
  const text = r.reason && r.reason.toLowerCase() !== r.state ? `${r.state} (${r.reason})` : r.state;
  return { text, tone: r.state === 'disabled' ? 'warn' : 'bad' };
}

export function poolsTable(rows: readonly PoolRow[], wide = false): Table {
  const headers = ['name', 'protocol', 'address', 'size', 'used', 'free', 'next free', 'state'];
  if (wide) headers.push('message');
  return {
    headers,
    rows: rows.map((r) => {
      const cells = [
        r.name,
        r.protocol,
        r.address,
        r.size,
        String(r.used),
        r.free,
        r.nextFree ?? '-',
        stateCell(r),
      ];
      if (wide) cells.push(r.message ?? '');
      return cells;
    }),
  };
}
