// The informer's cache transform: managedFields never reach the cache (list, watch, offerWritten),
// and `transform: null` keeps objects as the server sent them.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startKubeDouble, type KubeDouble } from './double.ts';
import { Informer } from '../../src/kube/informer.ts';
import { KubeClient } from '../../src/kube/client.ts';
import { Resources } from '../../src/kube/resources.ts';
import type { Service } from '../../src/kube/types.ts';

const OPTS = { backoff: { initialMs: 100, maxMs: 500 }, stallTimeoutMs: 3000 };
const NS = 'transform';
const MANAGED = [
  {
    manager: 'kubectl-client-side-apply',
    operation: 'Update',
    apiVersion: 'v1',
    fieldsType: 'FieldsV1',
    fieldsV1: { 'f:spec': { 'f:ports': {} } },
  },
];

async function until(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = performance.now() + ms;
  while (!cond()) {
    if (performance.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const hasManaged = (s: Service | undefined) => s !== undefined && 'managedFields' in s.metadata;

describe('informer transform', () => {
  let dbl: KubeDouble;
  let client: KubeClient;
  const svc = (name: string) => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: NS, annotations: { 'eip.openelb.kubesphere.io/v1alpha2': 'a-pool-name' } },
    spec: { type: 'LoadBalancer', ports: [{ port: 80 }] },
  });
  // the double drops managedFields on create, but keeps what an update writes
  const withManaged = (name: string) =>
    client.patch<Service>(Resources.Service, name, NS, { metadata: { managedFields: MANAGED } }, 'merge');

  before(async () => {
    dbl = await startKubeDouble({ bookmarkIntervalMs: 500 });
    client = new KubeClient(dbl.kubeConfig(), { fieldManager: 'informer-transform' });
    await client.create(Resources.Namespace, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  });
  after(async () => {
    await dbl?.close();
  });

  test('managedFields are never kept: listed, watched, or offered by our own write', async () => {
    await client.create(Resources.Service, svc('listed'));
    assert.ok(hasManaged(await withManaged('listed')), 'the server returns managedFields');
    const inf = new Informer<Service>(client, Resources.Service, { ...OPTS, namespace: NS });
    const seen: Service[] = [];
    inf.onEvent((ev) => seen.push(ev.obj));
    inf.start();
    await inf.synced();
    assert.equal(hasManaged(inf.get('listed', NS)), false);
    assert.equal(
      inf.get('listed', NS)?.metadata.annotations?.['eip.openelb.kubesphere.io/v1alpha2'],
      'a-pool-name',
    );

    await client.create(Resources.Service, svc('watched'));
    const rv = (await withManaged('watched')).metadata.resourceVersion;
    await until(() => inf.get('watched', NS)?.metadata.resourceVersion === rv, 'the watched update');
    assert.equal(hasManaged(inf.get('watched', NS)), false);

    const base = inf.get('listed', NS)?.metadata.resourceVersion ?? '';
    const written = await client.patch<Service>(
      Resources.Service,
      'listed',
      NS,
      { metadata: { resourceVersion: base, labels: { touched: 'yes' }, managedFields: MANAGED } },
      'merge',
    );
    assert.ok(hasManaged(written));
    assert.equal(inf.offerWritten(written, base), true);
    assert.equal(hasManaged(inf.get('listed', NS)), false);
    assert.equal(inf.get('listed', NS)?.metadata.labels?.touched, 'yes');

    await client.delete(Resources.Service, 'watched', NS);
    await until(() => inf.get('watched', NS) === undefined, 'the delete');
    assert.equal(seen.some(hasManaged), false, 'no handler ever saw managedFields');
    await inf.stop();
  });

  test('transform: null keeps objects as sent', async () => {
    await client.create(Resources.Service, svc('raw'));
    await withManaged('raw');
    const inf = new Informer<Service>(client, Resources.Service, { ...OPTS, namespace: NS, transform: null });
    inf.start();
    await inf.synced();
    assert.ok(hasManaged(inf.get('raw', NS)));
    await inf.stop();
  });
});
