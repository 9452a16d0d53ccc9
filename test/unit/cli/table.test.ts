import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { humanDuration, renderTable, renderTables } from '../../../src/cli/table.ts';

describe('kubectl-style tables', () => {
  it('upper-case headers, columns three spaces apart (at least six wide), last column unpadded', () => {
    const out = renderTable({
      headers: ['name', 'ip', 'state'],
      rows: [
        ['a', '10.0.0.1', 'ready'],
        ['longer-name', '-', { text: 'disabled', tone: 'warn' }],
      ],
    });
    assert.equal(
      out,
      'NAME          IP         STATE\n' +
        'a             10.0.0.1   ready\n' +
        'longer-name   -          disabled\n',
    );
    assert.equal(renderTable({ headers: ['x', 'y'], rows: [['1', '2']] }), 'X     Y\n1     2\n');
  });

  it('colours only when asked, and widths ignore the colour codes', () => {
    const t = { headers: ['s', 'n'], rows: [[{ text: 'ok', tone: 'good' as const }, 'x']] };
    assert.ok(!renderTable(t).includes('\u001b'));
    const coloured = renderTable(t, true);
    assert.equal(coloured.split('\n')[1], '\u001b[32mok\u001b[0m    x');
  });

  it('several tables: blank line between, empty ones left out', () => {
    const a = { headers: ['a'], rows: [['1']] };
    const empty = { headers: ['b'], rows: [] };
    assert.equal(renderTables([a, empty, a]), 'A\n1\n\nA\n1\n');
  });

  it('ages as kubectl prints them', () => {
    const s = 1000;
    const cases: [number, string][] = [
      [-5, '0s'],
      [45 * s, '45s'],
      [119 * s, '119s'],
      [200 * s, '3m20s'],
      [180 * s, '3m'],
      [25 * 60 * s, '25m'],
      [(5 * 60 + 10) * 60 * s, '5h10m'],
      [30 * 3600 * s, '30h'],
      [(3 * 24 + 4) * 3600 * s, '3d4h'],
      [200 * 86400 * s, '200d'],
      [(3 * 365 + 45) * 86400 * s, '3y45d'],
      [9 * 365 * 86400 * s, '9y'],
    ];
    for (const [ms, want] of cases) assert.equal(humanDuration(ms), want, String(ms));
  });
});
