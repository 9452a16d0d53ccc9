import type { BenchValue } from '../types.ts';

// The human-readable summary `npm run bench` prints: one row per key, grouped by benchmark group.

export function formatValue(v: BenchValue): string {
  if (typeof v === 'number') return String(v);
  const extra = Object.entries(v)
    .filter(([k]) => k !== 'p50' && k !== 'p99')
    .map(([k, x]) => `${k} ${x}`);
  return [`p50 ${v.p50}`, `p99 ${v.p99}`, ...extra].join('  ');
}

export function renderTable(rows: { group: string; key: string; value: BenchValue }[]): string {
  const keyW = Math.max(3, ...rows.map((r) => r.key.length));
  const groupW = Math.max(5, ...rows.map((r) => r.group.length));
  const lines = [
    `${'group'.padEnd(groupW)}  ${'key'.padEnd(keyW)}  value`,
    `${'-'.repeat(groupW)}  ${'-'.repeat(keyW)}  -----`,
  ];
  for (const r of rows)
    lines.push(`${r.group.padEnd(groupW)}  ${r.key.padEnd(keyW)}  ${formatValue(r.value)}`);
  return lines.join('\n');
}
