// deploy/openelb.yaml, the one-file install: up to date with the chart and deploy/crds/, and shaped
// so that `kubectl apply -f` creates the namespace and CRDs before anything that needs them.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import {
  CHART,
  MANIFEST,
  NAMESPACE,
  objectName,
  parseObjects,
  requireHelm,
  requireYamllint,
  ROOT,
  run,
  YAMLLINT_CONFIG,
} from './render.ts';
import { schemaErrors } from './validate.ts';
import { keyMaterialViolations, rbacViolations, webhookViolations, workloadViolations } from './policy.ts';

describe('deploy/openelb.yaml', () => {
  const objects = parseObjects(readFileSync(MANIFEST, 'utf8'), 'deploy/openelb.yaml');

  test('is not stale: scripts/render-manifest.sh --check', () => {
    requireHelm(); // the script renders the chart with it
    const r = run('bash', [join(ROOT, 'scripts/render-manifest.sh'), '--check'], { timeoutMs: 120_000 });
    assert.equal(r.status, 0, `${r.stderr}${r.stdout}\nRegenerate with: npm run render:manifest`);
  });

  test('the chart ships exactly the CRDs of deploy/crds/', () => {
    const src = readdirSync(join(ROOT, 'deploy/crds'))
      .filter((f) => f.endsWith('.yaml'))
      .sort();
    const copy = readdirSync(join(CHART, 'crds'))
      .filter((f) => f.endsWith('.yaml'))
      .sort();
    assert.deepEqual(copy, src, 'run npm run render:manifest');
    for (const f of src) {
      const same =
        readFileSync(join(CHART, 'crds', f), 'utf8') === readFileSync(join(ROOT, 'deploy/crds', f), 'utf8');
      assert.ok(
        same,
        `deploy/charts/openelb/crds/${f} differs from deploy/crds/${f}; run npm run render:manifest`,
      );
    }
  });

  test('starts with the privileged namespace, then the three CRDs', () => {
    const [ns, ...rest] = objects;
    assert.equal(ns?.kind, 'Namespace');
    assert.equal(ns?.metadata.name, NAMESPACE);
    assert.equal(ns?.metadata.labels?.['pod-security.kubernetes.io/enforce'], 'privileged');
    const crds = rest.slice(0, 3);
    assert.deepEqual(
      crds.map((o) => o.kind),
      ['CustomResourceDefinition', 'CustomResourceDefinition', 'CustomResourceDefinition'],
    );
    assert.deepEqual(
      crds.map((o) => o.metadata.name).sort(),
      ['bgpconfs', 'bgppeers', 'eips'].map((p) => `${p}.network.kubesphere.io`),
    );
    assert.ok(rest.slice(3).every((o) => o.kind !== 'CustomResourceDefinition' && o.kind !== 'Namespace'));
  });

  test('every object is schema-valid and passes the chart policy', async () => {
    const errors: string[] = [];
    for (const o of objects) errors.push(...(await schemaErrors(o)));
    assert.deepEqual(errors, []);
    assert.deepEqual(keyMaterialViolations(objects), []);
    assert.deepEqual(webhookViolations(objects), []);
    assert.deepEqual(rbacViolations(objects), []);
    assert.deepEqual(workloadViolations(objects, 'Deployment'), []);
  });

  test('names are unique per kind and namespace', () => {
    const seen = new Set<string>();
    for (const o of objects) {
      const key = `${o.apiVersion}/${objectName(o)}`;
      assert.ok(!seen.has(key), `${key} twice`);
      seen.add(key);
    }
  });

  test('passes yamllint', () => {
    const r = run(requireYamllint(), ['-f', 'parsable', '-c', YAMLLINT_CONFIG, MANIFEST]);
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });

  test('Chart appVersion, package.json version and image tags agree', () => {
    const chart = yaml.load(readFileSync(join(CHART, 'Chart.yaml'), 'utf8')) as { appVersion: string };
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    assert.equal(chart.appVersion, pkg.version);
    const images = [...readFileSync(MANIFEST, 'utf8').matchAll(/image: (\S+)/g)].map((m) => m[1]);
    assert.equal(images.length, 2);
    for (const i of images) assert.ok(i?.endsWith(`:${pkg.version}`), `${i} should be tagged ${pkg.version}`);
  });
});
