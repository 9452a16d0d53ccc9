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
    conversion: {
      strategy: 'Webhook',
      webhook: {
        conversionReviewVersions: ['v1'],
        clientConfig: { service: { namespace: 'hooks', name: 'conv', path: '/convert' }, caBundle },
      },
    },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } } },
          },
        },
      },
      {
        name: 'v2',
        served: true,
        storage: false,
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: { spec: { type: 'object', properties: { replicas: { type: 'integer' } } } },
          },
        },
      },
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
  let hookPort = 0;
  const calls: Review[] = [];
  before(async () => {
    certs = makeCerts(['hooks-svc.hooks.svc', 'conv.hooks.svc', 'by-slice.hooks.svc']);
    hook = createServer({ key: certs.key, cert: certs.cert }, (req, res) => {
      let text = '';
      req.on('data', (c: Buffer) => (text += c.toString()));
      req.on('end', () => {
        const review = JSON.parse(text) as Review & { kind: string };
        const url = req.url ?? '';
        let response: Record<string, unknown>;
        if (url.startsWith('/convert')) {
          const r = review.request;
          response = {
            uid: r.uid,
            result: { status: 'Success' },
            convertedObjects: arr(r, 'objects').map((o) => convert(o, String(r.desiredAPIVersion))),
          };
          res.setHeader('Content-Type', 'application/json');
          res.end(
            JSON.stringify({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'ConversionReview', response }),
          );
          return;
        }
        calls.push(review);
        if (url.startsWith('/validate')) {
          const deny = at(review.request, 'object.spec.address') === '9.9.9.9';
          response = { uid: review.request.uid, allowed: !deny };
          if (deny) response.status = { message: 'address 9.9.9.9 is reserved' };
        } else {
          const patch = [{ op: 'add', path: '/metadata/labels', value: { mutated: 'yes' } }];
          response = {
            uid: review.request.uid,
            allowed: true,
            patchType: 'JSONPatch',
            patch: Buffer.from(JSON.stringify(patch)).toString('base64'),
          };
        }
        res.setHeader('Content-Type', 'application/json');
        res.end(JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response }));
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    const hostPort = `127.0.0.1:${(hook.address() as AddressInfo).port}`;
    hookPort = (hook.address() as AddressInfo).port;
    d = await startKubeDouble({ crdDirs: [FIXTURE_CRDS], serviceHosts: { 'hooks/hooks-svc': hostPort } });
    d.mapService('hooks', 'conv', hostPort);
    await raw(d.url, 'POST', '/api/v1/namespaces', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'hooks' },
    });
  });
  after(async () => {
    await d.close();
    hook.closeAllConnections();
    await new Promise((r) => hook.close(r));
  });

  const rule = {
    apiGroups: ['network.kubesphere.io'],
    apiVersions: ['v1alpha2'],
    operations: ['CREATE', 'UPDATE'],
    resources: ['eips'],
  };

  it('validating webhook denies with the real message and code, allows otherwise', async () => {
    const vwc = {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingWebhookConfiguration',
      metadata: { name: 'eip-validate' },
      webhooks: [
        {
          name: 'validate.eip.network.kubesphere.io',
          admissionReviewVersions: ['v1'],
          sideEffects: 'None',
          rules: [rule],
          clientConfig: {
            service: { namespace: 'hooks', name: 'hooks-svc', path: '/validate' },
            caBundle: certs.caBundle,
          },
        },
      ],
    };
    const created = await raw(
      d.url,
      'POST',
      '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations',
      vwc,
    );
    assert.equal(created.status, 201);
    const denied = await raw(d.url, 'POST', EIPS, eip('reserved', '9.9.9.9'));
    assert.equal(denied.status, 400);
    assert.equal(
      denied.body.message,
      'admission webhook "validate.eip.network.kubesphere.io" denied the request: address 9.9.9.9 is reserved',
    );
    const ok = await raw(d.url, 'POST', EIPS, eip('fine', '1.2.3.4'));
    assert.equal(ok.status, 201);
    const last = calls[calls.length - 1];
    assert.equal(last?.request.operation, 'CREATE');
    assert.deepEqual(last?.request.kind, {
      group: 'network.kubesphere.io',
      version: 'v1alpha2',
      kind: 'Eip',
    });
    assert.equal(last?.request.name, 'fine');
    const upd = await raw(
      d.url,
      'PATCH',
      `${EIPS}/fine`,
      { spec: { address: '9.9.9.9' } },
      { 'Content-Type': 'application/merge-patch+json' },
    );
    assert.equal(upd.status, 400);
    assert.equal(at(calls[calls.length - 1]?.request, 'oldObject.spec.address'), '1.2.3.4');
    await raw(
      d.url,
      'DELETE',
      '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/eip-validate',
    );
  });

  it('mutating webhook patches the object; objectSelector limits it', async () => {
    const mwc = {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'MutatingWebhookConfiguration',
      metadata: { name: 'eip-mutate' },
      webhooks: [
        {
          name: 'mutate.eip.example.com',
          admissionReviewVersions: ['v1'],
          sideEffects: 'None',
          rules: [rule],
          objectSelector: { matchExpressions: [{ key: 'skip', operator: 'DoesNotExist' }] },
          clientConfig: {
            service: { namespace: 'hooks', name: 'hooks-svc', path: '/mutate' },
            caBundle: certs.caBundle,
          },
        },
      ],
    };
    assert.equal(
      (await raw(d.url, 'POST', '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations', mwc))
        .status,
      201,
    );
    const m = await raw(d.url, 'POST', EIPS, eip('mut', '2.2.2.2'));
    assert.deepEqual((m.body.metadata as Record<string, unknown>).labels, { mutated: 'yes' });
    const skipped = await raw(d.url, 'POST', EIPS, {
      ...eip('skip', '3.3.3.3'),
      metadata: { name: 'skip', labels: { skip: 'true' } },
    });
    assert.deepEqual((skipped.body.metadata as Record<string, unknown>).labels, { skip: 'true' });
    await raw(
      d.url,
      'DELETE',
      '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/eip-mutate',
    );
  });

  it('failurePolicy: Fail gives 500 when the webhook is unreachable or untrusted, Ignore lets it pass', async () => {
    const other = makeCerts(['x.y.svc']);
    const base = (name: string, policy: string, caBundle: string, svc: string): Record<string, unknown> => ({
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingWebhookConfiguration',
      metadata: { name },
      webhooks: [
        {
          name: `${name}.example.com`,
          failurePolicy: policy,
          timeoutSeconds: 2,
          admissionReviewVersions: ['v1'],
          sideEffects: 'None',
          rules: [rule],
          clientConfig: { service: { namespace: 'hooks', name: svc, path: '/validate' }, caBundle },
        },
      ],
    });
    const VWC = '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations';
    await raw(d.url, 'POST', VWC, base('untrusted', 'Fail', other.caBundle, 'hooks-svc'));
    const r = await raw(d.url, 'POST', EIPS, eip('e1', '4.4.4.4'));
    assert.equal(r.status, 500);
    assert.match(
      String(r.body.message),
      /^Internal error occurred: failed calling webhook "untrusted\.example\.com": failed to call webhook: Post "https:\/\/hooks-svc\.hooks\.svc:443\/validate\?timeout=2s": /,
    );
    await raw(d.url, 'DELETE', `${VWC}/untrusted`);
    await raw(d.url, 'POST', VWC, base('missing', 'Ignore', certs.caBundle, 'nowhere'));
    assert.equal((await raw(d.url, 'POST', EIPS, eip('e2', '5.5.5.5'))).status, 201);
    await raw(d.url, 'DELETE', `${VWC}/missing`);
  });

  it('conversion webhook: stored in v1, served as v2 for get, list and watch', async () => {
    const crd = await raw(
      d.url,
      'POST',
      '/apis/apiextensions.k8s.io/v1/customresourcedefinitions',
      WIDGET_CRD(certs.caBundle),
    );
    assert.equal(crd.status, 201);
    const W1 = '/apis/test.example.com/v1/namespaces/default/widgets';
    const W2 = '/apis/test.example.com/v2/namespaces/default/widgets';
    const w = openWatch(d.url, `${W2}?watch=true`);
    await w.status;
    const c = await raw(d.url, 'POST', W1, {
      apiVersion: 'test.example.com/v1',
      kind: 'Widget',
      metadata: { name: 'w' },
      spec: { size: 3 },
    });
    assert.equal(c.status, 201);
    const got = await raw(d.url, 'GET', `${W2}/w`);
    assert.equal(got.body.apiVersion, 'test.example.com/v2');
    assert.deepEqual(got.body.spec, { replicas: 3 });
    const l = await raw(d.url, 'GET', W2);
    assert.deepEqual(
      arr(l.body, 'items').map((i) => at(i, 'spec.replicas')),
      [3],
    );
    const viaV2 = await raw(d.url, 'POST', W2, {
      apiVersion: 'test.example.com/v2',
      kind: 'Widget',
      metadata: { name: 'w2' },
      spec: { replicas: 5 },
    });
    assert.equal(viaV2.status, 201);
    assert.deepEqual((await raw(d.url, 'GET', `${W1}/w2`)).body.spec, { size: 5 });
    const start = Date.now();
    while (w.events.length < 2 && Date.now() - start < 5000) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(
      w.events.map((e) => at(e.object, 'spec.replicas')),
      [3, 5],
    );
    w.close();
  });

  describe('webhook Service → EndpointSlices (no mapService entry)', () => {
    const VWC = '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations';
    const SVC = '/api/v1/namespaces/hooks/services';
    const SLICES = '/apis/discovery.k8s.io/v1/namespaces/hooks/endpointslices';
    const slice = (name: string, endpoints: Obj[], port: number, portName = 'https'): Obj => ({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name, namespace: 'hooks', labels: { 'kubernetes.io/service-name': 'by-slice' } },
      addressType: 'IPv4',
      endpoints,
      ports: [{ name: portName, port, protocol: 'TCP' }],
    });
    const denial = async (name: string): Promise<string> => {
      const r = await raw(d.url, 'POST', EIPS, eip(name, '7.7.7.7'));
      assert.equal(r.status, 500, r.text);
      return String(r.body.message);
    };

    before(async () => {
      const webhooks = [
        {
          name: 'by-slice.example.com',
          failurePolicy: 'Fail',
          timeoutSeconds: 5,
          admissionReviewVersions: ['v1'],
          sideEffects: 'None',
          rules: [rule],
          clientConfig: {
            service: { namespace: 'hooks', name: 'by-slice', path: '/validate', port: 443 },
            caBundle: certs.caBundle,
          },
        },
      ];
      assert.equal(
        (
          await raw(d.url, 'POST', VWC, {
            apiVersion: 'admissionregistration.k8s.io/v1',
            kind: 'ValidatingWebhookConfiguration',
            metadata: { name: 'by-slice' },
            webhooks,
          })
        ).status,
        201,
      );
    });
    after(async () => {
      await raw(d.url, 'DELETE', `${VWC}/by-slice`);
    });

    it("no Service: refused (failurePolicy Fail) with the apiserver's reason", async () => {
      assert.match(
        await denial('s1'),
        /failed calling webhook "by-slice\.example\.com": failed to call webhook: Post "https:\/\/by-slice\.hooks\.svc:443\/validate\?timeout=5s": service "by-slice" not found$/,
      );
    });

    it('a Service without that port, then without endpoints: refused, saying which', async () => {
      const svc = {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'by-slice', namespace: 'hooks' },
        spec: { selector: { app: 'hook' }, ports: [{ name: 'https', port: 8443, targetPort: 9443 }] },
      };
      assert.equal((await raw(d.url, 'POST', SVC, svc)).status, 201);
      assert.match(await denial('s2'), /no service port 443 found for service "by-slice"$/);
      assert.equal(
        (
          await raw(
            d.url,
            'PATCH',
            `${SVC}/by-slice`,
            { spec: { ports: [{ name: 'https', port: 443, targetPort: 9443 }] } },
            { 'Content-Type': 'application/merge-patch+json' },
          )
        ).status,
        200,
      );
      assert.match(await denial('s3'), /no endpoints available for service "by-slice"$/);
    });

    it('only ready endpoints on the port named like the Service port are called', async () => {
      // a not-ready endpoint and a slice whose port has another name: still nothing to call
      assert.equal(
        (
          await raw(
            d.url,
            'POST',
            SLICES,
            slice('by-slice-a', [{ addresses: ['127.0.0.1'], conditions: { ready: false } }], hookPort),
          )
        ).status,
        201,
      );
      assert.equal(
        (
          await raw(
            d.url,
            'POST',
            SLICES,
            slice('by-slice-b', [{ addresses: ['127.0.0.1'] }], hookPort, 'metrics'),
          )
        ).status,
        201,
      );
      assert.match(await denial('s4'), /no endpoints available for service "by-slice"$/);
      // ready (an absent condition means ready): the call reaches the webhook at the slice's port
      const before = calls.length;
      assert.equal(
        (
          await raw(
            d.url,
            'PATCH',
            `${SLICES}/by-slice-a`,
            { endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }] },
            { 'Content-Type': 'application/merge-patch+json' },
          )
        ).status,
        200,
      );
      assert.equal((await raw(d.url, 'POST', EIPS, eip('s5', '7.7.7.8'))).status, 201);
      assert.equal(calls.length, before + 1);
      const deny = await raw(d.url, 'POST', EIPS, eip('s6', '9.9.9.9'));
      assert.equal(deny.status, 400);
      assert.match(
        String(deny.body.message),
        /admission webhook "by-slice\.example\.com" denied the request: address 9\.9\.9\.9 is reserved/,
      );
      // the endpoint goes away (its process ended): refused again
      await raw(d.url, 'DELETE', `${SLICES}/by-slice-a`);
      assert.match(await denial('s7'), /no endpoints available for service "by-slice"$/);
    });
  });

  describe('matchPolicy', () => {
    const VWC = '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations';
    const V1 = '/apis/network.kubesphere.io/v1alpha1/eips';
    const config = (matchPolicy?: string): Obj => ({
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingWebhookConfiguration',
      metadata: { name: 'match-policy' },
      webhooks: [
        {
          name: 'match.example.com',
          admissionReviewVersions: ['v1'],
          sideEffects: 'None',
          rules: [rule],
          ...(matchPolicy ? { matchPolicy } : {}),
          clientConfig: {
            service: { namespace: 'hooks', name: 'hooks-svc', path: '/validate' },
            caBundle: certs.caBundle,
          },
        },
      ],
    });
    const v1alpha1 = (name: string, address: string): Obj => ({
      ...eip(name, address),
      apiVersion: 'network.kubesphere.io/v1alpha1',
    });

    it('Equivalent (the default): a v1alpha1 write reaches a v1alpha2 rule, converted, with requestKind v1alpha1', async () => {
      assert.equal((await raw(d.url, 'POST', VWC, config())).status, 201);
      try {
        const denied = await raw(d.url, 'POST', V1, v1alpha1('old-reserved', '9.9.9.9'));
        assert.equal(denied.status, 400, denied.text);
        const before = calls.length;
        assert.equal((await raw(d.url, 'POST', V1, v1alpha1('old-fine', '6.6.6.6'))).status, 201);
        assert.equal(calls.length, before + 1);
        const req = calls[calls.length - 1]?.request;
        assert.deepEqual(req?.kind, { group: 'network.kubesphere.io', version: 'v1alpha2', kind: 'Eip' });
        assert.deepEqual(req?.requestKind, {
          group: 'network.kubesphere.io',
          version: 'v1alpha1',
          kind: 'Eip',
        });
        assert.deepEqual(req?.resource, {
          group: 'network.kubesphere.io',
          version: 'v1alpha2',
          resource: 'eips',
        });
        assert.equal(at(req, 'object.apiVersion'), 'network.kubesphere.io/v1alpha2');
      } finally {
        await raw(d.url, 'DELETE', `${VWC}/match-policy`);
      }
    });

    it('Exact: a v1alpha1 write does not reach a v1alpha2 rule', async () => {
      assert.equal((await raw(d.url, 'POST', VWC, config('Exact'))).status, 201);
      try {
        const before = calls.length;
        assert.equal((await raw(d.url, 'POST', V1, v1alpha1('old-exact', '9.9.9.9'))).status, 201);
        assert.equal(calls.length, before);
      } finally {
        await raw(d.url, 'DELETE', `${VWC}/match-policy`);
      }
    });
  });
});
