// Patch engines: merge, JSON (RFC 6902), strategic merge with merge keys, 415s, preconditions.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { startKubeDouble, type KubeDouble } from './double.ts';
import { arr, at, EIPS, eip, FIXTURE_CRDS, raw, type Obj } from './fixtures/helpers.ts';

const SMP = { 'Content-Type': 'application/strategic-merge-patch+json' };
const MERGE = { 'Content-Type': 'application/merge-patch+json' };
const JSONP = { 'Content-Type': 'application/json-patch+json' };
const DEPLOY = '/apis/apps/v1/namespaces/default/deployments';

describe('kube double: patch', () => {
  let d: KubeDouble;
  before(async () => {
    d = await startKubeDouble({ crdDirs: [FIXTURE_CRDS] });
    await raw(d.url, 'POST', EIPS, eip('p'));
  });
  after(() => d.close());

  it('merge patch through client-node; null deletes', async () => {
    const api = d.kubeConfig().makeApiClient(CustomObjectsApi);
    const opts = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
    const out = (await api.patchClusterCustomObject(
      {
        group: 'network.kubesphere.io',
        version: 'v1alpha2',
        plural: 'eips',
        name: 'p',
        body: { spec: { interface: 'eth0' }, metadata: { labels: { a: '1' } } },
      },
      opts,
    )) as Obj;
    assert.equal(at(out, 'spec.interface'), 'eth0');
    const cleared = await raw(d.url, 'PATCH', `${EIPS}/p`, { spec: { interface: null } }, MERGE);
    assert.equal((cleared.body.spec as Record<string, unknown>).interface, undefined);
  });

  it('JSON patch including test; object body is 400; failed test is 422', async () => {
    const ok = await raw(
      d.url,
      'PATCH',
      `${EIPS}/p`,
      [
        { op: 'test', path: '/spec/priority', value: 0 },
        { op: 'replace', path: '/spec/priority', value: 2 },
      ],
      JSONP,
    );
    assert.equal(ok.status, 200);
    assert.equal((ok.body.spec as Record<string, unknown>).priority, 2);
    const bad = await raw(d.url, 'PATCH', `${EIPS}/p`, { spec: {} }, JSONP);
    assert.equal(bad.status, 400);
    assert.equal(bad.body.message, 'json: cannot unmarshal object into Go value of type jsonpatch.Patch');
    const failed = await raw(
      d.url,
      'PATCH',
      `${EIPS}/p`,
      [{ op: 'test', path: '/spec/priority', value: 99 }],
      JSONP,
    );
    assert.equal(failed.status, 422);
  });

  it('JSON patch replace of a key an object lacks sets it (json-patch v4, as the apiserver applies it)', async () => {
    const set = await raw(
      d.url,
      'PATCH',
      `${EIPS}/p`,
      [
        { op: 'replace', path: '/metadata/annotations', value: {} },
        { op: 'replace', path: '/metadata/annotations/k', value: 'v' },
      ],
      JSONP,
    );
    assert.equal(set.status, 200, JSON.stringify(set.body));
    assert.equal(at(set.body, 'metadata.annotations.k'), 'v');
    const missingParent = await raw(
      d.url,
      'PATCH',
      `${EIPS}/p`,
      [{ op: 'replace', path: '/spec/nothing/here', value: 1 }],
      JSONP,
    );
    assert.equal(missingParent.status, 422);
  });

  it('415 for strategic merge on custom resources, with the exact message; apply is served', async () => {
    const r = await raw(d.url, 'PATCH', `${EIPS}/p`, { spec: {} }, SMP);
    assert.equal(r.status, 415);
    assert.equal(r.body.reason, 'UnsupportedMediaType');
    assert.equal(
      r.body.message,
      'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml',
    );
    const apply = await raw(
      d.url,
      'PATCH',
      `${EIPS}/p?fieldManager=x&force=true`,
      { apiVersion: 'network.kubesphere.io/v1alpha2', kind: 'Eip', metadata: { name: 'p' } },
      { 'Content-Type': 'application/apply-patch+yaml' },
    );
    assert.equal(apply.status, 200);
  });

  it('metadata.resourceVersion in a patch is a precondition', async () => {
    const cur = await raw(d.url, 'GET', `${EIPS}/p`);
    const rv = String((cur.body.metadata as Record<string, unknown>).resourceVersion);
    const ok = await raw(
      d.url,
      'PATCH',
      `${EIPS}/p`,
      { metadata: { resourceVersion: rv }, spec: { priority: 3 } },
      MERGE,
    );
    assert.equal(ok.status, 200);
    const stale = await raw(
      d.url,
      'PATCH',
      `${EIPS}/p`,
      { metadata: { resourceVersion: rv }, spec: { priority: 4 } },
      MERGE,
    );
    assert.equal(stale.status, 409);
    assert.equal(stale.body.reason, 'Conflict');
  });

  it('strategic merge: containers by name, ports by containerPort, $patch delete, Service ports by port', async () => {
    const dep = {
      metadata: { name: 'web' },
      spec: {
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: {
            containers: [
              { name: 'a', image: 'a:1', ports: [{ containerPort: 80 }] },
              { name: 'b', image: 'b:1' },
            ],
          },
        },
      },
    };
    assert.equal((await raw(d.url, 'POST', DEPLOY, dep)).status, 201);
    const r = await raw(
      d.url,
      'PATCH',
      `${DEPLOY}/web`,
      {
        spec: {
          template: {
            spec: {
              containers: [
                { name: 'a', image: 'a:2', ports: [{ containerPort: 443 }] },
                { name: 'b', $patch: 'delete' },
                { name: 'c', image: 'c:1' },
              ],
            },
          },
        },
      },
      SMP,
    );
    assert.equal(r.status, 200);
    const containers = arr(r.body, 'spec.template.spec.containers');
    assert.deepEqual(
      containers.map((c) => `${String(c.name)}=${String(c.image)}`),
      ['a=a:2', 'c=c:1'],
    );
    assert.deepEqual(
      arr(containers[0], 'ports').map((p) => p.containerPort),
      [80, 443],
    );
    assert.equal(at(r.body, 'metadata.generation'), 2);
    const core = d.kubeConfig().makeApiClient(CoreV1Api);
    await core.createNamespacedService({
      namespace: 'default',
      body: {
        metadata: { name: 's' },
        spec: {
          ports: [
            { port: 80, name: 'http' },
            { port: 443, name: 'https' },
          ],
        },
      },
    });
    const s = await core.patchNamespacedService(
      { namespace: 'default', name: 's', body: { spec: { ports: [{ port: 443, name: 'tls' }] } } },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    assert.deepEqual(
      s.spec?.ports?.map((p) => `${p.port}/${p.name}`),
      ['80/http', '443/tls'],
    );
    const fin = await raw(
      d.url,
      'PATCH',
      '/api/v1/namespaces/default/services/s',
      { metadata: { finalizers: ['x/y'] } },
      SMP,
    );
    const fin2 = await raw(
      d.url,
      'PATCH',
      '/api/v1/namespaces/default/services/s',
      { metadata: { finalizers: ['z/w'] } },
      SMP,
    );
    assert.equal(fin.status, 200);
    assert.deepEqual(at(fin2.body, 'metadata.finalizers'), ['x/y', 'z/w']);
  });

  it('unknown patch content type is 415', async () => {
    const r = await raw(d.url, 'PATCH', `${EIPS}/p`, '{}', { 'Content-Type': 'text/plain' });
    assert.equal(r.status, 415);
  });
});
