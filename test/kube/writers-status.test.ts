// Status/metadata writers and the Event recorder against the API double.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { startKubeDouble, type KubeDouble } from './double.ts';
import { KubeClient } from '../../src/kube/client.ts';
import { Resources } from '../../src/kube/resources.ts';
import { ObjectWriter, mapDiffPatch } from '../../src/kube/writers.ts';
import { EventRecorder } from '../../src/kube/events.ts';
import type { Eip } from '../../src/api/v1alpha2.ts';
import type { CoreEvent, ObjectList, Service } from '../../src/kube/types.ts';
import { isConflict } from '../../src/kube/errors.ts';

const CRD_DIR = fileURLToPath(new URL('../../deploy/crds', import.meta.url));
const NS = 'writers';

function eip(name: string): Eip {
  return {
    apiVersion: 'network.kubesphere.io/v1alpha2',
    kind: 'Eip',
    metadata: { name },
    spec: { address: '192.168.7.1-192.168.7.50' },
  };
}

describe('writers', () => {
  let dbl: KubeDouble;
  let client: KubeClient;
  before(async () => {
    dbl = await startKubeDouble({ crdDirs: [CRD_DIR] });
    client = new KubeClient(dbl.kubeConfig(), { fieldManager: 'writers-test' });
    await client.create(Resources.Namespace, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  });
  after(async () => {
    await dbl?.close();
  });

  test("updateStatus: merge patch on /status touches only the writer's keys; spec is untouched", async () => {
    await client.create(Resources.Eip, eip('w1'));
    const w = new ObjectWriter(client, 'allocator');
    await w.updateStatus<Eip>(Resources.Eip, { name: 'w1' }, () => ({
      used: { '192.168.7.1': 'a/one' },
      usage: 1,
    }));
    // Another writer (e.g. the eip controller) writes its own keys.
    const other = new ObjectWriter(client, 'eip-controller');
    await other.updateStatus<Eip>(Resources.Eip, { name: 'w1' }, () => ({
      poolSize: 50,
      firstIP: '192.168.7.1',
      lastIP: '192.168.7.50',
      v4: true,
    }));
    // First writer changes one entry of the map: the patch names only that entry.
    const res = await w.updateStatus<Eip>(Resources.Eip, { name: 'w1' }, (cur) => {
      const want = { ...cur.status?.used, '192.168.7.2': 'a/two' };
      const p = mapDiffPatch(cur.status?.used, want);
      assert.deepEqual(p, { '192.168.7.2': 'a/two' });
      return { used: p, usage: Object.keys(want).length };
    });
    assert.deepEqual(res?.status?.used, { '192.168.7.1': 'a/one', '192.168.7.2': 'a/two' });
    assert.equal(res?.status?.poolSize, 50, "the other writer's keys survive");
    assert.equal(res?.spec.address, '192.168.7.1-192.168.7.50');
  });

  test('no-op compute writes nothing (resourceVersion unchanged)', async () => {
    await client.create(Resources.Eip, eip('w-noop'));
    const before = await client.get<Eip>(Resources.Eip, 'w-noop');
    const w = new ObjectWriter(client);
    const res = await w.updateStatus<Eip>(Resources.Eip, { name: 'w-noop' }, () => undefined);
    assert.equal(res?.metadata.resourceVersion, before.metadata.resourceVersion);
  });

  test('conflict retry with re-read: concurrent read-modify-write loses no update', async () => {
    await client.create(Resources.Eip, eip('w2'));
    const writers = Array.from({ length: 8 }, (_, i) => new ObjectWriter(client, `w-${i}`));
    await Promise.all(
      writers.map((w, i) =>
        w.updateStatus<Eip>(
          Resources.Eip,
          { name: 'w2' },
          (cur) => {
            // usage is derived from the read: a lost update would show as a wrong total.
            return {
              used: { [`192.168.7.${i + 10}`]: `ns/s${i}` },
              usage: Object.keys(cur.status?.used ?? {}).length + 1,
            };
          },
          { retries: 20 },
        ),
      ),
    );
    const final = await client.get<Eip>(Resources.Eip, 'w2');
    assert.equal(Object.keys(final.status?.used ?? {}).length, 8);
    assert.equal(final.status?.usage, 8);
  });

  test('the resourceVersion precondition makes a stale merge patch fail with 409', async () => {
    await client.create(Resources.Eip, eip('w3'));
    const stale = await client.get<Eip>(Resources.Eip, 'w3');
    const w = new ObjectWriter(client);
    await w.mergePatch(
      Resources.Eip,
      { name: 'w3' },
      { status: { usage: 1 } },
      { subresource: 'status', resourceVersion: stale.metadata.resourceVersion },
    );
    await assert.rejects(
      w.mergePatch(
        Resources.Eip,
        { name: 'w3' },
        { status: { usage: 2 } },
        { subresource: 'status', resourceVersion: stale.metadata.resourceVersion },
      ),
      (e: unknown) => isConflict(e),
    );
  });

  test('finalizers: add and remove keep other finalizers; annotations set/remove', async () => {
    await client.create(Resources.Eip, {
      ...eip('w4'),
      metadata: { name: 'w4', finalizers: ['someone.else/keep'], annotations: { keep: 'me', drop: 'x' } },
    });
    const w = new ObjectWriter(client);
    const f = 'finalizer.ipam.kubesphere.io/v1alpha1';
    let o = await w.ensureFinalizer<Eip>(Resources.Eip, { name: 'w4' }, f);
    assert.deepEqual(o?.metadata.finalizers, ['someone.else/keep', f]);
    const rv = o?.metadata.resourceVersion;
    o = await w.ensureFinalizer<Eip>(Resources.Eip, { name: 'w4' }, f);
    assert.equal(o?.metadata.resourceVersion, rv, 'idempotent');
    o = await w.setAnnotations<Eip>(Resources.Eip, { name: 'w4' }, { mine: 'v', drop: null });
    assert.deepEqual(o?.metadata.annotations, { keep: 'me', mine: 'v' });
    o = await w.removeFinalizer<Eip>(Resources.Eip, { name: 'w4' }, f);
    assert.deepEqual(o?.metadata.finalizers, ['someone.else/keep']);
    assert.equal(
      await w.updateStatus(Resources.Eip, { name: 'missing' }, () => ({ usage: 1 })),
      undefined,
      '404 → undefined',
    );
  });

  test('Service status written through /status only', async () => {
    await client.create(Resources.Service, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'lb', namespace: NS },
      spec: { type: 'LoadBalancer', ports: [{ port: 80 }] },
    });
    const w = new ObjectWriter(client, 'allocator');
    const s = await w.updateStatus<Service>(Resources.Service, { name: 'lb', namespace: NS }, () => ({
      loadBalancer: { ingress: [{ ip: '192.168.7.1' }] },
    }));
    // 1.30+ servers default ipMode to VIP for an ingress with an ip
    assert.deepEqual(
      s?.status?.loadBalancer?.ingress?.map((i) => i.ip),
      ['192.168.7.1'],
    );
    assert.equal(s?.spec.type, 'LoadBalancer');
  });

  test('Events: involvedObject, reason, type; repeats bump count on one Event', async () => {
    const svc = await client.get<Service>(Resources.Service, 'lb', NS);
    const rec = new EventRecorder(client, { component: 'openelb-manager', host: 'node-1' });
    const e1 = await rec.record(svc, 'Normal', 'IPAllocated', 'assigned 192.168.7.1 from eip w1');
    assert.ok(e1);
    assert.equal(e1.involvedObject.kind, 'Service');
    assert.equal(e1.involvedObject.name, 'lb');
    assert.equal(e1.involvedObject.namespace, NS);
    assert.equal(e1.involvedObject.uid, svc.metadata.uid);
    assert.equal(e1.metadata.namespace, NS);
    assert.equal(e1.count, 1);
    assert.equal(e1.source?.component, 'openelb-manager');
    const e2 = await rec.record(svc, 'Normal', 'IPAllocated', 'assigned 192.168.7.1 from eip w1');
    assert.equal(e2?.metadata.name, e1.metadata.name);
    assert.equal(e2?.count, 2);
    await rec.record(svc, 'Warning', 'NoPool', 'no Eip matches');
    // Cluster-scoped object: the Event lives in "default".
    const pool = await client.get<Eip>(Resources.Eip, 'w1');
    const e3 = await rec.record(pool, 'Warning', 'Conflict', 'foreign ARP answer for 192.168.7.1');
    assert.equal(e3?.metadata.namespace, 'default');
    assert.equal(e3?.involvedObject.namespace, undefined);
    const list = await client.list<CoreEvent>(Resources.Event, { namespace: NS });
    const mine = (list as ObjectList<CoreEvent>).items.filter((e) => e.involvedObject.name === 'lb');
    assert.equal(mine.length, 2);
    assert.deepEqual(mine.map((e) => `${e.type}/${e.reason}/${e.count}`).sort(), [
      'Normal/IPAllocated/2',
      'Warning/NoPool/1',
    ]);
    // Concurrent repeats are serialised: still one Event.
    await Promise.all([1, 2, 3].map(() => rec.record(svc, 'Warning', 'NoPool', 'no Eip matches')));
    const again = await client.list<CoreEvent>(Resources.Event, { namespace: NS });
    const noPool = again.items.filter((e) => e.reason === 'NoPool');
    assert.equal(noPool.length, 1);
    assert.equal(noPool[0]?.count, 4);
  });
});
