// The BgpPeer ↔ BgpConf cross-checks through plain `kubectl apply` on the API double: a BgpPeer
// with removePrivateAs / replacePeerAs whose peerAs equals BgpConf `default` spec.as (iBGP) is
// denied naming the field; without a BgpConf it is allowed; a BgpConf AS change that makes such a
// stored peer iBGP is allowed with a warning naming the peer. The webhook reads BgpConf with a GET
// (short deadline) before its cache has synced, and the synced cache afterwards.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeDouble } from './double.ts';
import { raw } from './fixtures/helpers.ts';
import { kubectlRunner } from './fixtures/kubectl-run.ts';
import { startWebhook, type WebhookHandle } from '../../src/webhook/index.ts';
import { startWebhookOnDouble, type WebhookOnDouble } from './fixtures/webhook-on-double.ts';

const NS = 'openelb-system';

type Obj = Record<string, unknown>;

const bgpConf = (spec: Obj): Obj => ({
  apiVersion: 'network.kubesphere.io/v1alpha2',
  kind: 'BgpConf',
  metadata: { name: 'default' },
  spec,
});
// One neighbour per peer name: two BgpPeers for one neighbour are refused on their own (one peer per
// neighbour and node), which is not what these cases are about.
const neighbors = new Map<string, string>();
const neighborOf = (name: string): string => {
  if (!neighbors.has(name)) neighbors.set(name, `192.168.0.${5 + neighbors.size}`);
  return neighbors.get(name) ?? '';
};
const bgpPeer = (name: string, conf: Obj, extra: Obj = {}): Obj => ({
  apiVersion: 'network.kubesphere.io/v1alpha2',
  kind: 'BgpPeer',
  metadata: { name },
  spec: { conf: { neighborAddress: neighborOf(name), ...conf }, ...extra },
});

describe('webhook on the API double: removePrivateAs / replacePeerAs against BgpConf default', () => {
  let env: WebhookOnDouble | undefined;
  let d: KubeDouble;
  let hook: WebhookHandle;
  let tmp: string;

  const { kubectl, apply, applyOk } = kubectlRunner(() => ({ kubeconfig: d.kubeconfigPath, dir: tmp }));
  const denied = async (o: Obj, ...texts: string[]): Promise<void> => {
    const name = String((o['metadata'] as Obj)['name']);
    const r = await apply(o);
    assert.notEqual(r.code, 0, `accepted: ${r.stdout}`);
    for (const t of texts)
      assert.ok(r.stderr.includes(t), `stderr does not contain ${JSON.stringify(t)}: ${r.stderr}`);
    if (process.env.WEBHOOK_TEST_PRINT) process.stdout.write(`# ${r.stderr}`);
    const got = await raw(d.url, 'GET', `/apis/network.kubesphere.io/v1alpha2/bgppeers/${name}`);
    assert.equal(got.status, 404, `${name} was stored`);
  };

  before(async () => {
    env = await startWebhookOnDouble('webhook-bgp-session');
    ({ d, hook, tmp } = env);
  });
  after(async () => {
    await env?.close();
  });

  it('no BgpConf yet: a peer with removePrivateAs is allowed (the runtime reports it per node)', async () => {
    await applyOk(bgpPeer('strip-later', { peerAs: 65001, removePrivateAs: 'ALL' }));
  });

  it('BgpConf default as 65002: allowed without a warning about that eBGP peer', async () => {
    const r = await applyOk(bgpConf({ as: 65002, listenPort: 17900 }));
    assert.doesNotMatch(r.stderr, /strip-later/);
  });

  it('denies removePrivateAs on an iBGP peer, naming the field and why', async () => {
    await denied(
      bgpPeer('ibgp-strip', { peerAs: 65002, removePrivateAs: 'REPLACE' }),
      'spec.conf.removePrivateAs',
      'iBGP',
      'peerAs 65002 equals spec.as 65002 of BgpConf "default"',
    );
  });

  it('denies replacePeerAs on an iBGP peer', async () => {
    await denied(
      bgpPeer('ibgp-override', { peerAs: 65002, replacePeerAs: true }),
      'spec.conf.replacePeerAs',
      'eBGP sessions only',
    );
  });

  it("allows them where the session is eBGP: another AS, or the peer's own localAs", async () => {
    await applyOk(bgpPeer('ebgp-strip', { peerAs: 65003, removePrivateAs: 'ALL', replacePeerAs: true }));
    await applyOk(bgpPeer('own-local-as', { peerAs: 65002, localAs: 65010, removePrivateAs: 'ALL' }));
  });

  it('a BgpConf AS change that makes a stored peer iBGP is allowed with a warning naming it', async () => {
    const r = await applyOk(bgpConf({ as: 65001, listenPort: 17900 }));
    assert.match(
      r.stderr,
      /Warning: spec\.as: BgpPeer "strip-later" sets spec\.conf\.removePrivateAs \("ALL"\), which gobgp accepts on eBGP sessions only; peerAs 65001 equals spec\.as 65001/,
    );
    assert.doesNotMatch(r.stderr, /own-local-as|ebgp-strip/);
    const now = await raw(d.url, 'GET', '/apis/network.kubesphere.io/v1alpha2/bgpconfs/default');
    assert.equal((now.body['spec'] as Obj)['as'], 65001, 'stored');
  });

  it('the peer that became iBGP stays editable (warning), but cannot newly be made iBGP', async () => {
    const r = await applyOk(
      bgpPeer(
        'strip-later',
        { peerAs: 65001, removePrivateAs: 'ALL' },
        { timers: { config: { holdTime: '9', keepaliveInterval: '3' } } },
      ),
    );
    assert.match(r.stderr, /Warning: spec\.conf\.removePrivateAs: .*iBGP.*already stored/);
    const turned = await apply(
      bgpPeer('ebgp-strip', { peerAs: 65001, removePrivateAs: 'ALL', replacePeerAs: true }),
    );
    assert.notEqual(turned.code, 0);
    assert.match(turned.stderr, /spec\.conf\.removePrivateAs/);
    assert.match(turned.stderr, /spec\.conf\.replacePeerAs/);
    const kept = await raw(d.url, 'GET', '/apis/network.kubesphere.io/v1alpha2/bgppeers/ebgp-strip');
    assert.equal(((kept.body['spec'] as Obj)['conf'] as Obj)['peerAs'], 65003);
  });

  it('a failing or slow BgpConf read allows the peer with a warning (3 s deadline)', async () => {
    d.faults.failNext(1, 500, { method: 'GET', pathIncludes: '/bgpconfs/default' });
    const failed = await applyOk(bgpPeer('lookup-failed', { peerAs: 65001, removePrivateAs: 'ALL' }));
    assert.match(failed.stderr, /Warning: spec\.conf\.peerAs: not checked against BgpConf "default"/);
    d.faults.delayNext(1, 6000, { method: 'GET', pathIncludes: '/bgpconfs/default' });
    const slow = await applyOk(bgpPeer('lookup-slow', { peerAs: 65001, replacePeerAs: true }));
    assert.match(slow.stderr, /Warning: spec\.conf\.peerAs: not checked against BgpConf "default"/);
  });

  it('with a synced cache the webhook reads BgpConf from it, not from the API', async () => {
    const cached = await startWebhook({
      kubeConfig: d.kubeConfig(),
      namespace: NS,
      addr: '127.0.0.1:0',
      checkIntervalMs: 60_000,
      bgpConfCache: () => ({
        hasSynced: true,
        get: (name: string) => (name === 'default' ? { metadata: { name }, spec: { as: 65077 } } : undefined),
        list: () => [],
      }),
    });
    try {
      d.mapService(NS, 'openelb-webhook', `127.0.0.1:${cached.port}`);
      await denied(
        bgpPeer('cache-ibgp', { peerAs: 65077, removePrivateAs: 'ALL' }),
        'spec.conf.removePrivateAs',
        'spec.as 65077',
      );
      await applyOk(bgpPeer('cache-ebgp', { peerAs: 65001, removePrivateAs: 'ALL' }));
    } finally {
      d.mapService(NS, 'openelb-webhook', `127.0.0.1:${hook.port}`);
      await cached.close();
    }
  });

  it('BgpConf deleted: such peers are allowed again', async () => {
    const r = await kubectl('delete', 'bgpconf', 'default');
    assert.equal(r.code, 0, r.stderr);
    await applyOk(bgpPeer('no-conf', { peerAs: 65001, removePrivateAs: 'ALL' }));
  });
});
