// The Helm chart: lint, render every values variant, yamllint, schema validation, policy.
import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yaml from 'js-yaml';
import {
  CHART,
  helmTemplate,
  NAMESPACE,
  parseObjects,
  ROOT,
  run,
  VARIANTS,
  YAMLLINT_CONFIG,
  requireHelm,
  requireYamllint,
  type KubeObject,
} from './render.ts';
import { schemaErrors } from './validate.ts';
import { parseConfig } from '../../src/config.ts';
import {
  containerViolations,
  flags,
  keyMaterialViolations,
  podParts,
  rbacViolations,
  webhookViolations,
  workloadViolations,
} from './policy.ts';

const helm = requireHelm();

const rendered = new Map<string, { text: string; objects: KubeObject[] }>();
function variant(name: string): { text: string; objects: KubeObject[] } {
  const r = rendered.get(name);
  if (!r) throw new Error(`variant ${name} was not rendered`);
  return r;
}

describe('helm chart', () => {
  before(() => {
    for (const [name, set] of Object.entries(VARIANTS)) {
      const text = helmTemplate(helm, set);
      rendered.set(name, { text, objects: parseObjects(text, `helm template (${name})`) });
    }
  });

  test('helm lint --strict passes for every variant', () => {
    for (const [name, set] of Object.entries(VARIANTS)) {
      const args = ['lint', '--strict', CHART, '--namespace', NAMESPACE];
      for (const s of set) args.push('--set', s);
      const r = run(helm, args);
      assert.equal(r.status, 0, `helm lint (${name}):\n${r.stdout}${r.stderr}`);
    }
  });

  test('every variant renders the same set of kinds, plus what the variant adds', () => {
    const kinds = (name: string): string[] =>
      variant(name)
        .objects.map((o) => o.kind)
        .sort();
    const base = [
      'ClusterRole',
      'ClusterRoleBinding',
      'Deployment',
      'PodDisruptionBudget',
      'Role',
      'RoleBinding',
      'Service',
      'ServiceAccount',
      'ValidatingWebhookConfiguration',
    ];
    assert.deepEqual(kinds('default'), base);
    assert.deepEqual(
      kinds('daemonset'),
      base
        .filter((k) => k !== 'PodDisruptionBudget')
        .map((k) => (k === 'Deployment' ? 'DaemonSet' : k))
        .sort(),
    );
    assert.deepEqual(kinds('servicemonitor'), [...base, 'Service', 'ServiceMonitor'].sort());
    assert.deepEqual(kinds('dashboard'), [...base, 'ConfigMap'].sort());
  });

  test("yamllint accepts the rendered output of every variant and the chart's plain YAML", () => {
    const dir = mkdtempSync(join(tmpdir(), 'openelb-deploy-'));
    try {
      const files: string[] = [join(CHART, 'Chart.yaml'), join(CHART, 'values.yaml')];
      for (const [name, r] of rendered) {
        const f = join(dir, `${name}.yaml`);
        writeFileSync(f, r.text);
        files.push(f);
      }
      const r = run(requireYamllint(), ['-f', 'parsable', '-c', YAMLLINT_CONFIG, ...files]);
      assert.equal(r.status, 0, `yamllint:\n${r.stdout}${r.stderr}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('every rendered object is valid against the Kubernetes schemas (kubernetes-models), with no unknown fields', async () => {
    const errors: string[] = [];
    for (const [name, r] of rendered) {
      for (const o of r.objects) for (const e of await schemaErrors(o)) errors.push(`[${name}] ${e}`);
    }
    assert.deepEqual(errors, []);
  });

  test('the schema check catches a wrong type and an unknown field', async () => {
    const svc = variant('default').objects.find((o) => o.kind === 'Service');
    assert.ok(svc);
    const bad = structuredClone(svc);
    const spec = bad.spec as Record<string, unknown>;
    spec.publishNotReadyAddress = true; // typo of publishNotReadyAddresses
    spec.ports = 'https';
    const errs = await schemaErrors(bad);
    assert.ok(
      errs.some((e) => e.includes('unknown field /spec/publishNotReadyAddress')),
      errs.join('\n'),
    );
    assert.ok(
      errs.some((e) => e.includes('spec.ports') || e.includes('/spec/ports')),
      errs.join('\n'),
    );
  });

  test('capabilities, host network, gobgpd API on the unix socket only', () => {
    const cases: Record<string, { managerAdd: string[]; gobgpdAdd: string[] }> = {
      default: { managerAdd: ['NET_RAW'], gobgpdAdd: [] },
      daemonset: { managerAdd: ['NET_RAW'], gobgpdAdd: [] },
      servicemonitor: { managerAdd: ['NET_RAW'], gobgpdAdd: [] },
      dashboard: { managerAdd: ['NET_RAW'], gobgpdAdd: [] },
      netadmin: { managerAdd: ['NET_ADMIN', 'NET_RAW'], gobgpdAdd: [] },
      lowport: { managerAdd: ['NET_RAW'], gobgpdAdd: ['NET_BIND_SERVICE'] },
      nolisten: { managerAdd: ['NET_RAW'], gobgpdAdd: [] },
      ignore: { managerAdd: ['NET_RAW'], gobgpdAdd: [] },
    };
    for (const [name, r] of rendered) {
      const want = cases[name];
      assert.ok(want, `no capability expectation for variant ${name}`);
      assert.deepEqual(containerViolations(r.objects, want), [], `variant ${name}`);
    }
  });

  test('gobgpd is a native sidecar and exposes its BGP port only when it listens', () => {
    for (const [name, r] of rendered) {
      const { podSpec, gobgpd } = podParts(r.objects);
      const inits = (podSpec.initContainers ?? []) as Record<string, unknown>[];
      assert.ok(inits.includes(gobgpd), `${name}: gobgpd must be an init container`);
      assert.equal(gobgpd.restartPolicy, 'Always', `${name}: native sidecar needs restartPolicy Always`);
      const ports = (gobgpd.ports ?? []) as Record<string, unknown>[];
      const want = name === 'lowport' ? 179 : name === 'nolisten' ? undefined : 17900;
      assert.equal(ports[0]?.containerPort, want, `${name}: gobgpd BGP port`);
    }
  });

  test('the policy checks catch a TCP gRPC listener, an extra capability, pprof and an unusable socket', () => {
    const objects = structuredClone(variant('default').objects);
    const { gobgpd, manager } = podParts(objects);
    gobgpd.args = ['gobgpd', '--api-hosts=:50051'];
    (manager.securityContext as { capabilities: { add: string[] } }).capabilities.add.push('SYS_ADMIN');
    delete (podParts(objects).podSpec.securityContext as Record<string, unknown>).supplementalGroups;
    const v = containerViolations(objects, { managerAdd: ['NET_RAW'], gobgpdAdd: [] });
    assert.ok(
      v.some((x) => x.includes('supplementalGroups must include')),
      v.join('\n'),
    );
    assert.ok(
      v.some((x) => x.includes('--api-hosts :50051 is not a unix socket')),
      v.join('\n'),
    );
    assert.ok(
      v.some((x) => x.includes('--pprof-disable missing')),
      v.join('\n'),
    );
    assert.ok(
      v.some((x) => x.includes('manager: capabilities.add')),
      v.join('\n'),
    );
  });

  test('no Secret, certificate, key or cert Job in any variant', () => {
    for (const [name, r] of rendered)
      assert.deepEqual(keyMaterialViolations(r.objects), [], `variant ${name}`);
    const withKey = structuredClone(variant('default').objects);
    const vwc = withKey.find((o) => o.kind === 'ValidatingWebhookConfiguration');
    assert.ok(vwc);
    (
      (vwc.webhooks as Record<string, Record<string, unknown>>[])[0] as {
        clientConfig: Record<string, unknown>;
      }
    ).clientConfig.caBundle = 'LS0tLS1CRUdJTg==';
    assert.equal(keyMaterialViolations(withKey).length, 1);
  });

  test('webhooks: only our CRDs, explicit failurePolicy (Fail by default), through the webhook Service', () => {
    for (const [name, r] of rendered) assert.deepEqual(webhookViolations(r.objects), [], `variant ${name}`);
    const policies = (name: string): unknown[] =>
      variant(name)
        .objects.filter((o) => o.kind === 'ValidatingWebhookConfiguration')
        .flatMap((o) => (o.webhooks as Record<string, unknown>[]).map((w) => w.failurePolicy));
    assert.deepEqual(policies('default'), ['Fail', 'Fail', 'Fail']);
    assert.deepEqual(policies('ignore'), ['Ignore', 'Ignore', 'Ignore']);
    const core = structuredClone(variant('default').objects);
    const vwc = core.find((o) => o.kind === 'ValidatingWebhookConfiguration');
    assert.ok(vwc);
    ((vwc.webhooks as { rules: Record<string, unknown>[] }[])[0]?.rules[0] ?? {}).apiGroups = [''];
    assert.ok(webhookViolations(core).some((x) => x.includes('may only match network.kubesphere.io')));
  });

  test('RBAC grants exactly the expected verbs', () => {
    for (const [name, r] of rendered) assert.deepEqual(rbacViolations(r.objects), [], `variant ${name}`);
    const wider = structuredClone(variant('default').objects);
    const cr = wider.find((o) => o.kind === 'ClusterRole');
    assert.ok(cr);
    (cr.rules as unknown[]).push({ apiGroups: [''], resources: ['secrets'], verbs: ['list'] });
    const v = rbacViolations(wider);
    assert.ok(
      v.some((x) => x.includes('grants more than expected: /secrets:list')),
      v.join('\n'),
    );
    assert.ok(
      v.some((x) => x.includes('Secrets must only be granted')),
      v.join('\n'),
    );
  });

  test('workload shape: Deployment (2 replicas, distinct nodes, maxSurge 0, PDB) and DaemonSet', () => {
    for (const [name, r] of rendered) {
      assert.deepEqual(
        workloadViolations(r.objects, name === 'daemonset' ? 'DaemonSet' : 'Deployment'),
        [],
        `variant ${name}`,
      );
    }
  });

  test('the ServiceMonitor selects the metrics Service, which targets the health port', () => {
    const objects = variant('servicemonitor').objects;
    const sm = objects.find((o) => o.kind === 'ServiceMonitor');
    const svc = objects.find((o) => o.kind === 'Service' && o.metadata.name === 'openelb-metrics');
    assert.ok(sm && svc);
    const sel = (sm.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels;
    for (const [k, v] of Object.entries(sel))
      assert.equal(svc.metadata.labels?.[k], v, `ServiceMonitor selector ${k}`);
    const port = (svc.spec as { ports: Record<string, unknown>[] }).ports[0];
    assert.equal(port?.targetPort, 'health');
    assert.equal((sm.spec as { endpoints: Record<string, unknown>[] }).endpoints[0]?.port, port?.name);
    assert.equal((svc.spec as Record<string, unknown>).clusterIP, 'None');
  });

  test("dashboard.enabled ships the generated dashboard in a ConfigMap Grafana's sidecar picks up", () => {
    const cm = variant('dashboard').objects.find((o) => o.kind === 'ConfigMap');
    assert.ok(cm, 'no ConfigMap with dashboard.enabled=true');
    assert.equal(cm.metadata.name, 'openelb-dashboard');
    assert.equal(cm.metadata.labels?.grafana_dashboard, '1');
    const body = (cm.data as Record<string, string>)['openelb.json'];
    assert.equal(body, readFileSync(join(CHART, 'dashboards/openelb.json'), 'utf8').trimEnd());
    assert.equal((JSON.parse(body ?? '') as { uid: string }).uid, 'openelb-ts');
    const custom = parseObjects(
      helmTemplate(helm ?? 'helm', [
        'dashboard.enabled=true',
        'dashboard.namespace=monitoring',
        'dashboard.label=team_dashboard',
        'dashboard.annotations.grafana_folder=Network',
      ]),
      'helm template (dashboard options)',
    ).find((o) => o.kind === 'ConfigMap');
    assert.equal(custom?.metadata.namespace, 'monitoring');
    assert.equal(custom?.metadata.labels?.team_dashboard, '1');
    assert.equal(custom?.metadata.annotations?.grafana_folder, 'Network');
    assert.equal(
      variant('default').objects.find((o) => o.kind === 'ConfigMap'),
      undefined,
      'the dashboard is opt-in',
    );
  });

  test('values the chart must refuse', () => {
    const refuse = (set: string[], extra: string[], why: RegExp): void => {
      assert.throws(() => helmTemplate(helm, set, extra), why, `--set ${set.join(' ')} ${extra.join(' ')}`);
    };
    refuse(['gobgpd.extraArgs={--api-hosts=:50051}'], [], /--api-hosts is set by the chart/);
    refuse(['gobgpd.extraArgs={--pprof-host=0.0.0.0:6060}'], [], /--pprof-host is set by the chart/);
    refuse(['mode=StatefulSet'], [], /mode must be one of/);
    refuse(['image.tag=latest'], [], /image\.tag/);
    refuse(['webhook.failurePolicy=Maybe'], [], /failurePolicy/);
    refuse(['gobgpd.listenPort=0'], [], /listenPort/);
    refuse(['managr.logLevel=debug'], [], /managr/);
    refuse(['manager.extraArgs={--bgp-drain=10s}'], [], /--bgp-drain is set by the chart/);
    refuse(['manager.extraArgs={--shutdown-timeout=9s}'], [], /--shutdown-timeout is set by the chart/);
    refuse(
      ['manager.extraArgs={--announced-writes-per-second=5}'],
      [],
      /--announced-writes-per-second is set by the chart: .*manager\.announcedWritesPerSecond/,
    );
    refuse(['manager.announcedWritesPerSecond=-1'], [], /announcedWritesPerSecond/);
    // 24 + 1 s exceeds the 25 s --shutdown-timeout a 30 s grace period gives
    refuse(['manager.bgpGracefulShutdownSeconds=20', 'manager.bgpDrainSeconds=5'], [], /= 31/);
    refuse(
      ['manager.bgpGracefulShutdownSeconds=20', 'manager.bgpDrainSeconds=6'],
      [],
      /terminationGracePeriodSeconds \(30\) must be at least .* = 32/,
    );
    refuse(['manager.bgpGracefulShutdownSeconds=-1'], [], /bgpGracefulShutdownSeconds/);
    // The CRDs name the webhook Service's namespace, so any other namespace would break conversion.
    const r = run(helm, ['template', 'openelb', CHART, '--namespace', 'default']);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /must be installed into the namespace openelb-system/);
  });

  test('raised drain values render flags the manager accepts (--shutdown-timeout from the grace period)', () => {
    const cases: { set: string[]; gracefulMs: number; drainMs: number; timeoutMs: number }[] = [
      { set: [], gracefulMs: 5_000, drainMs: 3_000, timeoutMs: 25_000 },
      // both raised as far as the default 30 s grace period allows
      {
        set: ['manager.bgpGracefulShutdownSeconds=15', 'manager.bgpDrainSeconds=9'],
        gracefulMs: 15_000,
        drainMs: 9_000,
        timeoutMs: 25_000,
      },
      // raised past it, with the grace period
      {
        set: [
          'manager.bgpGracefulShutdownSeconds=30',
          'manager.bgpDrainSeconds=20',
          'terminationGracePeriodSeconds=60',
        ],
        gracefulMs: 30_000,
        drainMs: 20_000,
        timeoutMs: 55_000,
      },
    ];
    for (const c of cases) {
      const { manager } = podParts(
        parseObjects(helmTemplate(helm, c.set), `helm template --set ${c.set.join(',')}`),
      );
      const args = (manager.args ?? []) as string[];
      const env = { NODE_NAME: 'n1', POD_NAME: 'p1', POD_NAMESPACE: NAMESPACE };
      // a refusal throws ConfigError, naming the flags
      const r = parseConfig(args, env);
      assert.equal(r.kind, 'config', `--set ${c.set.join(',')}: ${args.join(' ')}`);
      if (r.kind !== 'config') continue;
      assert.equal(r.config.bgpGracefulShutdownMs, c.gracefulMs);
      assert.equal(r.config.bgpDrainMs, c.drainMs);
      assert.equal(r.config.shutdownTimeoutMs, c.timeoutMs);
    }
  });

  test('manager flags and environment match src/config.ts', async () => {
    const configPath = join(ROOT, 'src/config.ts');
    const { FLAGS } = (await import(configPath)) as { FLAGS: readonly { flag: string; env: string }[] };
    const known = new Set(FLAGS.map((f) => `--${f.flag}`));
    const knownEnv = new Set(FLAGS.map((f) => f.env));
    const { manager } = podParts(variant('default').objects);
    const unknown = [...flags(manager).keys()].filter((f) => !known.has(f));
    assert.deepEqual(
      unknown,
      [],
      `the chart passes flags src/config.ts does not define: ${unknown.join(', ')}`,
    );
    const env = ((manager.env ?? []) as { name: string }[])
      .map((e) => e.name)
      .filter((n) => !knownEnv.has(n));
    assert.deepEqual(
      env,
      [],
      `the chart sets environment variables src/config.ts does not read: ${env.join(', ')}`,
    );
  });

  test('values.yaml documents DaemonSet mode and parses', () => {
    const text = readFileSync(join(CHART, 'values.yaml'), 'utf8');
    assert.match(text, /externalTrafficPolicy: Local/);
    assert.match(text, /ECMP/);
    const values = yaml.load(text) as Record<string, unknown>;
    assert.equal(values.mode, 'Deployment');
    assert.equal(values.replicas, 2);
  });
});
