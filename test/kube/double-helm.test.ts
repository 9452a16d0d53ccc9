// Helm against the double: `helm install`/`upgrade` as the README runs them (the helm here is 3.17:
// client-side), and a Helm 4-style install. Helm 4 installs and upgrades with server-side apply under
// the field manager "helm", without forcing conflicts unless told to (--force-conflicts). The helm here
// (scripts/install-tools.sh) is 3.17, which cannot apply server-side, so the test does what Helm 4 does:
// render the chart with its CRDs, stamp Helm's ownership annotations, and apply server-side as "helm".
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { startKubeDouble, type KubeDouble } from './double.ts';
import { kubectlRunner, type KubectlRunner, type Run } from './fixtures/kubectl-run.ts';
import { raw, type Obj } from './fixtures/helpers.ts';
import { CHART, findHelm, helmTemplate, NAMESPACE } from '../deploy/render.ts';

const helm = findHelm();
const DEPLOYMENT = `/apis/apps/v1/namespaces/${NAMESPACE}/deployments/openelb-manager`;

type Entry = { manager: string; operation: string; fieldsV1: Obj };
const managed = (o: Obj): Entry[] => (o.metadata as { managedFields?: Entry[] }).managedFields ?? [];
const replicas = (o: Obj): unknown => (o.spec as Obj).replicas;

/** The chart as Helm 4 sends it: CRDs included, every object carrying the release's ownership marks. */
function rendered(dir: string, set: string[]): string {
  if (!helm) throw new Error('helm not found');
  const docs = yaml.loadAll(helmTemplate(helm, set, ['--include-crds'])).filter(Boolean) as Obj[];
  for (const d of docs) {
    const meta = d.metadata as Obj;
    meta.annotations = {
      ...(meta.annotations as Obj | undefined),
      'meta.helm.sh/release-name': 'openelb',
      'meta.helm.sh/release-namespace': NAMESPACE,
    };
  }
  const file = join(dir, `release-${set.join('_') || 'default'}.yaml`);
  writeFileSync(file, docs.map((d) => yaml.dump(d)).join('---\n'));
  return file;
}

describe('kube double: Helm 4-style server-side install (field manager "helm")', { skip: !helm }, () => {
  let d: KubeDouble;
  let dir: string;
  let k: KubectlRunner;
  const helmApply = (set: string[], ...extra: string[]): Promise<Run> =>
    k.kubectl(
      'apply',
      '--server-side',
      '--field-manager=helm',
      '-n',
      NAMESPACE,
      ...extra,
      '-f',
      rendered(dir, set),
    );

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kube-double-helm-'));
    d = await startKubeDouble({ crdDirs: [] });
    k = kubectlRunner(() => ({ kubeconfig: d.kubeconfigPath, dir }));
    // helm install --create-namespace
    const ns = await k.kubectl('create', 'namespace', NAMESPACE);
    assert.equal(ns.code, 0, ns.stderr);
  });
  after(() => d.close());

  it('install: every object applied, owned by "helm" (Apply); the same release again writes nothing', async () => {
    const first = await helmApply([]);
    assert.equal(first.code, 0, first.stderr);
    assert.match(
      first.stdout,
      /customresourcedefinition\.apiextensions\.k8s\.io\/eips\.network\.kubesphere\.io serverside-applied/,
    );
    assert.match(first.stdout, /deployment\.apps\/openelb-manager serverside-applied/);
    assert.match(
      first.stdout,
      /validatingwebhookconfiguration\.admissionregistration\.k8s\.io\/openelb-admission serverside-applied/,
    );
    const dep = await raw(d.url, 'GET', DEPLOYMENT);
    assert.equal(replicas(dep.body), 2);
    const owner = managed(dep.body).find((e) => e.manager === 'helm');
    assert.equal(owner?.operation, 'Apply');
    assert.match(JSON.stringify(owner?.fieldsV1), /"f:replicas"/);
    assert.match(JSON.stringify(owner?.fieldsV1), /"f:meta\.helm\.sh\/release-name"/);
    const rv = d.resourceVersion();
    const again = await helmApply([]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(d.resourceVersion(), rv, 'an unchanged release writes no object');
  });

  it('upgrade with a changed value moves only that field; helm still owns it', async () => {
    const rv = d.resourceVersion();
    const up = await helmApply(['replicas=3']);
    assert.equal(up.code, 0, up.stderr);
    const dep = await raw(d.url, 'GET', DEPLOYMENT);
    assert.equal(replicas(dep.body), 3);
    assert.equal(d.resourceVersion(), rv + 1, 'one object changed: the Deployment');
    assert.deepEqual(
      managed(dep.body).map((e) => `${e.manager}/${e.operation}`),
      ['helm/Apply'],
    );
  });

  it('a field another manager changed: the next upgrade conflicts naming field and manager; --force-conflicts takes it back', async () => {
    const edit = await k.kubectl(
      'patch',
      'deployment',
      'openelb-manager',
      '-n',
      NAMESPACE,
      '--type=merge',
      '-p',
      '{"spec":{"replicas":5}}',
    );
    assert.equal(edit.code, 0, edit.stderr);
    const rv = d.resourceVersion();
    const refused = await helmApply(['replicas=3']);
    assert.notEqual(refused.code, 0);
    assert.match(
      refused.stderr,
      /Apply failed with 1 conflict: conflict with "kubectl-patch" using apps\/v1: \.spec\.replicas/,
    );
    assert.equal(d.resourceVersion(), rv, 'a refused apply writes nothing');
    assert.equal(replicas((await raw(d.url, 'GET', DEPLOYMENT)).body), 5);
    const forced = await helmApply(['replicas=3'], '--force-conflicts');
    assert.equal(forced.code, 0, forced.stderr);
    const dep = await raw(d.url, 'GET', DEPLOYMENT);
    assert.equal(replicas(dep.body), 3);
    const patcher = managed(dep.body).find((e) => e.manager === 'kubectl-patch');
    assert.ok(
      !JSON.stringify(patcher?.fieldsV1 ?? {}).includes('f:replicas'),
      'the forced field left kubectl-patch',
    );
    assert.match(
      JSON.stringify(managed(dep.body).find((e) => e.manager === 'helm')?.fieldsV1),
      /"f:replicas"/,
    );
  });
});

describe('kube double: helm install / upgrade as the README runs them', { skip: !helm }, () => {
  let d: KubeDouble;
  let dir: string;
  // async: the double serves from this process
  const run = (...args: string[]): Promise<Run> =>
    new Promise((res) => {
      execFile(
        helm ?? 'helm',
        args,
        { env: { ...process.env, KUBECONFIG: d.kubeconfigPath, HOME: dir }, timeout: 120_000 },
        (err, stdout, stderr) => res({ code: err ? 1 : 0, stdout, stderr }),
      );
    });
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kube-double-helm3-'));
    d = await startKubeDouble({ crdDirs: [] });
  });
  after(() => d.close());

  it('installs with --create-namespace, upgrades a value, and records both revisions', async () => {
    const install = await run('install', 'openelb', CHART, '-n', NAMESPACE, '--create-namespace');
    assert.equal(install.code, 0, install.stderr);
    assert.equal(replicas((await raw(d.url, 'GET', DEPLOYMENT)).body), 2);
    const upgrade = await run('upgrade', 'openelb', CHART, '-n', NAMESPACE, '--set', 'replicas=3');
    assert.equal(upgrade.code, 0, upgrade.stderr);
    assert.equal(replicas((await raw(d.url, 'GET', DEPLOYMENT)).body), 3);
    const list = await run('list', '-n', NAMESPACE, '-o', 'json');
    assert.deepEqual(
      (JSON.parse(list.stdout) as { name: string; revision: string; status: string }[]).map(
        (r) => `${r.name} ${r.revision} ${r.status}`,
      ),
      ['openelb 2 deployed'],
    );
  });
});
