// The dashboard the chart ships is exactly what scripts/dashboard/build.ts generates, and it holds
// together as Grafana's dashboard model requires. The foundation SDK ships no JSON schema and Grafana
// publishes its dashboard schema as CUE only, so the schema check is the SDK's generated types (the
// generator is type-checked against dashboard.Dashboard) plus the structural rules below.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { DASHBOARD_FILE, DASHBOARD_UID, dashboardJson } from '../../scripts/dashboard/build.ts';
import { ROWS } from '../../scripts/dashboard/panels.ts';

interface Target {
  refId?: string;
  expr?: string;
  datasource?: { type?: string; uid?: string };
}
interface Panel {
  id?: number;
  type: string;
  title?: string;
  gridPos?: { x: number; y: number; w: number; h: number };
  targets?: Target[];
  datasource?: { type?: string; uid?: string };
}
interface DashboardModel {
  uid: string;
  title: string;
  schemaVersion: number;
  panels: Panel[];
  templating: { list: { name: string; type: string; query?: string }[] };
}

const committed = async (): Promise<string> => readFile(DASHBOARD_FILE, 'utf8');

test('the committed dashboard equals the generator output (run node scripts/dashboard/build.ts)', async () => {
  assert.equal(await committed(), dashboardJson());
});

test('the dashboard model holds together: ids, grid, data source, one target per query', async () => {
  const d = JSON.parse(await committed()) as DashboardModel;
  assert.equal(d.uid, DASHBOARD_UID);
  assert.ok(Number.isInteger(d.schemaVersion) && d.schemaVersion >= 36, `schemaVersion ${d.schemaVersion}`);
  const ds = d.templating.list.find((v) => v.name === 'datasource');
  assert.deepEqual([ds?.type, ds?.query], ['datasource', 'prometheus']);
  const ids = d.panels.map((p) => p.id);
  assert.equal(new Set(ids).size, ids.length, `panel ids repeat: ${ids.join(',')}`);
  const known = new Set(['row', 'timeseries', 'stat', 'state-timeline', 'bargauge']);
  for (const p of d.panels) {
    assert.ok(known.has(p.type), `panel ${p.title}: type ${p.type}`);
    const g = p.gridPos;
    assert.ok(g && g.x >= 0 && g.w > 0 && g.x + g.w <= 24 && g.h > 0, `panel ${p.title}: gridPos`);
    if (p.type === 'row') continue;
    assert.deepEqual(p.datasource, { type: 'prometheus', uid: '${datasource}' }, `panel ${p.title}`);
    const targets = p.targets ?? [];
    assert.ok(targets.length > 0, `panel ${p.title} has no query`);
    const refs = targets.map((t) => t.refId);
    assert.equal(new Set(refs).size, refs.length, `panel ${p.title}: refIds repeat`);
    for (const t of targets) assert.match(t.expr ?? '', /openelb_/, `panel ${p.title}: ${t.expr}`);
  }
  const titles = d.panels.filter((p) => p.type !== 'row').map((p) => p.title);
  assert.deepEqual(
    titles,
    ROWS.flatMap((r) => r.panels.map((p) => p.title)),
  );
});

test('panels do not overlap', async () => {
  const d = JSON.parse(await committed()) as DashboardModel;
  const cells = new Map<string, string>();
  for (const p of d.panels) {
    if (!p.gridPos) continue;
    const { x: left, y: top, w, h } = p.gridPos;
    for (let y: number = top; y < top + h; y++)
      for (let x: number = left; x < left + w; x++) {
        const k = `${x},${y}`;
        assert.equal(cells.get(k), undefined, `${p.title} overlaps ${cells.get(k)} at ${k}`);
        cells.set(k, p.title ?? '');
      }
  }
});
