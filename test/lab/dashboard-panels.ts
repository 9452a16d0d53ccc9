// Every panel query of the dashboard the chart ships, evaluated as Grafana would draw it: a range
// query over the dashboard's time range, with Grafana's built-in variables given the values Grafana
// computes. A target "shows data" when some series has a finite point; a panel whose target never
// does is reported by title.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { LabPrometheus, PromSeries } from './prometheus.ts';

export const SHIPPED_DASHBOARD = fileURLToPath(
  new URL('../../deploy/charts/openelb/dashboards/openelb.json', import.meta.url),
);

export interface PanelTarget {
  panel: string;
  refId: string;
  expr: string;
  legend: string;
}

export interface TargetAnswer extends PanelTarget {
  /** expr with Grafana's variables substituted, as sent */
  sent: string;
  series: number;
  /** finite points over all series */
  points: number;
  /** the largest finite value over all series (-Infinity when none) */
  max: number;
  /** the last finite value of each series, labelled by its legend */
  last: string[];
  error: string | undefined;
}

interface RawPanel {
  type: string;
  title?: string;
  targets?: { refId?: string; expr?: string; legendFormat?: string }[];
}

export async function panelTargets(file = SHIPPED_DASHBOARD): Promise<PanelTarget[]> {
  const d = JSON.parse(await readFile(file, 'utf8')) as { panels: RawPanel[] };
  return d.panels
    .filter((p) => p.type !== 'row')
    .flatMap((p) =>
      (p.targets ?? []).map((t) => ({
        panel: p.title ?? '(untitled)',
        refId: t.refId ?? '?',
        expr: t.expr ?? '',
        legend: t.legendFormat ?? '',
      })),
    );
}

/**
 * Grafana's $__rate_interval is max($__interval + scrape interval, 4 × scrape interval), with the
 * data source's scrape interval (Grafana's default 15 s when unset). Anything else with `$` is a
 * dashboard variable this check does not know: refused, so a new variable cannot slip by unevaluated.
 */
export function substitute(expr: string, rateIntervalS: number): string {
  const out = expr.replaceAll('$__rate_interval', `${rateIntervalS}s`);
  const unknown = out.match(/\$\{?\w+/);
  if (unknown) throw new Error(`unknown variable ${unknown[0]} in ${expr}`);
  return out;
}

function legendOf(legend: string, s: PromSeries): string {
  return legend.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, k: string) => s.metric[k] ?? '');
}

export interface EvaluateOptions {
  startS: number;
  endS: number;
  stepS: number;
  rateIntervalS: number;
}

export async function evaluatePanels(
  prom: LabPrometheus,
  o: EvaluateOptions,
  file?: string,
): Promise<TargetAnswer[]> {
  const out: TargetAnswer[] = [];
  for (const t of await panelTargets(file)) {
    let sent = t.expr;
    try {
      sent = substitute(t.expr, o.rateIntervalS);
      const series = await prom.queryRange(sent, o.startS, o.endS, o.stepS);
      let points = 0;
      let max = -Infinity;
      const last: string[] = [];
      for (const s of series) {
        const finite = (s.values ?? []).filter(([, v]) => Number.isFinite(Number(v)));
        points += finite.length;
        for (const [, v] of finite) max = Math.max(max, Number(v));
        const l = finite.at(-1);
        if (l) last.push(`${legendOf(t.legend, s)}=${l[1]}`);
      }
      out.push({ ...t, sent, series: series.length, points, max, last, error: undefined });
    } catch (e) {
      out.push({
        ...t,
        sent,
        series: 0,
        points: 0,
        max: -Infinity,
        last: [],
        error: e instanceof Error ? e.message : String(e),
      });
    }
  }
  return out;
}

/** One line per target that shows no data, naming its panel; empty when every panel would draw. */
export function emptyPanels(answers: readonly TargetAnswer[]): string[] {
  return answers
    .filter((a) => a.error !== undefined || a.points === 0)
    .map(
      (a) =>
        `panel "${a.panel}" query ${a.refId} shows no data: ${a.error ?? `no finite point for ${a.sent}`}`,
    );
}
