// Why the manager's per-node status writes stay merge patches (docs/kube-writes.md): server-side apply
// of a per-node status entry is only safe with one field manager per node. Under the one name every
// replica uses ("openelb-manager"), a replica's apply drops the entries the others wrote, because to the
// server they are the same applier's fields it stopped sending. The merge patch of the node's own key
// that the manager sends keeps every entry, with no read and no precondition.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startKubeDouble, type KubeDouble } from './double.ts';
import { raw, type Obj } from './fixtures/helpers.ts';
import { CRD_DIR } from './contract/target.ts';

const PEERS = '/apis/network.kubesphere.io/v1alpha2/bgppeers';
const APPLY = { 'Content-Type': 'application/apply-patch+yaml' };
const MERGE = { 'Content-Type': 'application/merge-patch+json' };

const entry = (state: string): Obj => ({ peerState: { sessionState: state } });
const nodes = (o: Obj): string[] =>
  Object.keys(((o.status as Obj | undefined)?.nodesPeerStatus as Obj | undefined) ?? {}).sort();

describe('kube double: per-node status by server-side apply vs merge patch', () => {
  let d: KubeDouble;
  before(async () => {
    d = await startKubeDouble({ crdDirs: [CRD_DIR] });
  });
  after(() => d.close());

  const peer = async (name: string): Promise<void> => {
    const c = await raw(d.url, 'POST', PEERS, {
      apiVersion: 'network.kubesphere.io/v1alpha2',
      kind: 'BgpPeer',
      metadata: { name },
      spec: { conf: { peerAs: 50001, neighborAddress: '192.168.0.5' } },
    });
    assert.equal(c.status, 201, JSON.stringify(c.body));
  };
  const apply = (name: string, manager: string, node: string): Promise<{ status: number; body: Obj }> =>
    raw(
      d.url,
      'PATCH',
      `${PEERS}/${name}/status?fieldManager=${manager}`,
      {
        apiVersion: 'network.kubesphere.io/v1alpha2',
        kind: 'BgpPeer',
        metadata: { name },
        status: { nodesPeerStatus: { [node]: entry('Established') } },
      },
      APPLY,
    );

  it('one manager name for every replica: each apply drops the entries the other replicas wrote', async () => {
    await peer('shared');
    const first = await apply('shared', 'openelb-manager', 'node1');
    assert.equal(first.status, 200);
    assert.match(
      JSON.stringify((first.body.metadata as Obj).managedFields),
      /"f:nodesPeerStatus":\{"f:node1":\{"\.":\{\},"f:peerState"/,
      'the map entry itself is a member of the applied set',
    );
    const second = await apply('shared', 'openelb-manager', 'node2');
    assert.equal(second.status, 200);
    assert.deepEqual(nodes(second.body), ['node2'], "node1's entry is gone");
  });

  it('a manager per node: every entry stays, no conflict', async () => {
    await peer('per-node');
    for (const n of ['node1', 'node2', 'node3'])
      assert.equal((await apply('per-node', `openelb-manager-${n}`, n)).status, 200);
    const got = await raw(d.url, 'GET', `${PEERS}/per-node`);
    assert.deepEqual(nodes(got.body), ['node1', 'node2', 'node3']);
  });

  it("what the manager sends — a merge patch of its node's key, no resourceVersion — keeps every entry", async () => {
    await peer('merged');
    for (const n of ['node1', 'node2', 'node3']) {
      const r = await raw(
        d.url,
        'PATCH',
        `${PEERS}/merged/status?fieldManager=openelb-manager`,
        { status: { nodesPeerStatus: { [n]: entry('Established') } } },
        MERGE,
      );
      assert.equal(r.status, 200);
    }
    const got = await raw(d.url, 'GET', `${PEERS}/merged`);
    assert.deepEqual(nodes(got.body), ['node1', 'node2', 'node3']);
  });
});
