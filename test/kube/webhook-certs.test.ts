// The manager's own certificates on the API double: two replicas starting at once create the Secret
// once and serve the same certificate; the caBundle is patched only when it differs; renewal (driven
// by an injected clock) and a CA rotation by another replica reach every server, and the API server
// keeps trusting every replica throughout.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { connect } from 'node:tls';
import yaml from 'js-yaml';
import { startKubeDouble, type KubeDouble } from './double.ts';
import { openWatch, type RawWatch } from './fixtures/watch-client.ts';
import { at, raw, waitFor } from './fixtures/helpers.ts';
import { KubeClient } from '../../src/kube/client.ts';
import { isAlreadyExists } from '../../src/kube/errors.ts';
import type { KubeObject, ResourceRef, WriteOptions } from '../../src/kube/index.ts';
import { planCertificates } from '../../src/webhook/certs.ts';
import { splitBundle } from '../../src/webhook/pki.ts';
import { startWebhook, type WebhookHandle } from '../../src/webhook/index.ts';

const REPO = resolve(import.meta.dirname, '../..');
const NS = 'openelb-system';
const SERVICE_NAME = 'openelb-webhook.openelb-system.svc';
const SECRET = `/api/v1/namespaces/${NS}/secrets/openelb-webhook-cert`;
const VWC = '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/openelb-admission';
const CRD = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';
const DAY = 24 * 60 * 60 * 1000;

type Obj = Record<string, unknown>;

/** SHA-256 fingerprint of the certificate a server presents (verified against `ca` when given). */
function servedFingerprint(port: number, ca?: string): Promise<string> {
  return new Promise((res, rej) => {
    const s = connect(
      { host: '127.0.0.1', port, servername: SERVICE_NAME, ...(ca ? { ca } : { rejectUnauthorized: false }) },
      () => {
        res(s.getPeerX509Certificate()?.fingerprint256 ?? '');
        s.end();
      },
    );
    s.on('error', rej);
  });
}

const fp = (pem: string | undefined): string => new X509Certificate(pem ?? '').fingerprint256;
const secretData = async (d: KubeDouble): Promise<Record<string, string>> => {
  const s = await raw(d.url, 'GET', SECRET);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries((s.body['data'] ?? {}) as Record<string, string>))
    out[k] = Buffer.from(v, 'base64').toString('utf8');
  return out;
};
const vwcBundle = async (d: KubeDouble): Promise<string[]> => {
  const v = await raw(d.url, 'GET', VWC);
  return (v.body['webhooks'] as Array<{ clientConfig: { caBundle?: string } }>).map((w) =>
    Buffer.from(w.clientConfig.caBundle ?? '', 'base64').toString('utf8'),
  );
};

describe('webhook certificates on the API double', () => {
  let d: KubeDouble;
  let h1: WebhookHandle;
  let h2: WebhookHandle;
  let secretWatch: RawWatch;
  let offset = 0;
  const now = (): Date => new Date(Date.now() + offset);

  before(async () => {
    d = await startKubeDouble();
    await d.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    const docs = yaml.loadAll(readFileSync(join(REPO, 'deploy/openelb.yaml'), 'utf8')) as Obj[];
    await d.create(docs.find((x) => x && x['kind'] === 'ValidatingWebhookConfiguration') as Obj);
    secretWatch = openWatch(
      d.url,
      `/api/v1/namespaces/${NS}/secrets?watch=true&resourceVersion=${d.resourceVersion()}`,
    );
    await secretWatch.status;
  });
  after(async () => {
    secretWatch?.close();
    await h1?.close();
    await h2?.close();
    await d?.close();
  });

  // Counts Secret creates and the ones that lost the race (409 AlreadyExists).
  const creates = { tried: 0, lost: 0 };
  class CountingClient extends KubeClient {
    override async create<T extends KubeObject>(
      r: ResourceRef,
      obj: unknown,
      opts?: WriteOptions,
    ): Promise<T> {
      if (r.kind === 'Secret') creates.tried++;
      try {
        return await super.create<T>(r, obj, opts);
      } catch (e) {
        if (r.kind === 'Secret' && isAlreadyExists(e)) creates.lost++;
        throw e;
      }
    }
  }
  const start = (): Promise<WebhookHandle> =>
    startWebhook({
      kubeConfig: d.kubeConfig(),
      client: new CountingClient(d.kubeConfig()),
      namespace: NS,
      addr: '127.0.0.1:0',
      checkIntervalMs: 3_600_000,
      now,
    });

  it('two replicas starting at once create the Secret once and serve the same certificate', async () => {
    // Hold both first GETs so both replicas see "no Secret" and both try to create it.
    d.faults.delayNext(2, 300, { method: 'GET', pathIncludes: 'secrets/openelb-webhook-cert' });
    [h1, h2] = await Promise.all([start(), start()]);
    assert.deepEqual(creates, { tried: 2, lost: 1 }, "both tried, one lost the race and read the winner's");
    await waitFor(() => h1.ready() && h2.ready(), 20_000, 'both ready');
    const data = await secretData(d);
    assert.equal(h1.certificate()?.cert, data['tls.crt']);
    assert.equal(h2.certificate()?.cert, data['tls.crt']);
    await waitFor(() => secretWatch.events.length >= 1, 5000, 'secret event');
    assert.deepEqual(
      secretWatch.events.map((e) => e.type),
      ['ADDED'],
      'created once, never rewritten',
    );
    const bundle = await vwcBundle(d);
    assert.ok(bundle.length >= 3 && bundle.every((b) => b === data['ca-bundle.crt']));
    for (const h of [h1, h2])
      assert.equal(await servedFingerprint(h.port, data['ca-bundle.crt']), fp(data['tls.crt']));
  });

  it('a steady-state pass patches nothing', async () => {
    const rv = async (p: string): Promise<string> =>
      String(((await raw(d.url, 'GET', p)).body['metadata'] as Obj)['resourceVersion']);
    const paths = [
      VWC,
      SECRET,
      `${CRD}/bgpconfs.network.kubesphere.io`,
      `${CRD}/bgppeers.network.kubesphere.io`,
    ];
    const before = await Promise.all(paths.map(rv));
    await h1.resync();
    await h2.resync();
    assert.deepEqual(await Promise.all(paths.map(rv)), before);
  });

  it('the serving certificate is renewed with a third of its life left; every replica reloads it', async () => {
    const old = await secretData(d);
    offset = 250 * DAY; // default serving validity is 365 days
    await h1.resync();
    const renewed = await secretData(d);
    assert.notEqual(renewed['tls.crt'], old['tls.crt']);
    assert.equal(renewed['ca.crt'], old['ca.crt'], 'same CA');
    assert.equal(renewed['ca-bundle.crt'], old['ca-bundle.crt'], 'bundle unchanged');
    assert.equal(await servedFingerprint(h1.port), fp(renewed['tls.crt']));
    assert.equal(await servedFingerprint(h2.port), fp(old['tls.crt']), 'h2 has not looked yet');
    await h2.resync();
    assert.equal(await servedFingerprint(h2.port), fp(renewed['tls.crt']));
    // Back to the real clock: that certificate is not valid yet, so it is replaced again.
    offset = 0;
    await h1.resync();
    await h2.resync();
    const back = await secretData(d);
    assert.notEqual(back['tls.crt'], renewed['tls.crt']);
    for (const h of [h1, h2])
      assert.equal(await servedFingerprint(h.port, back['ca-bundle.crt']), fp(back['tls.crt']));
  });

  it('a CA rotated by another replica: the bundle carries both CAs, so every replica stays trusted', async () => {
    const cur = await secretData(d);
    // What another replica writes when it rotates the CA: new CA + cert, bundle [new, old].
    const rotated = await planCertificates(
      {
        cert: cur['tls.crt'],
        key: cur['tls.key'],
        caCert: cur['ca.crt'],
        caKey: 'lost',
        caBundle: cur['ca-bundle.crt'],
      },
      new Date(),
      { dnsNames: [SERVICE_NAME, `${SERVICE_NAME}.cluster.local`] },
    );
    assert.equal(rotated.action, 'rotate-ca');
    const s = (await raw(d.url, 'GET', SECRET)).body;
    s['data'] = {
      ...(s['data'] as Record<string, string>),
      'tls.crt': Buffer.from(rotated.material.cert).toString('base64'),
      'tls.key': Buffer.from(rotated.material.key).toString('base64'),
      'ca.crt': Buffer.from(rotated.material.caCert).toString('base64'),
      'ca.key': Buffer.from(rotated.material.caKey).toString('base64'),
      'ca-bundle.crt': Buffer.from(rotated.material.caBundle).toString('base64'),
    };
    assert.equal((await raw(d.url, 'PUT', SECRET, s)).status, 200);

    await h1.resync();
    const bundle = await vwcBundle(d);
    assert.deepEqual(splitBundle(bundle[0]).map(fp), [fp(rotated.material.caCert), fp(cur['ca.crt'])]);
    const crd = (await raw(d.url, 'GET', `${CRD}/bgpconfs.network.kubesphere.io`)).body;
    assert.equal(
      Buffer.from(String(at(crd, 'spec.conversion.webhook.clientConfig.caBundle')), 'base64').toString(
        'utf8',
      ),
      rotated.material.caBundle,
    );
    assert.equal(await servedFingerprint(h1.port, rotated.material.caBundle), fp(rotated.material.cert));
    // h2 still serves the old CA's certificate, and the API server still trusts it.
    assert.equal(await servedFingerprint(h2.port, rotated.material.caBundle), fp(cur['tls.crt']));
    d.mapService(NS, 'openelb-webhook', `127.0.0.1:${h2.port}`);
    const created = await raw(d.url, 'POST', '/apis/network.kubesphere.io/v1alpha2/eips', {
      apiVersion: 'network.kubesphere.io/v1alpha2',
      kind: 'Eip',
      metadata: { name: 'through-h2' },
      spec: { address: '10.30.0.0/24' },
    });
    assert.equal(created.status, 201, created.text);
    const denied = await raw(d.url, 'POST', '/apis/network.kubesphere.io/v1alpha2/eips', {
      apiVersion: 'network.kubesphere.io/v1alpha2',
      kind: 'Eip',
      metadata: { name: 'bad' },
      spec: { address: '10.30.0.128/25' },
    });
    assert.equal(denied.status, 422, denied.text);
    assert.match(String(denied.body['message']), /overlaps Eip "through-h2"/);
    await h2.resync();
    assert.equal(await servedFingerprint(h2.port, rotated.material.caBundle), fp(rotated.material.cert));
    const conv = await raw(d.url, 'GET', '/apis/network.kubesphere.io/v1alpha1/bgpconfs');
    assert.equal(conv.status, 200, conv.text);
  });
});
