// The informer's entry check (the webhook's rules, run on every version as it enters the cache): a
// refused version never reaches handlers or readers, the last admitted version stays readable, the
// refusal (with its reason) and the newest version are there for status writers, a fix is admitted,
// and deleting a refused object clears it — listed, watched, and after a relist.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startKubeDouble, type KubeDouble } from './double.ts';
import { Informer, type InformerEvent } from '../../src/kube/informer.ts';
import { KubeClient } from '../../src/kube/client.ts';
import { Resources } from '../../src/kube/resources.ts';
import type { BgpConf } from '../../src/api/v1alpha2.ts';
import type { KubeObject } from '../../src/kube/types.ts';
import { bgpConfEntryCheck } from '../../src/api/rules/index.ts';

const OPTS = { backoff: { initialMs: 100, maxMs: 500 }, stallTimeoutMs: 3000 };
const admit = bgpConfEntryCheck as (o: KubeObject) => string | undefined;

async function until(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = performance.now() + ms;
  while (!cond()) {
    if (performance.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const conf = (name: string, spec: Record<string, unknown>) => ({
  apiVersion: 'network.kubesphere.io/v1alpha2',
  kind: 'BgpConf',
  metadata: { name },
  spec,
});

describe('informer entry check', () => {
  let dbl: KubeDouble;
  let client: KubeClient;

  before(async () => {
    dbl = await startKubeDouble({ bookmarkIntervalMs: 500 });
    client = new KubeClient(dbl.kubeConfig(), { fieldManager: 'informer-entry-check' });
  });
  after(async () => {
    await dbl?.close();
  });

  test('a refused edit keeps the last valid version in force; a fix is admitted; events only for admitted versions', async () => {
    await client.create(Resources.BgpConf, conf('default', { as: 64600, listenPort: 1790 }));
    await client.create(
      Resources.BgpConf,
      conf('born-bad', { as: 64600, listenAddresses: ['fe80::11%eth0'] }),
    );
    const inf = new Informer<BgpConf>(client, Resources.BgpConf, { ...OPTS, admit });
    const events: InformerEvent<BgpConf>[] = [];
    const refusals: string[] = [];
    inf.onEvent((ev) => events.push(ev));
    inf.onRefusal((r, key) => refusals.push(`${key}:${r ? 'refused' : 'cleared'}`));
    inf.start();
    await inf.synced();

    // listed: the invalid object never enters the cache, yet is visible as the newest version
    assert.deepEqual(
      inf.list().map((o) => o.metadata.name),
      ['default'],
    );
    assert.equal(inf.get('born-bad'), undefined);
    assert.match(inf.refusal('born-bad')?.reason ?? '', /spec\.listenAddresses\[0\].*no zone index/);
    assert.equal(inf.latest('born-bad')?.spec.listenAddresses?.[0], 'fe80::11%eth0');
    assert.deepEqual(
      inf
        .listLatest()
        .map((o) => o.metadata.name)
        .sort(),
      ['born-bad', 'default'],
    );

    // watched: an invalid edit of a valid object
    const n = events.length;
    const bad = await client.patch<BgpConf>(
      Resources.BgpConf,
      'default',
      undefined,
      { spec: { listenAddresses: ['10.99.0.0/24'] } },
      'merge',
    );
    await until(() => inf.refusal('default') !== undefined, 'the refusal of the invalid edit');
    assert.equal(
      inf.get('default')?.spec.listenAddresses,
      undefined,
      'the cache keeps the last valid version',
    );
    assert.equal(inf.latest('default')?.metadata.resourceVersion, bad.metadata.resourceVersion);
    assert.match(inf.refusal('default')?.reason ?? '', /^spec\.listenAddresses\[0\]: .*10\.99\.0\.0\/24/);
    assert.equal(events.length, n, 'no handler saw the invalid version');

    // a status write on the refused object is another refused version (status writers are told,
    // they compare against the newest version), not an event
    const st = await client.patch<BgpConf>(
      Resources.BgpConf,
      'default',
      undefined,
      { status: { nodesConfStatus: { n1: { lastError: 'x' } } } },
      'merge',
      { subresource: 'status' },
    );
    await until(
      () => inf.latest('default')?.metadata.resourceVersion === st.metadata.resourceVersion,
      'the status write seen',
    );
    assert.equal(events.length, n);

    // fixed: admitted again, one update event, refusal cleared
    const good = await client.patch<BgpConf>(
      Resources.BgpConf,
      'default',
      undefined,
      { spec: { listenAddresses: ['0.0.0.0'] } },
      'merge',
    );
    await until(
      () => inf.get('default')?.metadata.resourceVersion === good.metadata.resourceVersion,
      'the fixed version',
    );
    assert.equal(inf.refusal('default'), undefined);
    assert.deepEqual(
      events.slice(n).map((e) => e.type),
      ['update'],
    );

    // deleting a refused object clears its refusal without a delete event
    const m = events.length;
    await client.delete(Resources.BgpConf, 'born-bad');
    await until(() => inf.latest('born-bad') === undefined, 'the refused object gone');
    assert.equal(events.length, m);
    await inf.stop();
    assert.deepEqual(refusals, [
      'born-bad:refused',
      'default:refused',
      'default:refused',
      'default:cleared',
      'born-bad:cleared',
    ]);
  });

  test('an object created while the informer was stopped is judged when it arrives', async () => {
    const inf = new Informer<BgpConf>(client, Resources.BgpConf, { ...OPTS, admit });
    inf.start();
    await inf.synced();
    await inf.stop();
    await client.create(Resources.BgpConf, conf('later-bad', { as: 0 }));
    inf.start();
    await until(() => inf.refusal('later-bad') !== undefined, 'the refusal after the restart');
    assert.equal(inf.get('later-bad'), undefined);
    assert.match(inf.refusal('later-bad')?.reason ?? '', /spec\.as/);
    await inf.stop();
  });
});
