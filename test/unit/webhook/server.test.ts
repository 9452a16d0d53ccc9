// The HTTPS server on loopback: review shapes, conversion, errors, certificate hot reload.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { planCertificates, type CertMaterial } from '../../../src/webhook/certs.ts';
import { WebhookServer } from '../../../src/webhook/server.ts';
import type { EipLike } from '../../../src/api/rules/index.ts';

const NAME = 'openelb-webhook.openelb-system.svc';

interface ReviewResponse {
  uid: string;
  allowed: boolean;
  status: { code: number; reason?: string; message: string; details: { causes: Array<{ field: string }> } };
  warnings?: string[];
}
interface ConversionResponse {
  uid: string;
  result: { status: string };
  convertedObjects: Array<{ spec: unknown }>;
}
interface Answer {
  status: number;
  text: string;
  json: () => { response: ReviewResponse & ConversionResponse };
}

function post(port: number, ca: string, path: string, body: unknown, method = 'POST'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const payload = typeof body === 'string' ? body : JSON.stringify(body);
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method,
        ca,
        servername: NAME,
        agent: false,
        headers: { 'Content-Type': 'application/json' },
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            text,
            json: () => JSON.parse(text) as ReturnType<Answer['json']>,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(method === 'GET' ? undefined : payload);
  });
}

function review(
  kind: string,
  object: unknown,
  operation = 'CREATE',
  oldObject: unknown = null,
): Record<string, unknown> {
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: 'u-1',
      kind: { group: 'network.kubesphere.io', version: 'v1alpha2', kind },
      name: (object as { metadata: { name: string } }).metadata.name,
      operation,
      object,
      oldObject,
    },
  };
}

describe('WebhookServer', () => {
  let m: CertMaterial;
  let server: WebhookServer;
  let eips: EipLike[] = [];
  let eipsFail = false;
  before(async () => {
    m = (await planCertificates(undefined, new Date(), { dnsNames: [NAME] })).material;
    server = new WebhookServer({
      host: '127.0.0.1',
      port: 0,
      tls: m,
      eips: async () => {
        if (eipsFail) throw new Error('apiserver unreachable');
        return eips;
      },
    });
    await server.listen();
  });
  after(() => server.close());

  it('/healthz', async () => {
    const r = await post(server.port, m.caBundle, '/healthz', '', 'GET');
    assert.equal(r.status, 200);
  });

  it('denies with code 422, every field in message and causes, warnings alongside', async () => {
    eips = [{ metadata: { name: 'eip-pool' }, spec: { address: '192.168.0.100-192.168.0.108' } }];
    const obj = {
      apiVersion: 'network.kubesphere.io/v1alpha2',
      kind: 'Eip',
      metadata: { name: 'bad' },
      spec: { address: '192.168.0.0/24', protocol: 'vip', usingKnownIPs: true },
    };
    const r = await post(server.port, m.caBundle, '/validate-eip?timeout=10s', review('Eip', obj));
    assert.equal(r.status, 200);
    const resp = r.json().response;
    assert.equal(resp.uid, 'u-1');
    assert.equal(resp.allowed, false);
    assert.equal(resp.status.code, 422);
    assert.equal(resp.status.reason, 'Invalid');
    assert.match(resp.status.message, /^Eip "bad" is invalid: /);
    assert.match(resp.status.message, /spec\.address: .*overlaps Eip "eip-pool"/);
    assert.match(resp.status.message, /spec\.protocol: .*"vip"/);
    assert.deepEqual(resp.status.details.causes.map((c) => c.field).sort(), [
      'spec.address',
      'spec.protocol',
    ]);
    assert.deepEqual(resp.warnings, ['spec.usingKnownIPs: ignored (OpenELB 0.6 no longer reads it either)']);
  });

  it('allows a valid object (OpenELB path alias too); DELETE is always allowed', async () => {
    eips = [];
    const obj = {
      apiVersion: 'network.kubesphere.io/v1alpha2',
      kind: 'Eip',
      metadata: { name: 'ok' },
      spec: { address: '10.0.0.0/24' },
    };
    for (const p of ['/validate-eip', '/validate-network-kubesphere-io-v1alpha2-eip']) {
      const resp = (await post(server.port, m.caBundle, p, review('Eip', obj))).json().response;
      assert.equal(resp.allowed, true);
      assert.equal(resp.warnings, undefined);
    }
    const del = (
      await post(
        server.port,
        m.caBundle,
        '/validate-eip',
        review('Eip', { metadata: { name: 'x' } }, 'DELETE'),
      )
    ).json().response;
    assert.equal(del.allowed, true);
  });

  it('validates a v1alpha1 object after converting it', async () => {
    const obj = {
      apiVersion: 'network.kubesphere.io/v1alpha1',
      kind: 'BgpConf',
      metadata: { name: 'default' },
      spec: { as: 0, routerID: '10.0.0.1', port: 17900 },
    };
    const resp = (await post(server.port, m.caBundle, '/validate-bgpconf', review('BgpConf', obj))).json()
      .response;
    assert.equal(resp.allowed, false);
    assert.match(resp.status.message, /spec\.as: .*reserved/);
  });

  it('warns (does not deny) when an Eip covers a Node or BgpPeer address it can see; a failed read of them is a warning', async () => {
    const hosts = new WebhookServer({
      host: '127.0.0.1',
      port: 0,
      tls: m,
      eips: async () => [],
      nodes: async () => [
        {
          metadata: { name: 'node1' },
          status: { addresses: [{ type: 'InternalIP', address: '10.99.0.11' }] },
        },
      ],
      bgpPeers: async () => {
        throw new Error('peers unreachable');
      },
    });
    await hosts.listen();
    try {
      const obj = {
        apiVersion: 'network.kubesphere.io/v1alpha2',
        kind: 'Eip',
        metadata: { name: 'lan' },
        spec: { address: '10.99.0.0/24', protocol: 'layer2' },
      };
      const resp = (await post(hosts.port, m.caBundle, '/validate-eip', review('Eip', obj))).json().response;
      assert.equal(resp.allowed, true);
      const w = resp.warnings ?? [];
      assert.equal(w.length, 2);
      assert.match(
        w[0] ?? '',
        /^spec\.address: not checked against node and BGP peer addresses: cannot read the BgpPeers: peers unreachable/,
      );
      assert.match(
        w[1] ?? '',
        /^spec\.address: "10\.99\.0\.0\/24" covers 10\.99\.0\.11 \(InternalIP of Node "node1"\)/,
      );
    } finally {
      await hosts.close();
    }
  });

  it('a failed Eip lookup is a 500 denial, not a hang', async () => {
    eipsFail = true;
    const obj = { metadata: { name: 'x' }, spec: { address: '10.0.0.1' } };
    const resp = (await post(server.port, m.caBundle, '/validate-eip', review('Eip', obj))).json().response;
    eipsFail = false;
    assert.equal(resp.allowed, false);
    assert.equal(resp.status.code, 500);
    assert.match(resp.status.message, /apiserver unreachable/);
  });

  it('a kind sent to the wrong endpoint is refused', async () => {
    const resp = (
      await post(
        server.port,
        m.caBundle,
        '/validate-bgppeer',
        review('Eip', { metadata: { name: 'x' }, spec: {} }),
      )
    ).json().response;
    assert.equal(resp.allowed, false);
    assert.equal(resp.status.code, 400);
  });

  it('/convert answers a ConversionReview', async () => {
    const obj = {
      apiVersion: 'network.kubesphere.io/v1alpha1',
      kind: 'BgpConf',
      metadata: { name: 'default' },
      spec: { as: 50000, routerID: '10.0.0.1', port: 17900 },
    };
    const body = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'ConversionReview',
      request: { uid: 'c-1', desiredAPIVersion: 'network.kubesphere.io/v1alpha2', objects: [obj] },
    };
    const resp = (await post(server.port, m.caBundle, '/convert', body)).json().response;
    assert.equal(resp.uid, 'c-1');
    assert.equal(resp.result.status, 'Success');
    assert.deepEqual(resp.convertedObjects[0]?.spec, { as: 50000, routerId: '10.0.0.1', listenPort: 17900 });
  });

  it('garbage gets 400, unknown paths 404, GET on a hook 405', async () => {
    assert.equal((await post(server.port, m.caBundle, '/validate-eip', '{not json')).status, 400);
    assert.equal((await post(server.port, m.caBundle, '/validate-eip', { kind: 'Something' })).status, 400);
    assert.equal((await post(server.port, m.caBundle, '/convert', { request: {} })).status, 400);
    assert.equal((await post(server.port, m.caBundle, '/nope', {})).status, 404);
    assert.equal((await post(server.port, m.caBundle, '/validate-eip', '', 'GET')).status, 405);
  });

  it('hot-reloads a certificate from a new CA', async () => {
    const next = (await planCertificates(undefined, new Date(), { dnsNames: [NAME] })).material;
    server.setCertificate(next);
    assert.equal((await post(server.port, next.caBundle, '/healthz', '', 'GET')).status, 200);
    await assert.rejects(post(server.port, m.caBundle, '/healthz', '', 'GET'), /certificate/);
  });
});
