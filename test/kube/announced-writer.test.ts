// The announced-summary writer against the API double: replicas writing the same annotation from a
// stale view never lose each other's rows (the JSON patch's `test` fails, the writer re-reads).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startKubeDouble, type KubeDouble } from './double.ts';
import { KubeClient } from '../../src/kube/client.ts';
import { Resources } from '../../src/kube/resources.ts';
import type { Service } from '../../src/kube/types.ts';
import { ANNOTATION_ANNOUNCED, decodeAnnounced } from '../../src/api/announced.ts';
import { AnnouncedWriter } from '../../src/controllers/bgp/announced-writer.ts';

const NS = 'announced';

function service(name: string): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: NS, annotations: { keep: 'me' } },
    spec: { type: 'LoadBalancer', ports: [{ port: 80, protocol: 'TCP' }] },
  };
}

/** A cache frozen at one version of the Service (as a lagging informer would be). */
function frozen(svc: Service): { get(name: string, ns?: string): Service | undefined } {
  return { get: (name, ns) => (name === svc.metadata.name && ns === NS ? svc : undefined) };
}

describe('announced writer', () => {
  let dbl: KubeDouble;
  let client: KubeClient;
  before(async () => {
    dbl = await startKubeDouble({});
    client = new KubeClient(dbl.kubeConfig(), { fieldManager: 'announced-test' });
    await client.create(Resources.Namespace, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  });
  after(async () => {
    await dbl?.close();
  });

  const summaryOf = async (name: string) => {
    const s = await client.get<Service>(Resources.Service, name, NS);
    const raw = s.metadata.annotations?.[ANNOTATION_ANNOUNCED];
    return {
      raw,
      keep: s.metadata.annotations?.keep,
      value: raw === undefined ? undefined : decodeAnnounced(raw),
    };
  };

  test('two replicas writing at once from the same stale view: both rows kept, other annotations too', async () => {
    const created = await client.create<Service>(Resources.Service, service('web'));
    const a = new AnnouncedWriter(client, frozen(created), 'node1');
    const b = new AnnouncedWriter(client, frozen(created), 'node2');
    const results = await Promise.all([
      a.write(`${NS}/web`, { router1: true }),
      b.write(`${NS}/web`, { router1: false }),
    ]);
    assert.deepEqual(results, ['written', 'written']);
    const s = await summaryOf('web');
    assert.deepEqual(s.value, { ok: true, value: { node1: { router1: true }, node2: { router1: false } } });
    assert.equal(s.keep, 'me');
  });

  test('a status write in between does not get in the way; a stale value is re-read and merged', async () => {
    const created = await client.create<Service>(Resources.Service, service('api'));
    const a = new AnnouncedWriter(client, frozen(created), 'node1');
    assert.equal(await a.write(`${NS}/api`, { router1: true }), 'written');
    await client.patch(
      Resources.Service,
      'api',
      NS,
      { status: { loadBalancer: { ingress: [{ ip: '198.51.100.9' }] } } },
      'merge',
      { subresource: 'status' },
    );
    // node2 still sees the version before node1's write and the status write
    const b = new AnnouncedWriter(client, frozen(created), 'node2');
    assert.equal(await b.write(`${NS}/api`, { router1: true }), 'written');
    // node1 flips its row from its own last write's view (its cache never caught up)
    assert.equal(await a.write(`${NS}/api`, { router1: false }), 'written');
    assert.deepEqual((await summaryOf('api')).value, {
      ok: true,
      value: { node1: { router1: false }, node2: { router1: true } },
    });
    // removing rows: node1's goes, then the last one takes the annotation with it
    assert.equal(await a.write(`${NS}/api`, undefined), 'written');
    assert.deepEqual((await summaryOf('api')).value, { ok: true, value: { node2: { router1: true } } });
    assert.equal(await b.write(`${NS}/api`, undefined), 'written');
    const gone = await summaryOf('api');
    assert.equal(gone.raw, undefined);
    assert.equal(gone.keep, 'me');
    assert.equal(await b.write(`${NS}/api`, undefined), 'unchanged');
  });

  test('a deleted or unknown Service: gone, nothing written', async () => {
    const created = await client.create<Service>(Resources.Service, service('tmp'));
    await client.delete(Resources.Service, 'tmp', NS);
    const a = new AnnouncedWriter(client, frozen(created), 'node1');
    assert.equal(await a.write(`${NS}/tmp`, { router1: true }), 'gone');
    assert.equal(await a.write(`${NS}/nothere`, { router1: true }), 'gone');
  });
});
