// The shipped Grafana dashboard against a real Prometheus (Debian's `prometheus`): the lab runs it
// scraping every manager replica, the seed walkthrough (Layer 2 and BGP Services) runs, one Service
// asks for an address no pool holds (the allocation-failure panel needs one), and then every panel
// query of deploy/charts/openelb/dashboards/openelb.json must show data. A panel that can never show
// data fails the test by name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Lab, reapOrphans, waitFor } from '../lab/index.ts';
import { evaluatePanels, emptyPanels } from '../lab/dashboard-panels.ts';
import { LabPrometheus, PROMETHEUS_BIN } from '../lab/prometheus.ts';
import { MANAGER_NS, seedWalkthrough } from '../lab/walkthrough.ts';

const haveProm = ((): boolean => {
  try {
    execFileSync(PROMETHEUS_BIN, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** Grafana's $__rate_interval for a data source with the default 15 s scrape interval. */
const RATE_INTERVAL_S = 60;

const unservable = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: {
    name: 'no-pool',
    namespace: 'default',
    annotations: {
      'lb.kubesphere.io/v1alpha1': 'openelb',
      'protocol.openelb.kubesphere.io/v1alpha1': 'layer2',
    },
  },
  spec: { type: 'LoadBalancer', loadBalancerIP: '203.0.113.77', ports: [{ name: 'http', port: 80 }] },
};

test(
  'every panel of the shipped dashboard shows data from Prometheus after the seed walkthrough',
  { skip: haveProm ? false : 'prometheus not installed (scripts/install-system-deps.sh)', timeout: 300_000 },
  async (t) => {
    await reapOrphans();
    const lab = await Lab.up({
      nodes: 2,
      routers: [{ kind: 'bird' }],
      kubeDouble: true,
      kubeCrds: false,
      managers: false,
      gobgp: 'bare',
    });
    t.after(() => lab.down());
    const prom = await LabPrometheus.start(lab);
    const startS = Date.now() / 1000;
    const transcript: string[] = [];
    await seedWalkthrough(
      lab,
      (l = '') => void transcript.push(l),
      async () => {
        for (const n of lab.nodes) lab.startManager(n.name, ['--namespace', MANAGER_NS]);
        await lab.waitManagersReady(60_000);
      },
    ).catch((e: unknown) => {
      throw new Error(`walkthrough failed: ${String(e)}\n${transcript.slice(-40).join('\n')}`);
    });
    await prom.waitTargetsUp();

    const r = await lab.kubectl(['apply', '-f', '-'], JSON.stringify(unservable));
    assert.equal(r.code, 0, r.stderr);
    await waitFor(
      async () => {
        const ev = await lab.kubectl([
          'get',
          'events',
          '-n',
          'default',
          '--field-selector',
          'involvedObject.name=no-pool',
          '-o',
          'jsonpath={.items[*].reason}',
        ]);
        return ev.stdout.includes('NoMatchingPool');
      },
      30_000,
      { what: 'the NoMatchingPool Warning on Service no-pool', intervalMs: 250 },
    );
    // the counters' new series need two scrapes before a rate over them has a point
    const seen = await waitFor(
      async () => {
        const s = await prom.query('openelb_events_recorded_total{reason="NoMatchingPool"}[10s]');
        return (s[0]?.values?.length ?? 0) >= 3 ? s : undefined;
      },
      30_000,
      { what: 'prometheus to scrape the failure Event counter', intervalMs: 500 },
    );
    assert.ok(seen.length > 0);

    const answers = await evaluatePanels(prom, {
      startS,
      endS: Date.now() / 1000,
      stepS: prom.scrapeIntervalS,
      rateIntervalS: RATE_INTERVAL_S,
    });
    for (const a of answers)
      t.diagnostic(
        `${a.panel} [${a.refId}] ${a.series} series, ${a.points} points; last ${a.last.join(', ')}`,
      );
    assert.ok(answers.length >= 10, `only ${answers.length} panel queries found`);
    assert.deepEqual(emptyPanels(answers), []);

    // the replicas are told apart: one series per replica × peer, and memory per replica
    const sessions = answers.find((a) => a.panel.startsWith('BGP sessions'));
    assert.equal(sessions?.series, lab.nodes.length, `session series: ${sessions?.last.join(', ')}`);
    const rss = answers.find((a) => a.panel === 'Memory' && a.refId === 'A');
    assert.equal(rss?.series, lab.nodes.length);
    // what happened is drawn as happening: the provoked failure, the assignments, the Layer 2 takeover
    const max = (panel: string, refId: string): number =>
      answers.find((a) => a.panel === panel && a.refId === refId)?.max ?? -Infinity;
    assert.ok(max('Allocations and failures', 'A') > 0, 'assignments drawn as 0');
    assert.ok(max('Allocations and failures', 'B') > 0, 'the NoMatchingPool failure drawn as 0');
    assert.ok(max('Allocations and failures', 'C') >= 1, 'Service no-pool not shown as waiting');
    assert.ok(max('Layer 2 owners and owner changes', 'B') > 0, 'the Layer 2 takeover drawn as 0');
    assert.ok(max('Pool usage vs size', 'B') === 9, 'the seed pools have 9 addresses');

    // and the check catches a panel that can never draw: a misspelt metric is named, by panel
    const bogus = join(lab.dir, 'bogus-dashboard.json');
    const panel = {
      type: 'timeseries',
      title: 'Typo',
      targets: [{ refId: 'A', expr: 'openelb_bgp_sesion_state' }],
    };
    await writeFile(bogus, JSON.stringify({ panels: [panel] }));
    const range = { startS, endS: Date.now() / 1000, stepS: 1, rateIntervalS: RATE_INTERVAL_S };
    assert.deepEqual(emptyPanels(await evaluatePanels(prom, range, bogus)), [
      'panel "Typo" query A shows no data: no finite point for openelb_bgp_sesion_state',
    ]);
  },
);
