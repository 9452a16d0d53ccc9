// Concurrent writes to one object, as kube-apiserver's GuaranteedUpdate handles them: a PATCH is
// recomputed from the object another write just stored (both changes land), a PUT carrying a
// resourceVersion that went stale while it waited for admission gets 409. Found through the
// weighted-ECMP e2e test: kubectl apply of an Eip's spec racing the manager's finalizer patch lost
// the spec change. A DELETE that only sets deletionTimestamp (the object has a finalizer) is such a
// write too: computed from a stale copy it dropped a change stored while it was converted. The
// validating webhook (a real replica's) makes each write wait long enough for
// the other to land in between.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeDouble } from './double.ts';
import { raw } from './fixtures/helpers.ts';
import { startWebhookOnDouble, type WebhookOnDouble } from './fixtures/webhook-on-double.ts';

type Obj = Record<string, unknown>;

const EIPS = '/apis/network.kubesphere.io/v1alpha2/eips';
const PEERS = '/apis/network.kubesphere.io/v1alpha2/bgppeers';
// served through the conversion webhook: the DELETE waits for a real round trip before it writes
const PEERS_V1 = '/apis/network.kubesphere.io/v1alpha1/bgppeers';
const MERGE = { 'Content-Type': 'application/merge-patch+json' };
const ROUNDS = 10;

describe('API double: concurrent writes to one object', () => {
  let env: WebhookOnDouble | undefined;
  let d: KubeDouble;

  before(async () => {
    env = await startWebhookOnDouble('double-concurrent-writes');
    ({ d } = env);
  });
  after(async () => {
    await env?.close();
  });

  const create = async (name: string, i: number): Promise<Obj> => {
    const r = await raw(d.url, 'POST', EIPS, {
      apiVersion: 'network.kubesphere.io/v1alpha2',
      kind: 'Eip',
      metadata: { name },
      spec: { address: `10.9.${i}.0/24`, protocol: 'bgp' },
    });
    assert.equal(r.status, 201, r.text);
    return r.body;
  };

  it('a spec patch and a metadata patch sent together both land', async () => {
    for (let i = 0; i < ROUNDS; i++) {
      const name = `both-${i}`;
      await create(name, i);
      const [a, b] = await Promise.all([
        raw(d.url, 'PATCH', `${EIPS}/${name}`, { spec: { bgp: { weightedEcmp: true } } }, MERGE),
        raw(d.url, 'PATCH', `${EIPS}/${name}`, { metadata: { finalizers: ['example.com/f'] } }, MERGE),
      ]);
      assert.equal(a.status, 200, a.text);
      assert.equal(b.status, 200, b.text);
      const g = (await raw(d.url, 'GET', `${EIPS}/${name}`)).body;
      assert.deepEqual((g['spec'] as Obj)['bgp'], { weightedEcmp: true }, `${name}: spec change lost`);
      assert.deepEqual((g['metadata'] as Obj)['finalizers'], ['example.com/f'], `${name}: finalizer lost`);
      assert.equal((g['metadata'] as Obj)['generation'], 2);
    }
  });

  it('two PUTs from the same resourceVersion: one lands, the other gets 409', async () => {
    for (let i = 0; i < ROUNDS; i++) {
      const name = `put-${i}`;
      const obj = await create(name, ROUNDS + i);
      const put = (bgp: Obj) =>
        raw(d.url, 'PUT', `${EIPS}/${name}`, { ...obj, spec: { ...(obj['spec'] as Obj), bgp } });
      const rs = await Promise.all([put({ localPref: 1 }), put({ localPref: 2 })]);
      assert.deepEqual(rs.map((r) => r.status).sort(), [200, 409], rs.map((r) => r.text).join('\n'));
      const won = rs.find((r) => r.status === 200)?.body;
      const g = (await raw(d.url, 'GET', `${EIPS}/${name}`)).body;
      assert.deepEqual(g['spec'], won?.['spec']);
    }
  });

  it('a DELETE of an object with a finalizer and a spec patch sent together: both land', async () => {
    const lost: string[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const name = `del-${i}`;
      const made = await raw(d.url, 'POST', PEERS, {
        apiVersion: 'network.kubesphere.io/v1alpha2',
        kind: 'BgpPeer',
        metadata: { name, finalizers: ['example.com/f'] },
        spec: { conf: { peerAs: 65001, neighborAddress: `10.8.${i}.1` } },
      });
      assert.equal(made.status, 201, made.text);
      const [del, patch] = await Promise.all([
        raw(d.url, 'DELETE', `${PEERS_V1}/${name}`),
        raw(d.url, 'PATCH', `${PEERS}/${name}`, { spec: { conf: { peerAs: 65002 } } }, MERGE),
      ]);
      assert.equal(del.status, 200, del.text);
      assert.equal(patch.status, 200, patch.text);
      const g = (await raw(d.url, 'GET', `${PEERS}/${name}`)).body;
      assert.ok((g['metadata'] as Obj)['deletionTimestamp'], `${name}: the deletion was lost`);
      if (((g['spec'] as Obj)['conf'] as Obj)['peerAs'] !== 65002) lost.push(name);
      const unfin = await raw(d.url, 'PATCH', `${PEERS}/${name}`, { metadata: { finalizers: null } }, MERGE);
      assert.equal(unfin.status, 200, unfin.text);
    }
    assert.deepEqual(lost, [], 'spec changes dropped by a DELETE computed from a stale copy');
  });
});
