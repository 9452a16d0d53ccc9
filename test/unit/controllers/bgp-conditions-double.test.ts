// BgpPeer / BgpConf status through the in-process API double: two replicas each merge-patch their own
// node entry and the shared, deterministic status.conditions; neither clobbers the other, the CRD
// schema accepts the conditions, and a second pass with an up-to-date cache writes nothing.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { startKubeDouble, type KubeDouble } from '../../kube/double.ts';
import { KubeClient } from '../../../src/kube/client.ts';
import { Resources } from '../../../src/kube/resources.ts';
import { ObjectWriter } from '../../../src/kube/writers.ts';
import type { BgpConf, BgpPeer } from '../../../src/api/v1alpha2.ts';
import { logger, setLogLevel } from '../../../src/obs/log.ts';
import { confEntry, NodeStatusWriter, peerEntry } from '../../../src/controllers/bgp/status.ts';

if (!process.env.OPENELB_LOG_LEVEL) setLogLevel('error');
const CRD_DIR = fileURLToPath(new URL('../../../deploy/crds', import.meta.url));

describe('BGP status conditions against the API double', () => {
  let dbl: KubeDouble;
  let client: KubeClient;
  before(async () => {
    dbl = await startKubeDouble({ crdDirs: [CRD_DIR] });
    client = new KubeClient(dbl.kubeConfig(), { fieldManager: 'bgp-conditions-test' });
  });
  after(async () => {
    await dbl?.close();
  });

  it('two replicas: own node entries plus one Valid condition; no writes once converged', async () => {
    await client.create(Resources.BgpPeer, {
      apiVersion: 'network.kubesphere.io/v1alpha2',
      kind: 'BgpPeer',
      metadata: { name: 'tor' },
      spec: { conf: { neighborAddress: '10.0.0.1', peerAs: 65000 } },
    });
    const writer = new ObjectWriter(client);
    const r1 = new NodeStatusWriter(writer, 'n1', logger('test.n1'));
    const r2 = new NodeStatusWriter(writer, 'n2', logger('test.n2'));
    const read = () => client.get<BgpPeer>(Resources.BgpPeer, 'tor');
    // both replicas act on the same (stale) cached object: they race on the conditions
    const stale = await read();
    await r1.peer(stale, peerEntry(undefined, '10.0.0.1', undefined));
    await r2.peer(stale, peerEntry(undefined, '10.0.0.1', 'no route'));
    const obj = await read();
    assert.deepEqual(Object.keys(obj.status?.nodesPeerStatus ?? {}).sort(), ['n1', 'n2']);
    assert.equal(obj.status?.nodesPeerStatus?.['n2']?.lastError, 'no route');
    assert.deepEqual(
      obj.status?.conditions?.map((c) => [c.type, c.status, c.reason]),
      [['Valid', 'True', 'Accepted']],
    );
    assert.equal(
      r1.conditions.writes + r2.conditions.writes,
      2,
      'both wrote once (they raced on a stale cache)',
    );

    // caches catch up: fresh writers (restarted replicas) and the old ones all write nothing
    const rv = obj.metadata.resourceVersion;
    for (const [w, node, err] of [
      [r1, 'n1', undefined],
      [r2, 'n2', 'no route'],
      [new NodeStatusWriter(writer, 'n1', logger('t')), 'n1', undefined],
    ] as const) {
      const fresh = await read();
      assert.equal(fresh.status?.nodesPeerStatus?.[node]?.lastError, err ?? '');
      await w.peer(fresh, peerEntry(undefined, '10.0.0.1', err));
    }
    assert.equal((await read()).metadata.resourceVersion, rv, 'nothing written once converged');
  });

  it('BgpConf: Valid False for an invalid spec (no webhook in this double run), PolicyIgnored True', async () => {
    await client.create(Resources.BgpConf, {
      apiVersion: 'network.kubesphere.io/v1alpha2',
      kind: 'BgpConf',
      metadata: { name: 'default' },
      spec: { as: 65001, listenPort: 0, policy: 'cm' },
    });
    const r1 = new NodeStatusWriter(new ObjectWriter(client), 'n1', logger('test.n1'));
    await r1.conf(
      await client.get<BgpConf>(Resources.BgpConf, 'default'),
      confEntry(undefined, 'spec.as is not usable'),
    );
    const obj = await client.get<BgpConf>(Resources.BgpConf, 'default');
    assert.equal(obj.status?.nodesConfStatus?.['n1']?.lastError, 'spec.as is not usable');
    const byType = new Map(obj.status?.conditions?.map((c) => [c.type, c]));
    assert.equal(byType.get('Valid')?.status, 'False');
    assert.match(byType.get('Valid')?.message ?? '', /spec\.listenPort: Invalid value: 0/);
    assert.equal(byType.get('PolicyIgnored')?.status, 'True');
  });

  it('an entry someone else removed is written back; a cache that lags our write writes nothing', async () => {
    await client.create(Resources.BgpPeer, {
      apiVersion: 'network.kubesphere.io/v1alpha2',
      kind: 'BgpPeer',
      metadata: { name: 'spine' },
      spec: { conf: { neighborAddress: '10.0.0.9', peerAs: 65000 } },
    });
    const writer = new ObjectWriter(client);
    const w = new NodeStatusWriter(writer, 'n1', logger('test.n1'));
    const read = () => client.get<BgpPeer>(Resources.BgpPeer, 'spine');
    const entry = peerEntry(undefined, '10.0.0.9', undefined);
    const before = await read();
    assert.equal(await w.peer(before, entry), true);
    assert.equal(await w.peer(before, entry), false, 'the cache still shows the object before our write');
    assert.equal(await w.peer(await read(), entry), false, 'the cache shows our entry');
    // the allocator removes the entry of a node it judged gone; this replica is alive after all
    await writer.mergePatch(
      Resources.BgpPeer,
      { name: 'spine' },
      { status: { nodesPeerStatus: { n1: null } } },
      { subresource: 'status' },
    );
    const removed = await read();
    assert.equal(removed.status?.nodesPeerStatus?.['n1'], undefined);
    assert.equal(await w.peer(removed, entry), true, 'written back');
    assert.equal((await read()).status?.nodesPeerStatus?.['n1']?.peerState?.neighborAddress, '10.0.0.9');
  });
});
