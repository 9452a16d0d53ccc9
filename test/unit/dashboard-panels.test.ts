// The pure parts of the panel check (test/lab/dashboard-panels.ts): Grafana's variables and the verdict.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { emptyPanels, substitute, type TargetAnswer } from '../lab/dashboard-panels.ts';

test('$__rate_interval becomes seconds; any other variable is refused, naming it', () => {
  assert.equal(substitute('rate(x[$__rate_interval])', 60), 'rate(x[60s])');
  assert.throws(() => substitute('x{job="$job"}', 60), /unknown variable \$job in x\{job="\$job"\}/);
  assert.throws(() => substitute('x{job="${job}"}', 60), /unknown variable \$\{job/);
});

test('a target with no finite point or an error is reported by panel; data passes', () => {
  const base = { refId: 'A', expr: 'e', legend: '', sent: 'e', last: [] };
  const answers: TargetAnswer[] = [
    { ...base, panel: 'Fine', series: 1, points: 3, max: 1, error: undefined },
    { ...base, panel: 'NaN only', series: 1, points: 0, max: -Infinity, error: undefined },
    { ...base, panel: 'Broken', series: 0, points: 0, max: -Infinity, error: 'bad_data: parse error' },
  ];
  assert.deepEqual(emptyPanels(answers), [
    'panel "NaN only" query A shows no data: no finite point for e',
    'panel "Broken" query A shows no data: bad_data: parse error',
  ]);
});
