// End to end on the API double: the install manifest's ValidatingWebhookConfiguration points at the
// manager's webhook (Service openelb-system/openelb-webhook mapped to our loopback port), the manager
// patches the caBundle itself, and plain `kubectl apply` of each malformed manifest is denied with a
// message naming the field while nothing is stored. Conversion: BgpConf/BgpPeer written as v1alpha1
// read back as v1alpha2 and v1alpha1 through /convert.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import type { KubeDouble } from './double.ts';
import { raw } from './fixtures/helpers.ts';
import { kubectlRunner } from './fixtures/kubectl-run.ts';
import { startWebhook, type WebhookHandle } from '../../src/webhook/index.ts';
import { startWebhookOnDouble, type WebhookOnDouble } from './fixtures/webhook-on-double.ts';

const REPO = resolve(import.meta.dirname, '../..');
const NS = 'openelb-system';
const DEFAULT = 'eip.openelb.kubesphere.io/is-default-eip';

type Obj = Record<string, unknown>;

const eip = (name: string, spec: Obj, annotations?: Record<string, string>): Obj => ({
  apiVersion: 'network.kubesphere.io/v1alpha2',
  kind: 'Eip',
  metadata: annotations ? { name, annotations } : { name },
  spec,
});
const bgpConf = (spec: Obj, name = 'default'): Obj => ({
  apiVersion: 'network.kubesphere.io/v1alpha2',
  kind: 'BgpConf',
  metadata: { name },
  spec,
});
const bgpPeer = (name: string, spec: Obj): Obj => ({
  apiVersion: 'network.kubesphere.io/v1alpha2',
  kind: 'BgpPeer',
  metadata: { name },
  spec,
});
const peerConf = { neighborAddress: '192.168.0.5', peerAs: 50001 };

/** [case, manifest, field the denial must name, text it must contain] */
const MALFORMED: ReadonlyArray<[string, Obj, string, string]> = [
  [
    'reversed range',
    eip('bad-reversed', { address: '192.168.1.108-192.168.1.100' }),
    'spec.address',
    '192.168.1.108-192.168.1.100',
  ],
  ['garbage address', eip('bad-garbage', { address: 'ten.dot.zero' }), 'spec.address', 'ten.dot.zero'],
  ['a /33', eip('bad-33', { address: '10.9.0.0/33' }), 'spec.address', '/33'],
  ['mixed families', eip('bad-mixed', { address: '10.9.0.1-2001:db8::1' }), 'spec.address', 'mixes IPv4'],
  ['overlap', eip('bad-overlap', { address: '192.168.0.104/30' }), 'spec.address', 'eip-pool'],
  ['unknown protocol', eip('bad-proto', { address: '10.9.1.1', protocol: 'ospf' }), 'spec.protocol', 'ospf'],
  ['vip protocol', eip('bad-vip', { address: '10.9.1.2', protocol: 'vip' }), 'spec.protocol', 'keepalived'],
  [
    'second default pool',
    eip('bad-default', { address: '10.9.2.0/24' }, { [DEFAULT]: 'true' }),
    `metadata.annotations[${DEFAULT}]`,
    'default-pool',
  ],
  [
    'layer2 on lo',
    eip('bad-lo', { address: '10.9.3.1', protocol: 'layer2', interface: 'lo' }),
    'spec.interface',
    'loopback',
  ],
  ['AS 0', bgpConf({ as: 0, listenPort: 17900 }), 'spec.as', 'reserved'],
  ['IPv6 router id', bgpConf({ as: 50000, routerId: '2001:db8::1' }), 'spec.routerId', 'IPv4'],
  ['listen port 0', bgpConf({ as: 50000, listenPort: 0 }), 'spec.listenPort', '-1'],
  ['unknown family', bgpConf({ as: 50000, families: [65540] }), 'spec.families[0]', '65540'],
  [
    'listen address with a prefix length',
    bgpConf({ as: 50000, listenAddresses: ['10.99.0.0/24'] }),
    'spec.listenAddresses[0]',
    '10.99.0.0/24',
  ],
  [
    'listen address with a zone index',
    bgpConf({ as: 50000, listenAddresses: ['fe80::11%eth0'] }),
    'spec.listenAddresses[0]',
    'no zone index',
  ],
  [
    'bad neighbour',
    bgpPeer('bad-neighbor', { conf: { neighborAddress: '192.168.0.256', peerAs: 50001 } }),
    'spec.conf.neighborAddress',
    '192.168.0.256',
  ],
  [
    'hold time 2',
    bgpPeer('bad-hold', { conf: peerConf, timers: { config: { holdTime: '2' } } }),
    'spec.timers.config.holdTime',
    '3 and 65535',
  ],
  [
    'keepalive >= hold',
    bgpPeer('bad-keepalive', {
      conf: peerConf,
      timers: { config: { holdTime: '9', keepaliveInterval: '10' } },
    }),
    'spec.timers.config.keepaliveInterval',
    'less than holdTime',
  ],
  [
    'evpn family',
    bgpPeer('bad-family', {
      conf: peerConf,
      afiSafis: [{ config: { family: { afi: 'AFI_L2VPN', safi: 'SAFI_EVPN' } } }],
    }),
    'spec.afiSafis[0].config.family',
    'AFI_L2VPN',
  ],
  [
    'vrf',
    bgpPeer('bad-vrf', { conf: { ...peerConf, vrf: 'blue' } }),
    'spec.conf.vrf',
    'global routing table',
  ],
  [
    'multihop ttl 0',
    bgpPeer('bad-ttl', { conf: peerConf, ebgpMultihop: { enabled: true, multihopTtl: 0 } }),
    'spec.ebgpMultihop.multihopTtl',
    '1 and 255',
  ],
];

describe('webhook on the API double: admission through kubectl', () => {
  let env: WebhookOnDouble | undefined;
  let d: KubeDouble;
  let hook: WebhookHandle;
  let tmp: string;

  const { kubectl, apply, applyOk } = kubectlRunner(() => ({ kubeconfig: d.kubeconfigPath, dir: tmp }));
  const names = async (plural: string): Promise<string[]> => {
    const r = await raw(d.url, 'GET', `/apis/network.kubesphere.io/v1alpha2/${plural}`);
    return ((r.body['items'] as Obj[]) ?? []).map((i) => String((i['metadata'] as Obj)['name'])).sort();
  };

  before(async () => {
    env = await startWebhookOnDouble('webhook-admission');
    ({ d, hook, tmp } = env);
  });
  after(async () => {
    await env?.close();
  });

  it('the manager patched the caBundle into every webhook and the conversion CRDs', async () => {
    const want = Buffer.from(hook.certificate()?.caBundle ?? '').toString('base64');
    const vwc = await raw(
      d.url,
      'GET',
      '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/openelb-admission',
    );
    const hooks = vwc.body['webhooks'] as Array<{ clientConfig: { caBundle?: string } }>;
    assert.ok(hooks.length >= 3);
    for (const h of hooks) assert.equal(h.clientConfig.caBundle, want);
    for (const crd of ['bgpconfs', 'bgppeers']) {
      const c = await raw(
        d.url,
        'GET',
        `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd}.network.kubesphere.io`,
      );
      const conv = (c.body['spec'] as Obj)['conversion'] as {
        webhook: { clientConfig: { caBundle?: string } };
      };
      assert.equal(conv.webhook.clientConfig.caBundle, want, crd);
    }
    const e = await raw(
      d.url,
      'GET',
      '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/eips.network.kubesphere.io',
    );
    assert.equal(
      ((e.body['spec'] as Obj)['conversion'] as Obj)['webhook'],
      undefined,
      'Eip keeps strategy None',
    );
  });

  it('valid seed objects and a huge IPv6 pool pass', async () => {
    for (const f of ['eip.yaml', 'bgpconf.yaml', 'bgppeer.yaml']) {
      const r = await kubectl('apply', '-f', join(REPO, 'examples', f));
      assert.equal(r.code, 0, `${f}: ${r.stderr}`);
    }
    await applyOk(eip('default-pool', { address: '10.8.0.0/24' }, { [DEFAULT]: 'true' }));
    await applyOk(eip('v6-huge', { address: '2001:db8::/32' }));
  });

  it('warnings reach kubectl', async () => {
    const r = await applyOk(
      bgpPeer('plain-password', {
        conf: { ...peerConf, neighborAddress: '192.168.0.6', authPassword: 'hunter2' },
      }),
    );
    assert.match(r.stderr, /Warning: spec\.conf\.authPassword: .*authPasswordSecretRef/);
  });

  for (const [what, manifest, field, text] of MALFORMED) {
    it(`denies: ${what} (names ${field})`, async () => {
      const before = await names(`${String(manifest['kind']).toLowerCase()}s`);
      const r = await apply(manifest);
      assert.notEqual(r.code, 0, `accepted: ${r.stdout}`);
      assert.ok(r.stderr.includes(field), `stderr does not name ${field}: ${r.stderr}`);
      assert.ok(r.stderr.includes(text), `stderr does not contain ${JSON.stringify(text)}: ${r.stderr}`);
      if (process.env.WEBHOOK_TEST_PRINT) process.stdout.write(`# ${what}: ${r.stderr}`);
      assert.deepEqual(await names(`${String(manifest['kind']).toLowerCase()}s`), before, 'nothing stored');
    });
  }

  it('the stored BgpConf is unchanged after the denied edits', async () => {
    const r = await raw(d.url, 'GET', '/apis/network.kubesphere.io/v1alpha2/bgpconfs/default');
    assert.deepEqual(r.body['spec'], { as: 50000, listenPort: 17900 });
  });

  it('address edits: allowed while allocations stay inside, denied naming orphaned IPs', async () => {
    await applyOk(eip('edit-pool', { address: '10.20.0.0/24' }));
    const st = await raw(
      d.url,
      'PATCH',
      '/apis/network.kubesphere.io/v1alpha2/eips/edit-pool/status',
      { status: { used: { '10.20.0.5': 'default/web' } } },
      { 'Content-Type': 'application/merge-patch+json' },
    );
    assert.equal(st.status, 200, st.text);
    await applyOk(eip('edit-pool', { address: '10.20.0.0-10.20.0.9' }));
    const r = await apply(eip('edit-pool', { address: '10.20.1.0/24' }));
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /spec\.address/);
    assert.match(r.stderr, /10\.20\.0\.5 \(default\/web\)/);
    const now = await raw(d.url, 'GET', '/apis/network.kubesphere.io/v1alpha2/eips/edit-pool');
    assert.equal((now.body['spec'] as Obj)['address'], '10.20.0.0-10.20.0.9');
  });

  it('Eip checks read the synced cache, and LIST through the client before it has synced', async () => {
    let synced = true;
    const phantom = { metadata: { name: 'cached-only' }, spec: { address: '10.40.0.0/24' } };
    const cached = await startWebhook({
      kubeConfig: d.kubeConfig(),
      namespace: NS,
      addr: '127.0.0.1:0',
      checkIntervalMs: 60_000,
      eipCache: () => ({ hasSynced: synced, list: () => [phantom] }),
    });
    try {
      d.mapService(NS, 'openelb-webhook', `127.0.0.1:${cached.port}`);
      const denied = await apply(eip('from-cache', { address: '10.40.0.0/25' }));
      assert.match(denied.stderr, /overlaps Eip "cached-only"/);
      synced = false;
      await applyOk(eip('from-list', { address: '10.40.0.0/25' }));
    } finally {
      d.mapService(NS, 'openelb-webhook', `127.0.0.1:${hook.port}`);
      await cached.close();
    }
  });

  it('conversion: v1alpha1 BgpConf read as v1alpha2 and back, round trip equal', async () => {
    const v1 = { as: 50010, routerID: '172.22.0.10', port: 17901 };
    const applied = await applyOk({
      apiVersion: 'network.kubesphere.io/v1alpha1',
      kind: 'BgpConf',
      metadata: { name: 'legacy' },
      spec: v1,
    });
    // the CRD marks v1alpha1 deprecated: the API server says so on every request to it
    assert.match(
      applied.stderr,
      /Warning: network\.kubesphere\.io\/v1alpha1 BgpConf is deprecated; use network\.kubesphere\.io\/v1alpha2/,
    );
    const asV2 = JSON.parse(
      (await kubectl('get', 'bgpconfs.v1alpha2.network.kubesphere.io', 'legacy', '-o', 'json')).stdout,
    ) as Obj;
    assert.equal(asV2['apiVersion'], 'network.kubesphere.io/v1alpha2');
    assert.deepEqual(asV2['spec'], { as: 50010, routerId: '172.22.0.10', listenPort: 17901 });
    const asV1 = JSON.parse(
      (await kubectl('get', 'bgpconfs.v1alpha1.network.kubesphere.io', 'legacy', '-o', 'json')).stdout,
    ) as Obj;
    assert.equal(asV1['apiVersion'], 'network.kubesphere.io/v1alpha1');
    assert.deepEqual(asV1['spec'], v1);
  });

  it('conversion: v1alpha1 BgpPeer fields v1alpha2 lacks survive the round trip', async () => {
    const v1 = {
      config: { peerAs: 50002, neighborAddress: '192.168.0.7' },
      addPaths: { sendMax: 10 },
      transport: { passiveMode: true, remotePort: 1790 },
      usingPortForward: true,
    };
    await applyOk({
      apiVersion: 'network.kubesphere.io/v1alpha1',
      kind: 'BgpPeer',
      metadata: { name: 'legacy-peer' },
      spec: v1,
    });
    const asV2 = JSON.parse(
      (await kubectl('get', 'bgppeers.v1alpha2.network.kubesphere.io', 'legacy-peer', '-o', 'json')).stdout,
    ) as Obj;
    assert.deepEqual((asV2['spec'] as Obj)['conf'], { peerAs: 50002, neighborAddress: '192.168.0.7' });
    const asV1 = JSON.parse(
      (await kubectl('get', 'bgppeers.v1alpha1.network.kubesphere.io', 'legacy-peer', '-o', 'json')).stdout,
    ) as Obj;
    assert.deepEqual(asV1['spec'], v1);
  });

  // The v1alpha1 schemas accept both values: only the webhook, called with the object converted to
  // v1alpha2, can refuse them (the BgpPeer field is named as v1alpha2 spells it: conf, not config).
  it('v1alpha1 writes are validated as v1alpha2 (matchPolicy Equivalent): denied naming the v1alpha2 field, nothing stored', async () => {
    const cases: Array<[Obj, string, string]> = [
      [
        {
          apiVersion: 'network.kubesphere.io/v1alpha1',
          kind: 'BgpPeer',
          metadata: { name: 'legacy-bad' },
          spec: { config: { peerAs: 50001, neighborAddress: '192.168.0.256' } },
        },
        'bgppeers',
        'spec.conf.neighborAddress',
      ],
      [
        {
          apiVersion: 'network.kubesphere.io/v1alpha1',
          kind: 'Eip',
          metadata: { name: 'legacy-33' },
          spec: { address: '10.9.9.0/33' },
        },
        'eips',
        'spec.address',
      ],
    ];
    for (const [manifest, plural, field] of cases) {
      const before = await names(plural);
      const r = await apply(manifest);
      assert.notEqual(r.code, 0, `accepted: ${r.stdout}`);
      assert.ok(r.stderr.includes(field), `stderr does not name ${field}: ${r.stderr}`);
      assert.deepEqual(await names(plural), before, 'nothing stored');
    }
  });
});
