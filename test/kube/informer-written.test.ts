// Informer.offerWritten: a replica's own write answer enters its cache at once, exactly when it is
// the next version of what the cache holds, and its watch event is then not delivered twice.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { startKubeDouble, type KubeDouble } from './double.ts';
import { Informer } from '../../src/kube/informer.ts';
import { KubeClient } from '../../src/kube/client.ts';
import { Resources } from '../../src/kube/resources.ts';
import type { Eip } from '../../src/api/v1alpha2.ts';

const CRD_DIR = fileURLToPath(new URL('../../deploy/crds', import.meta.url));

describe('Informer.offerWritten', () => {
  let dbl: KubeDouble;
  let client: KubeClient;
  before(async () => {
    dbl = await startKubeDouble({ crdDirs: [CRD_DIR] });
    client = new KubeClient(dbl.kubeConfig(), { fieldManager: 'informer-written' });
  });
  after(async () => {
    client.close();
    await dbl?.close();
  });

  test('the next version is taken and announced once; a stale or foreign base is refused', async () => {
    await client.create(Resources.Eip, {
      apiVersion: 'network.kubesphere.io/v1alpha2',
      kind: 'Eip',
      metadata: { name: 'w' },
      spec: { address: '10.9.0.0/24' },
    });
    const inf = new Informer<Eip>(client, Resources.Eip);
    const updates: string[] = [];
    inf.on('update', (o) => updates.push(o.metadata.resourceVersion ?? ''));
    inf.start();
    await inf.synced();
    const base = inf.get('w')?.metadata.resourceVersion ?? '';
    dbl.faults.stallWatches(); // the watch event must not overtake the answer in this test
    const written = await client.patch<Eip>(
      Resources.Eip,
      'w',
      undefined,
      { metadata: { resourceVersion: base }, status: { used: { '10.9.0.1': 'ns/a' } } },
      'merge',
      { subresource: 'status' },
    );
    assert.equal(
      inf.offerWritten(written, 'not-the-base'),
      false,
      'a base the cache does not hold is refused',
    );
    assert.equal(inf.offerWritten(written, base), true);
    assert.equal(inf.get('w')?.status?.used?.['10.9.0.1'], 'ns/a');
    assert.deepEqual(updates, [written.metadata.resourceVersion]);
    assert.equal(inf.offerWritten(written, base), false, 'offered twice: the cache already moved on');
    dbl.faults.resumeWatches();
    await client.patch(Resources.Eip, 'w', undefined, { metadata: { labels: { later: 'yes' } } }, 'merge');
    const end = performance.now() + 10_000;
    while (updates.length < 2 && performance.now() < end) await new Promise((r) => setTimeout(r, 10));
    assert.equal(
      updates.length,
      2,
      'the stalled watch event of our write was not delivered again; the later edit was',
    );
    assert.equal(inf.get('w')?.metadata.labels?.later, 'yes');
    await inf.stop();
  });
});
