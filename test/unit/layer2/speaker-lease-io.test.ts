import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { KubeClient, type Lease, Resources } from '../../../src/kube/index.ts';
import { CLAIMS_ANNOTATION } from '../../../src/layer2/ownership/lease-format.ts';
import {
  DURATION_ANNOTATION,
  MACS_ANNOTATION,
  REFUSED_ANNOTATION,
  ReplicaLeaseIO,
} from '../../../src/layer2/speaker/lease-io.ts';
import { startKubeDouble, type KubeDouble } from '../../kube/double.ts';

// The replica Lease I/O against the API double: create on first renew, claims and exact duration in
// annotations, resourceVersion-guarded updates that recover from someone else's write, delete guarded
// by our last version, and the quorum read.

describe('ReplicaLeaseIO', () => {
  let api: KubeDouble;
  let client: KubeClient;
  before(async () => {
    api = await startKubeDouble();
    client = new KubeClient(api.kubeConfig(), { requestTimeoutMs: 2000 });
    await client.create(Resources.Namespace, {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'oe' },
    });
  });
  after(async () => {
    await api?.close();
  });

  it('renews (creating first), reads back, survives a foreign write, deletes', async () => {
    const io = new ReplicaLeaseIO({ client, namespace: 'oe', node: 'n1', leaseDurationMs: 800 });
    const r1 = await io.renew(['10.0.0.2', '10.0.0.1'], ['02:00:00:00:00:01']);
    assert.ok(r1.completedAt >= r1.startedAt);
    let l = await client.get<Lease>(Resources.Lease, 'openelb-layer2-n1', 'oe');
    assert.equal(l.spec.holderIdentity, 'n1');
    assert.equal(l.spec.leaseDurationSeconds, 1);
    assert.equal(l.metadata.annotations?.[CLAIMS_ANNOTATION], '10.0.0.1,10.0.0.2');
    assert.equal(l.metadata.annotations?.[DURATION_ANNOTATION], '800');
    assert.equal(l.metadata.annotations?.[MACS_ANNOTATION], '02:00:00:00:00:01');
    // someone else touches it: the next renew re-reads and still succeeds
    l = await client.replace<Lease>(Resources.Lease, {
      ...l,
      metadata: { ...l.metadata, labels: { ...l.metadata.labels, extra: 'x' } },
    });
    await io.renew([], ['02:00:00:00:00:01']);
    const peer = new ReplicaLeaseIO({ client, namespace: 'oe', node: 'n2', leaseDurationMs: 800 });
    await peer.renew(['10.0.0.9', '10.0.0.8'], [], ['10.0.0.8']);
    assert.equal(
      (await client.get<Lease>(Resources.Lease, 'openelb-layer2-n2', 'oe')).metadata.annotations?.[
        REFUSED_ANNOTATION
      ],
      '10.0.0.8',
    );
    const read = await io.read();
    assert.deepEqual(read.leases.map((p) => [p.node, p.claims, p.refused, p.leaseDurationMs]).sort(), [
      ['n1', [], [], 800],
      ['n2', ['10.0.0.8', '10.0.0.9'], ['10.0.0.8'], 800],
    ]);
    // nothing refused any more: the annotation goes
    await peer.renew(['10.0.0.9'], [], []);
    assert.equal(
      (await client.get<Lease>(Resources.Lease, 'openelb-layer2-n2', 'oe')).metadata.annotations?.[
        REFUSED_ANNOTATION
      ],
      undefined,
    );
    assert.deepEqual(read.macs.get('n1'), ['02:00:00:00:00:01']);
    await io.delete();
    await io.delete(); // idempotent
    assert.equal(await client.getOrUndefined(Resources.Lease, 'openelb-layer2-n1', 'oe'), undefined);
    assert.equal((await io.read()).leases.length, 1);
  });
});
