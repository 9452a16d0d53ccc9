// Server-side apply against the double with the real kubectl: the one-file install applies,
// re-applies without a single write, and a second field manager gets a conflict naming the field
// unless it forces; managedFields record every manager, Apply and Update alike.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startKubeDouble, type KubeDouble } from './double.ts';
import { kubectlRunner, type KubectlRunner } from './fixtures/kubectl-run.ts';
import { EIPS, raw, type Obj } from './fixtures/helpers.ts';

const MANIFEST = resolve(import.meta.dirname, '../../deploy/openelb.yaml');
const APPLY = { 'Content-Type': 'application/apply-patch+yaml' };

type Entry = { manager: string; operation: string; fieldsV1: Obj; subresource?: string };
const managed = (o: Obj): Entry[] => (o.metadata as { managedFields?: Entry[] }).managedFields ?? [];

describe('kube double: server-side apply', () => {
  let d: KubeDouble;
  let dir: string;
  let k: KubectlRunner;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kube-double-ssa-'));
    d = await startKubeDouble({ crdDirs: [] });
    k = kubectlRunner(() => ({ kubeconfig: d.kubeconfigPath, dir }));
  });
  after(() => d.close());

  it('kubectl apply --server-side -f deploy/openelb.yaml applies; a second run writes nothing', async () => {
    const first = await k.kubectl('apply', '--server-side', '-f', MANIFEST);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /deployment\.apps\/openelb-manager serverside-applied/);
    assert.match(
      first.stdout,
      /customresourcedefinition\.apiextensions\.k8s\.io\/eips\.network\.kubesphere\.io serverside-applied/,
    );
    const rv = d.resourceVersion();
    const again = await k.kubectl('apply', '--server-side', '-f', MANIFEST);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(d.resourceVersion(), rv, 'unchanged: no object was written');
    const svc = await raw(d.url, 'GET', '/api/v1/namespaces/openelb-system/services/openelb-webhook');
    const entry = managed(svc.body).find((e) => e.manager === 'kubectl');
    assert.equal(entry?.operation, 'Apply');
    assert.ok(
      JSON.stringify(entry?.fieldsV1).includes('"k:{\\"port\\":443,\\"protocol\\":\\"TCP\\"}"'),
      JSON.stringify(entry?.fieldsV1),
    );
  });

  it('another field manager changing a field gets a conflict naming it; --force-conflicts takes it over', async () => {
    const f = join(dir, 'conflict.yaml');
    writeFileSync(
      f,
      'apiVersion: v1\nkind: Service\nmetadata:\n  name: openelb-webhook\n  namespace: openelb-system\nspec:\n  publishNotReadyAddresses: false\n  ports:\n  - name: https\n    port: 443\n    targetPort: webhook\n',
    );
    const r = await k.kubectl('apply', '--server-side', '--field-manager=other', '-f', f);
    assert.notEqual(r.code, 0);
    assert.match(
      r.stderr,
      /Apply failed with 1 conflict: conflict with "kubectl": \.spec\.publishNotReadyAddresses/,
    );
    const forced = await k.kubectl(
      'apply',
      '--server-side',
      '--field-manager=other',
      '--force-conflicts',
      '-f',
      f,
    );
    assert.equal(forced.code, 0, forced.stderr);
    const svc = await raw(d.url, 'GET', '/api/v1/namespaces/openelb-system/services/openelb-webhook');
    assert.equal((svc.body.spec as Obj).publishNotReadyAddresses, false);
    const byManager = Object.fromEntries(
      managed(svc.body).map((e) => [e.manager, JSON.stringify(e.fieldsV1)]),
    );
    assert.match(byManager.other ?? '', /f:publishNotReadyAddresses/);
    assert.doesNotMatch(
      byManager.kubectl ?? '',
      /f:publishNotReadyAddresses/,
      'the forced field left its old manager',
    );
    assert.equal(
      (svc.body.spec as { ports: unknown[] }).ports.length,
      1,
      'the port item merged by its key (port, protocol)',
    );
  });

  it('the 409 body: reason Conflict, one FieldManagerConflict cause per field', async () => {
    // the install's Eip webhook has no manager behind it here
    await raw(
      d.url,
      'DELETE',
      '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/openelb-admission',
    );
    await raw(
      d.url,
      'PATCH',
      `${EIPS}/pool?fieldManager=ctrl-a`,
      {
        apiVersion: 'network.kubesphere.io/v1alpha2',
        kind: 'Eip',
        metadata: { name: 'pool' },
        spec: { address: '10.0.0.1-10.0.0.9' },
      },
      APPLY,
    );
    const c = await raw(
      d.url,
      'PATCH',
      `${EIPS}/pool?fieldManager=ctrl-b`,
      {
        apiVersion: 'network.kubesphere.io/v1alpha2',
        kind: 'Eip',
        metadata: { name: 'pool' },
        spec: { address: '10.0.0.1-10.0.0.5' },
      },
      APPLY,
    );
    assert.equal(c.status, 409);
    assert.equal(c.body.reason, 'Conflict');
    assert.equal(c.body.message, 'Apply failed with 1 conflict: conflict with "ctrl-a": .spec.address');
    assert.deepEqual((c.body.details as { causes: unknown[] }).causes, [
      { reason: 'FieldManagerConflict', message: 'conflict with "ctrl-a"', field: '.spec.address' },
    ]);
    const same = await raw(
      d.url,
      'PATCH',
      `${EIPS}/pool?fieldManager=ctrl-b`,
      {
        apiVersion: 'network.kubesphere.io/v1alpha2',
        kind: 'Eip',
        metadata: { name: 'pool' },
        spec: { address: '10.0.0.1-10.0.0.9' },
      },
      APPLY,
    );
    assert.equal(same.status, 200, 'applying the same value co-owns the field');
    const missing = await raw(d.url, 'PATCH', `${EIPS}/pool`, { spec: {} }, APPLY);
    assert.equal(missing.status, 422, 'apply needs a fieldManager');
  });

  it('Update writes are tracked per manager; a field an applier stops sending goes when no one else owns it', async () => {
    await raw(
      d.url,
      'PATCH',
      `${EIPS}/pool?fieldManager=ctrl-a`,
      {
        apiVersion: 'network.kubesphere.io/v1alpha2',
        kind: 'Eip',
        metadata: { name: 'pool', labels: { a: '1', b: '2' } },
        spec: { address: '10.0.0.1-10.0.0.9' },
      },
      APPLY,
    );
    const patched = await raw(
      d.url,
      'PATCH',
      `${EIPS}/pool?fieldManager=editor`,
      { metadata: { annotations: { note: 'x' } } },
      { 'Content-Type': 'application/merge-patch+json' },
    );
    const editor = managed(patched.body).find((e) => e.manager === 'editor');
    assert.equal(editor?.operation, 'Update');
    assert.deepEqual(editor?.fieldsV1, { 'f:metadata': { 'f:annotations': { 'f:note': {} } } });
    const dropped = await raw(
      d.url,
      'PATCH',
      `${EIPS}/pool?fieldManager=ctrl-a`,
      {
        apiVersion: 'network.kubesphere.io/v1alpha2',
        kind: 'Eip',
        metadata: { name: 'pool', labels: { a: '1' } },
        spec: { address: '10.0.0.1-10.0.0.9' },
      },
      APPLY,
    );
    assert.deepEqual((dropped.body.metadata as Obj).labels, { a: '1' });
    assert.deepEqual(
      (dropped.body.metadata as Obj).annotations,
      { note: 'x' },
      "another manager's field stays",
    );
    const status = await raw(
      d.url,
      'PATCH',
      `${EIPS}/pool/status?fieldManager=allocator`,
      { status: { usage: 1 } },
      { 'Content-Type': 'application/merge-patch+json' },
    );
    assert.ok(managed(status.body).some((e) => e.manager === 'allocator' && e.subresource === 'status'));
  });

  it('onto CRDs installed earlier by another manager with the same content: applied, no conflict (co-owned)', async () => {
    const pre = await startKubeDouble(); // the default: deploy/crds installed at start-up
    const preDir = mkdtempSync(join(tmpdir(), 'kube-double-ssa-pre-'));
    try {
      const kk = kubectlRunner(() => ({ kubeconfig: pre.kubeconfigPath, dir: preDir }));
      const crd = await raw(
        pre.url,
        'GET',
        '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/eips.network.kubesphere.io',
      );
      const cols = ((crd.body.spec as Obj).versions as Obj[]).flatMap(
        (v) => (v.additionalPrinterColumns as Obj[]) ?? [],
      );
      assert.ok(
        cols.length > 0 && cols.every((c) => c.priority !== 0),
        `no priority: 0 (a real server omits it): ${JSON.stringify(cols)}`,
      );
      assert.deepEqual(
        managed(crd.body).map((e) => e.manager),
        ['kube-double-bootstrap'],
      );
      const r = await kk.kubectl('apply', '--server-side', '-f', MANIFEST);
      assert.equal(r.code, 0, r.stderr);
      const after = await raw(
        pre.url,
        'GET',
        '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/eips.network.kubesphere.io',
      );
      assert.deepEqual(
        managed(after.body)
          .map((e) => `${e.manager}/${e.operation}`)
          .sort(),
        ['kube-double-bootstrap/Update', 'kubectl/Apply'],
      );
    } finally {
      await pre.close();
    }
  });
});
