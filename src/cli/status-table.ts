// The tables `kubectl openelb status` prints: one for BGP Services (a row per IP × replica × peer), one
// for Layer 2 Services (a row per IP × owner), one for the rest (no IP yet, no pool, vip). Pure.
import type { ServiceStatus } from './status.ts';
import { humanDuration, type Cell, type CellInput, type Table } from './table.ts';

export interface StatusTableOptions {
  /** -A: a NAMESPACE column first, as kubectl prints it. */
  allNamespaces?: boolean;
  /** -o wide: neighbor address, traffic policy, Lease duration. */
  wide?: boolean;
}

function sessionCell(state: string): Cell {
  if (/^established$/i.test(state)) return { text: state, tone: 'good' };
  if (state === '-') return { text: state };
  return { text: state, tone: 'bad' };
}

function advertisedCell(a: boolean | null): Cell {
  if (a === null) return { text: '?' };
  return a ? { text: 'yes', tone: 'good' } : { text: 'no', tone: 'bad' };
}

function leaseAgeCell(ageMs: number | undefined, expired: boolean | undefined): Cell {
  if (ageMs === undefined) return { text: '-' };
  const text = humanDuration(ageMs);
  return expired ? { text: `${text} (expired)`, tone: 'bad' } : { text };
}

function lead(s: ServiceStatus, ip: string, o: StatusTableOptions): CellInput[] {
  return [...(o.allNamespaces ? [s.namespace] : []), s.name, s.pool, ip];
}

function leadHeaders(o: StatusTableOptions): string[] {
  return [...(o.allNamespaces ? ['namespace'] : []), 'name', 'pool', 'ip'];
}

export function bgpTable(items: readonly ServiceStatus[], o: StatusTableOptions = {}): Table {
  const headers = [...leadHeaders(o), 'mode', 'replica', 'peer', 'session', 'advertised'];
  if (o.wide) headers.push('neighbor', 'traffic policy');
  const rows: CellInput[][] = [];
  for (const s of items) {
    if (s.mode !== 'bgp' || s.ips.length === 0) continue;
    const paths = s.bgp ?? [];
    for (const ip of s.ips) {
      if (paths.length === 0) {
        const row: CellInput[] = [...lead(s, ip, o), 'bgp', '-', '-', '-', '?'];
        if (o.wide) row.push('-', s.externalTrafficPolicy);
        rows.push(row);
      }
      for (const p of paths) {
        const row: CellInput[] = [
          ...lead(s, ip, o),
          'bgp',
          p.running === false ? { text: `${p.replica} (no manager)`, tone: 'bad' } : p.replica,
          p.peer,
          sessionCell(p.session),
          advertisedCell(p.advertised),
        ];
        if (o.wide) row.push(p.neighbor || '-', s.externalTrafficPolicy);
        rows.push(row);
      }
    }
  }
  return { headers, rows };
}

export function layer2Table(items: readonly ServiceStatus[], o: StatusTableOptions = {}): Table {
  const headers = [...leadHeaders(o), 'mode', 'owner', 'mac', 'lease age'];
  if (o.wide) headers.push('lease duration', 'traffic policy');
  const rows: CellInput[][] = [];
  for (const s of items) {
    if (s.mode !== 'layer2') continue;
    for (const l of s.layer2 ?? []) {
      const owner: Cell = l.owner === '-' ? { text: '-', tone: 'bad' } : { text: l.owner };
      const row: CellInput[] = [
        ...lead(s, l.ip, o),
        'layer2',
        owner,
        l.macs.length > 0 ? l.macs.join(',') : '-',
        leaseAgeCell(l.leaseAgeMs, l.expired),
      ];
      if (o.wide)
        row.push(
          l.leaseDurationMs === undefined ? '-' : humanDuration(l.leaseDurationMs),
          s.externalTrafficPolicy,
        );
      rows.push(row);
    }
  }
  return { headers, rows };
}

/** Services neither table shows: no IP yet, no known pool, or a mode without announcements (vip). */
export function otherTable(items: readonly ServiceStatus[], o: StatusTableOptions = {}): Table {
  const headers = [...(o.allNamespaces ? ['namespace'] : []), 'name', 'pool', 'ip', 'mode'];
  const rows: CellInput[][] = [];
  for (const s of items) {
    const shown = (s.mode === 'bgp' && s.ips.length > 0) || (s.mode === 'layer2' && s.ips.length > 0);
    if (shown) continue;
    const ip: Cell = s.ips.length > 0 ? { text: s.ips.join(',') } : { text: '<pending>', tone: 'warn' };
    rows.push([...(o.allNamespaces ? [s.namespace] : []), s.name, s.pool, ip, s.mode]);
  }
  return { headers, rows };
}

export function statusTables(items: readonly ServiceStatus[], o: StatusTableOptions = {}): Table[] {
  return [bgpTable(items, o), layer2Table(items, o), otherTable(items, o)];
}
