// One BgpPeer per neighbour and node, through plain `kubectl apply` on the API double with the
// install manifest's ValidatingWebhookConfiguration (issue 12: a second BgpPeer for an existing
// neighbour, other AS and adminDown, was accepted and showed the first one's ESTABLISHED session).
// Denials name spec.conf.neighborAddress and the other BgpPeer and store nothing; the same neighbour
// for disjoint nodeSelectors is fine; a clash stored before the webhook existed stays editable.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeDouble } from './double.ts';
import { raw } from './fixtures/helpers.ts';
import { kubectlRunner } from './fixtures/kubectl-run.ts';
import { startWebhookOnDouble, type WebhookOnDouble } from './fixtures/webhook-on-double.ts';

type Obj = Record<string, unknown>;

const bgpPeer = (name: string, conf: Obj, extra: Obj = {}): Obj => ({
  apiVersion: 'network.kubesphere.io/v1alpha2',
  kind: 'BgpPeer',
  metadata: { name },
  spec: { conf, ...extra },
});
const rack = (r: string): Obj => ({ nodeSelector: { matchLabels: { rack: r } } });

describe('webhook on the API double: one BgpPeer per neighbour and node', () => {
  let env: WebhookOnDouble | undefined;
  let d: KubeDouble;
  let tmp: string;

  const { apply, applyOk } = kubectlRunner(() => ({ kubeconfig: d.kubeconfigPath, dir: tmp }));
  const stored = async (name: string): Promise<Obj | undefined> => {
    const r = await raw(d.url, 'GET', `/apis/network.kubesphere.io/v1alpha2/bgppeers/${name}`);
    return r.status === 404 ? undefined : r.body;
  };
  const denied = async (o: Obj, ...texts: string[]): Promise<string> => {
    const name = String((o['metadata'] as Obj)['name']);
    const before = JSON.stringify((await stored(name)) ?? null);
    const r = await apply(o);
    assert.notEqual(r.code, 0, `accepted: ${r.stdout}`);
    for (const t of texts)
      assert.ok(r.stderr.includes(t), `stderr does not contain ${JSON.stringify(t)}: ${r.stderr}`);
    if (process.env.WEBHOOK_TEST_PRINT) process.stdout.write(`# ${r.stderr}`);
    assert.equal(JSON.stringify((await stored(name)) ?? null), before, `${name} unchanged`);
    return r.stderr;
  };

  before(async () => {
    // stored before the webhook existed (an install without it, or an upgrade from OpenELB)
    env = await startWebhookOnDouble('webhook-bgppeer-neighbor', (dbl) =>
      dbl
        .create([
          bgpPeer('old-tor', { neighborAddress: '192.0.2.9', peerAs: 65009 }),
          bgpPeer('old-tor-copy', { neighborAddress: '192.0.2.9', peerAs: 65010 }),
        ])
        .then(() => undefined),
    );
    ({ d, tmp } = env);
  });
  after(async () => {
    await env?.close();
  });

  it('a second BgpPeer for an existing neighbour (other AS, adminDown, another spelling) is denied, naming the field and the other BgpPeer', async () => {
    await applyOk(bgpPeer('tor-1', { neighborAddress: '2001:db8::1', peerAs: 65001 }));
    const err = await denied(
      bgpPeer('tor-1-shadow', { neighborAddress: '2001:DB8:0::1', peerAs: 65099, adminDown: true }),
      'spec.conf.neighborAddress',
      'BgpPeer "tor-1" already has neighbour 2001:db8::1',
    );
    assert.match(err, /Duplicate value: "2001:DB8:0::1"/);
    assert.equal(await stored('tor-1-shadow'), undefined);
  });

  it('the same neighbour for disjoint nodeSelectors is allowed (a ToR address repeated per rack)', async () => {
    await applyOk(bgpPeer('rack-a', { neighborAddress: '10.0.0.1', peerAs: 65101 }, rack('a')));
    await applyOk(bgpPeer('rack-b', { neighborAddress: '10.0.0.1', peerAs: 65102 }, rack('b')));
    await denied(
      bgpPeer(
        'zone-1',
        { neighborAddress: '10.0.0.1', peerAs: 65103 },
        { nodeSelector: { matchLabels: { zone: 'z1' } } },
      ),
      'spec.conf.neighborAddress',
      'BgpPeer "rack-a"',
      'BgpPeer "rack-b"',
    );
  });

  it('an edit that makes two nodeSelectors overlap, or moves a peer onto a taken neighbour, is denied', async () => {
    await denied(
      bgpPeer(
        'rack-b',
        { neighborAddress: '10.0.0.1', peerAs: 65102 },
        { nodeSelector: { matchExpressions: [{ key: 'rack', operator: 'In', values: ['a', 'b'] }] } },
      ),
      'spec.conf.neighborAddress',
      'BgpPeer "rack-a"',
    );
    await denied(
      bgpPeer('tor-1', { neighborAddress: '10.0.0.1', peerAs: 65001 }),
      'spec.conf.neighborAddress',
      'BgpPeer "rack-a"',
      'BgpPeer "rack-b"',
    );
  });

  it('a clash stored without the webhook: other edits stay possible, with a warning naming the other BgpPeer', async () => {
    const r = await applyOk(
      bgpPeer('old-tor-copy', { neighborAddress: '192.0.2.9', peerAs: 65010, description: 'to be removed' }),
    );
    assert.match(
      r.stderr,
      /Warning: spec\.conf\.neighborAddress: Duplicate value: "192\.0\.2\.9": BgpPeer "old-tor" .*already stored/,
    );
    assert.equal(
      ((await stored('old-tor-copy'))?.['spec'] as { conf: Obj }).conf['description'],
      'to be removed',
    );
  });
});
