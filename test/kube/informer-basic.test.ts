// Informer behaviour without faults: initial sync, handlers, one object shape for list and watch,
// selectors, and a quiet stop().
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { startKubeDouble, type KubeDouble } from './double.ts';
import { Informer, type InformerEvent } from '../../src/kube/informer.ts';
import { KubeClient } from '../../src/kube/client.ts';
import { countActivity } from './fixtures/informer-activity.ts';
import { Resources } from '../../src/kube/resources.ts';
import type { Eip } from '../../src/api/v1alpha2.ts';
import type { Lease, Node, Service } from '../../src/kube/types.ts';
import { createCaches } from '../../src/kube/caches.ts';

const CRD_DIR = fileURLToPath(new URL('../../deploy/crds', import.meta.url));
const OPTS = { backoff: { initialMs: 100, maxMs: 500 }, stallTimeoutMs: 3000 };

async function until(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = performance.now() + ms;
  while (!cond()) {
    if (performance.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('informer basics', () => {
  let dbl: KubeDouble;
  let client: KubeClient;
  before(async () => {
    dbl = await startKubeDouble({ crdDirs: [CRD_DIR], bookmarkIntervalMs: 500 });
    client = new KubeClient(dbl.kubeConfig(), { fieldManager: 'informer-basic' });
    await client.create(Resources.Namespace, {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'basic' },
    });
  });
  after(async () => {
    await dbl?.close();
  });

  test('initial list fires ADD for each object before synced(); then watch ADD/UPDATE/DELETE', async () => {
    await client.create(Resources.Node, {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'n1', labels: { zone: 'a' } },
    });
    const inf = new Informer<Node>(client, Resources.Node, OPTS);
    const seen: string[] = [];
    inf.onEvent((ev: InformerEvent<Node>) => {
      seen.push(
        `${ev.type}:${ev.obj.metadata.name}${ev.type === 'update' ? `:${ev.old.metadata.labels?.zone}->${ev.obj.metadata.labels?.zone}` : ''}`,
      );
    });
    assert.equal(inf.hasSynced, false);
    inf.start();
    await inf.synced();
    assert.equal(inf.hasSynced, true);
    assert.deepEqual(seen, ['add:n1']);
    await client.create(Resources.Node, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n2' } });
    await client.patch(Resources.Node, 'n1', undefined, { metadata: { labels: { zone: 'b' } } }, 'merge');
    await client.delete(Resources.Node, 'n2');
    await until(() => seen.length === 4, 'three watch events');
    assert.deepEqual(seen, ['add:n1', 'add:n2', 'update:n1:a->b', 'delete:n2']);
    assert.equal(inf.size, 1);
    await inf.stop();
  });

  test('list items and watch objects have the same plain-JSON shape (kind, apiVersion, string times)', async () => {
    await client.create(Resources.Service, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'listed', namespace: 'basic' },
      spec: { ports: [{ port: 80 }] },
    });
    const inf = new Informer<Service>(client, Resources.Service, { ...OPTS, namespace: 'basic' });
    inf.start();
    await inf.synced();
    await client.create(Resources.Service, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'watched', namespace: 'basic' },
      spec: { ports: [{ port: 81 }] },
    });
    await until(() => inf.get('watched', 'basic') !== undefined, 'watched service');
    for (const name of ['listed', 'watched']) {
      const s = inf.get(name, 'basic');
      assert.ok(s, name);
      assert.equal(s.kind, 'Service', name);
      assert.equal(s.apiVersion, 'v1', name);
      assert.equal(typeof s.metadata.creationTimestamp, 'string', name);
      assert.equal(Object.getPrototypeOf(s), Object.prototype, `${name} is a plain object`);
      assert.ok(s.spec.clusterIP, `${name} has the server default clusterIP`);
    }
    await inf.stop();
  });

  test('label selector: an object leaving the selector is a DELETE, entering it an ADD', async () => {
    const inf = new Informer<Eip>(client, Resources.Eip, { ...OPTS, labelSelector: 'pick=yes' });
    const seen: string[] = [];
    inf.onEvent((ev) => seen.push(`${ev.type}:${ev.obj.metadata.name}`));
    inf.start();
    await inf.synced();
    await client.create(Resources.Eip, {
      apiVersion: 'network.kubesphere.io/v1alpha2',
      kind: 'Eip',
      metadata: { name: 'sel', labels: { pick: 'yes' } },
      spec: { address: '10.9.0.1' },
    });
    await until(() => seen.length === 1, 'add');
    await client.patch(Resources.Eip, 'sel', undefined, { metadata: { labels: { pick: 'no' } } }, 'merge');
    await until(() => seen.length === 2, 'delete');
    await client.patch(Resources.Eip, 'sel', undefined, { metadata: { labels: { pick: 'yes' } } }, 'merge');
    await until(() => seen.length === 3, 're-add');
    assert.deepEqual(seen, ['add:sel', 'delete:sel', 'add:sel']);
    await inf.stop();
  });

  test('field selector (Lease by name) is applied to list and watch', async () => {
    const inf = new Informer<Lease>(client, Resources.Lease, {
      ...OPTS,
      namespace: 'basic',
      fieldSelector: 'metadata.name=mine',
    });
    inf.start();
    await inf.synced();
    for (const name of ['mine', 'other']) {
      await client.create(Resources.Lease, {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name, namespace: 'basic' },
        spec: { holderIdentity: 'x' },
      });
    }
    await until(() => inf.size === 1, 'one lease');
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(inf.keys(), ['basic/mine']);
    await inf.stop();
  });

  test('stop() ends the loop without counting the abort as an error, and no event follows', async () => {
    const activity = countActivity();
    const inf = new Informer<Node>(client, Resources.Node, { ...OPTS, observe: activity.observe });
    let after = 0;
    inf.start();
    await inf.synced();
    await new Promise((r) => setTimeout(r, 100));
    await inf.stop();
    inf.onEvent(() => after++);
    assert.equal(inf.running, false);
    assert.equal(activity.counts.error, 0);
    await client.create(Resources.Node, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'after-stop' } });
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(after, 0);
    assert.equal(activity.counts.error, 0);
    assert.equal(inf.get('after-stop'), undefined);
  });

  test('a handler that throws does not break the informer', async () => {
    const inf = new Informer<Node>(client, Resources.Node, OPTS);
    let ok = 0;
    inf.onEvent(() => {
      throw new Error('boom');
    });
    inf.onEvent(() => ok++);
    inf.start();
    await inf.synced();
    const before = ok;
    await client.create(Resources.Node, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n-throw' } });
    await until(() => ok > before, 'second handler still called');
    await inf.stop();
  });

  test('createCaches: six informers, synced barrier, notSynced names', async () => {
    const caches = createCaches(client, OPTS);
    assert.equal(caches.all.length, 6);
    assert.equal(caches.notSynced().length, 6);
    caches.start();
    await caches.synced();
    assert.deepEqual(caches.notSynced(), []);
    await caches.stop();
  });
});
