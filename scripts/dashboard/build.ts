// Builds the Grafana dashboard the chart ships (deploy/charts/openelb/dashboards/openelb.json) from
// panels.ts with @grafana/grafana-foundation-sdk, whose types are generated from Grafana's own
// dashboard schema. `node scripts/dashboard/build.ts` writes the file; `--check` changes nothing and
// exits 1 when the committed file differs (test/unit/dashboard.test.ts runs the same comparison).
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Builder, Dataquery } from '@grafana/grafana-foundation-sdk/cog';
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { PanelBuilder as BarGaugeBuilder } from '@grafana/grafana-foundation-sdk/bargauge';
import { DataqueryBuilder } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder as StatBuilder } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as StateTimelineBuilder } from '@grafana/grafana-foundation-sdk/statetimeline';
import { PanelBuilder as TimeseriesBuilder } from '@grafana/grafana-foundation-sdk/timeseries';
import { ROWS, SESSION_STATES, type PanelSpec } from './panels.ts';

export const DASHBOARD_FILE = fileURLToPath(
  new URL('../../deploy/charts/openelb/dashboards/openelb.json', import.meta.url),
);
export const DASHBOARD_UID = 'openelb-ts';
/** The data source variable every panel queries through (chosen on import / in the dashboard). */
const DATASOURCE: common.DataSourceRef = { type: 'prometheus', uid: '${datasource}' };
const PANEL_HEIGHT = 8;

function targets(p: PanelSpec): Builder<Dataquery>[] {
  return p.queries.map((q, i) =>
    new DataqueryBuilder()
      .datasource(DATASOURCE)
      .refId(String.fromCharCode(65 + i))
      .expr(q.expr)
      .legendFormat(q.legend)
      .range(),
  );
}

const sessionMappings = (): dashboard.ValueMapping[] => [
  {
    type: dashboard.MappingType.ValueToText,
    options: Object.fromEntries(
      SESSION_STATES.map((text, i) => [
        String(i),
        { text, color: text === 'established' ? 'green' : i === 0 ? 'gray' : 'red', index: i },
      ]),
    ),
  },
];

type AnyPanelBuilder = TimeseriesBuilder | StatBuilder | StateTimelineBuilder | BarGaugeBuilder;

/** Settings every panel kind shares; ids are assigned in order (rows included) so they stay stable. */
function base<B extends AnyPanelBuilder>(b: B, p: PanelSpec, id: number): B {
  b.id(id).title(p.title).description(p.description).datasource(DATASOURCE).unit(p.unit);
  b.span(p.width).height(PANEL_HEIGHT);
  for (const t of targets(p)) b.withTarget(t);
  return b;
}

const legend = (): common.VizLegendOptionsBuilder =>
  new common.VizLegendOptionsBuilder()
    .showLegend(true)
    .displayMode(common.LegendDisplayMode.List)
    .placement(common.LegendPlacement.Bottom);

function panel(p: PanelSpec, id: number): Builder<dashboard.Panel> {
  switch (p.kind) {
    case 'timeseries':
      return base(new TimeseriesBuilder(), p, id).min(0).fillOpacity(10).legend(legend());
    case 'stat':
      return base(new StatBuilder(), p, id);
    case 'statetimeline':
      return base(new StateTimelineBuilder(), p, id)
        .mappings(sessionMappings())
        .showValue(common.VisibilityMode.Never)
        .legend(legend());
    case 'bargauge':
      return base(new BarGaugeBuilder(), p, id).min(0).max(1);
  }
}

/** The dashboard as Grafana's JSON model. */
export function buildDashboard(): dashboard.Dashboard {
  const b = new dashboard.DashboardBuilder('OpenELB')
    .uid(DASHBOARD_UID)
    .description(
      'openelb-ts: BGP sessions and paths, address pools, Layer 2 owners, reconcile latency, memory',
    )
    .tags(['openelb', 'loadbalancer', 'bgp'])
    .editable()
    .tooltip(dashboard.DashboardCursorSync.Crosshair)
    .refresh('30s')
    .time({ from: 'now-1h', to: 'now' })
    .timezone('browser')
    .withVariable(
      new dashboard.DatasourceVariableBuilder('datasource').label('Data source').type('prometheus'),
    );
  let id = 0;
  for (const row of ROWS) {
    b.withRow(new dashboard.RowBuilder(row.title).id(++id));
    for (const p of row.panels) b.withPanel(panel(p, ++id));
  }
  return b.build();
}

/** The file's exact text: stable key order from the builder, two-space indent, trailing newline. */
export function dashboardJson(): string {
  return JSON.stringify(buildDashboard(), null, 2) + '\n';
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const want = dashboardJson();
  if (process.argv.includes('--check')) {
    const have = await readFile(DASHBOARD_FILE, 'utf8').catch(() => '');
    if (have !== want) {
      process.stderr.write(`${DASHBOARD_FILE} is stale: run node scripts/dashboard/build.ts\n`);
      process.exit(1);
    }
  } else {
    await writeFile(DASHBOARD_FILE, want);
    process.stdout.write(`wrote ${DASHBOARD_FILE}\n`);
  }
}
