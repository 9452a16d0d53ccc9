// Admission (validating/mutating) and CRD conversion call-outs over HTTPS with caBundle.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { startKubeDouble, type KubeDouble } from './double.ts';
import { makeCerts, type TestCerts } from './fixtures/certs.ts';
import { arr, at, EIPS, eip, FIXTURE_CRDS, raw, type Obj } from './fixtures/helpers.ts';
import { openWatch } from './fixtures/watch-client.ts';

type Review = { request: Obj };

const WIDGET_CRD = (caBundle: string): Record<string, unknown> => ({
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'widgets.test.example.com' },
  spec: {
    group: 'test.example.com',
    scope: 'Namespaced',
    names: { kind: 'Widget', plural: 'widgets', singular: 'widget', shortNames: ['wd'] },
    conversion: { strategy: 'Webhook', webhook: { conversionReviewVersions: ['v1'], clientConfig: { service: { namespace: 'hooks', name: 'conv', path: '/convert' }, caBundle } } },
    versions: [
      { name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } } } } } },
      { name: 'v2', served: true, storage: false, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { replicas: { type: 'integer' } } } } } } },
    ],
  },
});

/** v1 spec.size <-> v2 spec.replicas */
function convert(obj: Obj, to: string): Obj {
  const out = structuredClone(obj);
  out.apiVersion = to;
  if (to.endsWith('/v2')) out.spec = { replicas: at(obj, 'spec.size') };
  else out.spec = { size: at(obj, 'spec.replicas') };
  return out;
}

describe('kube double: webhooks', () => {
  let d: KubeDouble;
  let certs: TestCerts;
  let hook: Server;
  const calls: Review[] = [];
  before(async () => {
    certs = makeCerts(['hooks-svc.hooks.svc', 'conv.hooks.svc']);
    hook = createServer({ key: certs.key, cert: certs.cert }, (req, res) => {
      let text = '';
      req.on('data', (c: Buffer) => (text += c.toString()));
      req.on('end', () => {
        const review = JSON.parse(text) as Review & { kind: string };
        const url = req.url ?? '';
        let response: Record<string, unknown>;
        if (url.startsWith('/convert')) {
          const r = review.request;
          response = { uid: r.uid, result: { status: 'Success' }, convertedObjects: arr(r, 'objects').map((o) => convert(o, String(r.desiredAPIVersion))) };
          res.setHeader('Content-Type', 'application/json');
          res.end(JSON.stringify({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'ConversionReview', response }));
          return;
        }
        calls.push(review);
        if (url.startsWith('/validate')) {
          const deny = at(review.request, 'object.spec.address') === '9.9.9.9';
          response = { uid: review.request.uid, allowed: !deny };
          if (deny) response.status = { message: 'address 9.9.9.9 is reserved' };
        } else {
          const patch = [{ op: 'add', path: '/metadata/labels', value: { mutated: 'yes' } }];
          response = { uid: review.request.uid, allowed: true, patchType: 'JSONPatch', patch: Buffer.from(JSON.stringify(patch)).toString('base64') };
        }
        res.setHeader('Content-Type', 'application/json');
        res.end(JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response }));
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    const hostPort = `127.0.0.1:${(hook.address() as AddressInfo).port}`;
    d = await startKubeDouble({ crdDirs: [FIXTURE_CRDS], serviceHosts: { 'hooks/hooks-svc': hostPort } });
    d.mapService('hooks', 'conv', hostPort);
  });
  after(async () => {
    await d.close();
    hook.closeAllConnections();
    await new Promise((r) => hook.close(r));
  });

  const rule = { apiGroups: ['network.kubesphere.io'], apiVersions: ['v1alpha2'], operations: ['CREATE', 'UPDATE'], resources: ['eips'] };

  it('validating webhook denies with the real message and code, allows otherwise', async () => {
    const vwc = {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingWebhookConfiguration',
      metadata: { name: 'eip-validate' },
      webhooks: [{ name: 'validate.eip.network.kubesphere.io', admissionReviewVersions: ['v1'], sideEffects: 'None', rules: [rule], clientConfig: { service: { namespace: 'hooks', name: 'hooks-svc', path: '/validate' }, caBundle: certs.caBundle } }],
    };
    const created = await raw(d.url, 'POST', '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations', vwc);
    assert.equal(created.status, 201);
    const denied = await raw(d.url, 'POST', EIPS, eip('reserved', '9.9.9.9'));
    assert.equal(denied.status, 400);
    assert.equal(denied.body.message, 'admission webhook "validate.eip.network.kubesphere.io" denied the request: address 9.9.9.9 is reserved');
    const ok = await raw(d.url, 'POST', EIPS, eip('fine', '1.2.3.4'));
    assert.equal(ok.status, 201);
    const last = calls[calls.length - 1];
    assert.equal(last?.request.operation, 'CREATE');
    assert.deepEqual(last?.request.kind, { group: 'network.kubesphere.io', version: 'v1alpha2', kind: 'Eip' });
    assert.equal(last?.request.name, 'fine');
    const upd = await raw(d.url, 'PATCH', `${EIPS}/fine`, { spec: { address: '9.9.9.9' } }, { 'Content-Type': 'application/merge-patch+json' });
    assert.equal(upd.status, 400);
    assert.equal(at(calls[calls.length - 1]?.request, 'oldObject.spec.address'), '1.2.3.4');
    await raw(d.url, 'DELETE', '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/eip-validate');
  });

  it('mutating webhook patches the object; objectSelector limits it', async () => {
    const mwc = {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'MutatingWebhookConfiguration',
      metadata: { name: 'eip-mutate' },
      webhooks: [{ name: 'mutate.eip.example.com', admissionReviewVersions: ['v1'], sideEffects: 'None', rules: [rule], objectSelector: { matchExpressions: [{ key: 'skip', operator: 'DoesNotExist' }] }, clientConfig: { service: { namespace: 'hooks', name: 'hooks-svc', path: '/mutate' }, caBundle: certs.caBundle } }],
    };
    assert.equal((await raw(d.url, 'POST', '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations', mwc)).status, 201);
    const m = await raw(d.url, 'POST', EIPS, eip('mut', '2.2.2.2'));
    assert.deepEqual((m.body.metadata as Record<string, unknown>).labels, { mutated: 'yes' });
    const skipped = await raw(d.url, 'POST', EIPS, { ...eip('skip', '3.3.3.3'), metadata: { name: 'skip', labels: { skip: 'true' } } });
    assert.deepEqual((skipped.body.metadata as Record<string, unknown>).labels, { skip: 'true' });
    await raw(d.url, 'DELETE', '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/eip-mutate');
  });

  it('failurePolicy: Fail gives 500 when the webhook is unreachable or untrusted, Ignore lets it pass', async () => {
    const other = makeCerts(['x.y.svc']);
    const base = (name: string, policy: string, caBundle: string, svc: string): Record<string, unknown> => ({
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingWebhookConfiguration',
      metadata: { name },
      webhooks: [{ name: `${name}.example.com`, failurePolicy: policy, timeoutSeconds: 2, admissionReviewVersions: ['v1'], sideEffects: 'None', rules: [rule], clientConfig: { service: { namespace: 'hooks', name: svc, path: '/validate' }, caBundle } }],
    });
    const VWC = '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations';
    await raw(d.url, 'POST', VWC, base('untrusted', 'Fail', other.caBundle, 'hooks-svc'));
    const r = await raw(d.url, 'POST', EIPS, eip('e1', '4.4.4.4'));
    assert.equal(r.status, 500);
    assert.match(String(r.body.message), /^Internal error occurred: failed calling webhook "untrusted\.example\.com": failed to call webhook: Post "https:\/\/hooks-svc\.hooks\.svc:443\/validate\?timeout=2s": /);
    await raw(d.url, 'DELETE', `${VWC}/untrusted`);
    await raw(d.url, 'POST', VWC, base('missing', 'Ignore', certs.caBundle, 'nowhere'));
    assert.equal((await raw(d.url, 'POST', EIPS, eip('e2', '5.5.5.5'))).status, 201);
    await raw(d.url, 'DELETE', `${VWC}/missing`);
  });

  it('conversion webhook: stored in v1, served as v2 for get, list and watch', async () => {
    const crd = await raw(d.url, 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', WIDGET_CRD(certs.caBundle));
    assert.equal(crd.status, 201);
    const W1 = '/apis/test.example.com/v1/namespaces/default/widgets';
    const W2 = '/apis/test.example.com/v2/namespaces/default/widgets';
    const w = openWatch(d.url, `${W2}?watch=true`);
    await w.status;
    const c = await raw(d.url, 'POST', W1, { apiVersion: 'test.example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { size: 3 } });
    assert.equal(c.status, 201);
    const got = await raw(d.url, 'GET', `${W2}/w`);
    assert.equal(got.body.apiVersion, 'test.example.com/v2');
    assert.deepEqual(got.body.spec, { replicas: 3 });
    const l = await raw(d.url, 'GET', W2);
    assert.deepEqual(arr(l.body, 'items').map((i) => at(i, 'spec.replicas')), [3]);
    const viaV2 = await raw(d.url, 'POST', W2, { apiVersion: 'test.example.com/v2', kind: 'Widget', metadata: { name: 'w2' }, spec: { replicas: 5 } });
    assert.equal(viaV2.status, 201);
    assert.deepEqual((await raw(d.url, 'GET', `${W1}/w2`)).body.spec, { size: 5 });
    const start = Date.now();
    while (w.events.length < 2 && Date.now() - start < 5000) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(w.events.map((e) => at(e.object, 'spec.replicas')), [3, 5]);
    w.close();
  });
});
