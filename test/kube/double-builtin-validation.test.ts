// Built-in kinds are decoded and validated as a real apiserver does (schemas and validators from
// kubernetes-models, Go-side rules by hand), so a write a real server refuses fails here too —
// including the manager's own writes (Service status, Events, Leases).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startKubeDouble, type KubeDouble } from './double.ts';
import { raw, type Obj } from './fixtures/helpers.ts';
import { KubeClient } from '../../src/kube/client.ts';
import { KubeApiError } from '../../src/kube/errors.ts';
import { EventRecorder } from '../../src/kube/events.ts';
import { Resources } from '../../src/kube/resources.ts';
import type { Service } from '../../src/kube/types.ts';
import { writeIngress, type WriteDeps } from '../../src/controllers/service/writes.ts';

const NS = '/api/v1/namespaces/default';
const MERGE = { 'Content-Type': 'application/merge-patch+json' };

type Cause = { reason: string; field: string; message: string };
const causes = (body: Obj): Cause[] => (body.details as { causes?: Cause[] } | undefined)?.causes ?? [];
const hasCause = (body: Obj, field: string, reason: string): boolean =>
  causes(body).some((c) => c.field === field && c.reason === reason);

const lbService = (name: string, extra: Obj = {}): Obj => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name },
  spec: { type: 'LoadBalancer', ports: [{ port: 80 }], ...extra },
});

describe('kube double: built-in kinds validated like a real apiserver', () => {
  let d: KubeDouble;
  let client: KubeClient;
  before(async () => {
    d = await startKubeDouble({ crdDirs: [] });
    client = new KubeClient(d.kubeConfig(), { fieldManager: 'openelb-manager' });
  });
  after(async () => {
    client.close();
    await d.close();
  });

  it("the manager's Service status write with an invalid ingress is refused (422, naming the field)", async () => {
    await raw(d.url, 'POST', `${NS}/services`, lbService('lb1'));
    const svc = await client.get<Service>(Resources.Service, 'lb1', 'default');
    const deps: WriteDeps = {
      client,
      guard: () => undefined,
      maxAllocations: 10,
      now: () => new Date().toISOString(),
    };
    await assert.rejects(writeIngress(deps, svc, ['192.168.0.10/32']), (e: unknown) => {
      assert.ok(e instanceof KubeApiError);
      assert.equal(e.httpStatus, 422);
      assert.ok(
        hasCause(e.status as unknown as Obj, 'status.loadBalancer.ingress[0].ip', 'FieldValueInvalid'),
        JSON.stringify(e.status),
      );
      return true;
    });
    const ok = await writeIngress(deps, svc, ['192.168.0.10']);
    assert.ok(ok.ok);
    // 1.30+ servers default ipMode for an ingress with an ip
    assert.deepEqual(ok.value.status?.loadBalancer?.ingress, [{ ip: '192.168.0.10', ipMode: 'VIP' }]);
  });

  it('load-balancer status on a Service that is not type LoadBalancer is refused; a bad ipMode too', async () => {
    await raw(d.url, 'POST', `${NS}/services`, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'cip' },
      spec: { ports: [{ port: 80 }] },
    });
    const r = await raw(
      d.url,
      'PATCH',
      `${NS}/services/cip/status`,
      { status: { loadBalancer: { ingress: [{ ip: '192.168.0.11' }] } } },
      MERGE,
    );
    assert.equal(r.status, 422);
    assert.ok(hasCause(r.body, 'status.loadBalancer.ingress', 'FieldValueForbidden'), r.text);
    const mode = await raw(
      d.url,
      'PATCH',
      `${NS}/services/lb1/status`,
      { status: { loadBalancer: { ingress: [{ ip: '192.168.0.12', ipMode: 'Bogus' }] } } },
      MERGE,
    );
    assert.equal(mode.status, 422);
    assert.ok(
      hasCause(mode.body, 'status.loadBalancer.ingress[0].ipMode', 'FieldValueNotSupported'),
      mode.text,
    );
  });

  it('Service spec: unknown type, no ports, changed loadBalancerClass or clusterIP are 422s', async () => {
    const bogus = await raw(d.url, 'POST', `${NS}/services`, lbService('bogus', { type: 'Bogus' }));
    assert.equal(bogus.status, 422);
    assert.ok(hasCause(bogus.body, 'spec.type', 'FieldValueNotSupported'), bogus.text);
    const noPorts = await raw(d.url, 'POST', `${NS}/services`, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'noports' },
      spec: {},
    });
    assert.equal(noPorts.status, 422);
    assert.ok(hasCause(noPorts.body, 'spec.ports', 'FieldValueRequired'), noPorts.text);
    await raw(
      d.url,
      'POST',
      `${NS}/services`,
      lbService('cls', { loadBalancerClass: 'openelb.kubesphere.io/lb' }),
    );
    const cls = await raw(
      d.url,
      'PATCH',
      `${NS}/services/cls`,
      { spec: { loadBalancerClass: 'other.example.com/lb' } },
      MERGE,
    );
    assert.equal(cls.status, 422);
    assert.ok(hasCause(cls.body, 'spec.loadBalancerClass', 'FieldValueInvalid'), cls.text);
    const ip = await raw(
      d.url,
      'PATCH',
      `${NS}/services/cls`,
      { spec: { clusterIP: '10.96.99.99', clusterIPs: ['10.96.99.99'] } },
      MERGE,
    );
    assert.equal(ip.status, 422);
    assert.ok(
      causes(ip.body).some((c) => c.field.startsWith('spec.clusterIP')),
      ip.text,
    );
    const onClusterIp = await raw(d.url, 'POST', `${NS}/services`, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'c2' },
      spec: { loadBalancerClass: 'a.b/c', ports: [{ port: 80 }] },
    });
    assert.equal(onClusterIp.status, 422);
    assert.ok(hasCause(onClusterIp.body, 'spec.loadBalancerClass', 'FieldValueForbidden'), onClusterIp.text);
  });

  it('the allocators refuse a clusterIP outside the service CIDR and a nodePort that is taken or out of range', async () => {
    const outside = await raw(
      d.url,
      'POST',
      `${NS}/services`,
      lbService('outside', { clusterIP: '192.0.2.1' }),
    );
    assert.equal(outside.status, 422);
    assert.ok(hasCause(outside.body, 'spec.clusterIPs', 'FieldValueInvalid'), outside.text);
    const a = await raw(d.url, 'POST', `${NS}/services`, lbService('np-a'));
    const taken = Number(((a.body.spec as Obj).ports as Obj[])[0]?.nodePort);
    const b = await raw(
      d.url,
      'POST',
      `${NS}/services`,
      lbService('np-b', { ports: [{ port: 80, nodePort: taken }] }),
    );
    assert.equal(b.status, 422);
    assert.ok(hasCause(b.body, 'spec.ports[0].nodePort', 'FieldValueInvalid'), b.text);
    const low = await raw(
      d.url,
      'POST',
      `${NS}/services`,
      lbService('np-c', { ports: [{ port: 80, nodePort: 8080 }] }),
    );
    assert.equal(low.status, 422);
    assert.match(low.text, /provided port is not in the valid range/);
  });

  it('changing the type away from LoadBalancer drops what only applied to it, status included', async () => {
    await raw(
      d.url,
      'POST',
      `${NS}/services`,
      lbService('flip', { loadBalancerClass: 'openelb.kubesphere.io/lb' }),
    );
    await raw(
      d.url,
      'PATCH',
      `${NS}/services/flip/status`,
      { status: { loadBalancer: { ingress: [{ ip: '192.168.0.20' }] } } },
      MERGE,
    );
    const r = await raw(d.url, 'PATCH', `${NS}/services/flip`, { spec: { type: 'ClusterIP' } }, MERGE);
    assert.equal(r.status, 200, r.text);
    const spec = r.body.spec as Obj;
    assert.equal(spec.loadBalancerClass, undefined);
    assert.equal(spec.externalTrafficPolicy, undefined);
    assert.equal((spec.ports as Obj[])[0]?.nodePort, undefined);
    assert.deepEqual((r.body.status as Obj).loadBalancer, {});
  });

  it('Lease and Event rules; the manager writes pass them', async () => {
    const lease = await raw(d.url, 'POST', '/apis/coordination.k8s.io/v1/namespaces/default/leases', {
      metadata: { name: 'l' },
      spec: { holderIdentity: 'a', leaseDurationSeconds: -5 },
    });
    assert.equal(lease.status, 422);
    assert.ok(hasCause(lease.body, 'spec.leaseDurationSeconds', 'FieldValueInvalid'), lease.text);
    const ev = await raw(d.url, 'POST', `${NS}/events`, {
      metadata: { name: 'e1' },
      involvedObject: { kind: 'Service', name: 'lb1', namespace: 'other' },
      reason: 'R',
      message: 'm',
      type: 'Normal',
    });
    assert.equal(ev.status, 422);
    assert.ok(hasCause(ev.body, 'involvedObject.namespace', 'FieldValueInvalid'), ev.text);
    const svc = await client.get<Service>(Resources.Service, 'lb1', 'default');
    const rec = new EventRecorder(client, { component: 'openelb-manager', host: 'node-1' });
    assert.ok(await rec.record(svc, 'Normal', 'IPAllocated', 'assigned'), 'the recorder Event is valid');
    assert.ok(await rec.record(svc, 'Normal', 'IPAllocated', 'assigned'), 'and so is its count bump');
  });

  it('wrong JSON types are 400 "cannot unmarshal"; bad base64 is 400 too', async () => {
    const node = await raw(d.url, 'POST', '/api/v1/nodes', {
      metadata: { name: 'n-bad' },
      spec: { unschedulable: 'yes' },
    });
    assert.equal(node.status, 400);
    assert.match(
      String(node.body.message),
      /cannot unmarshal string into Go struct field NodeSpec\.spec\.unschedulable of type bool/,
    );
    const port = await raw(d.url, 'POST', `${NS}/services`, lbService('p80x', { ports: [{ port: '80x' }] }));
    assert.equal(port.status, 400);
    assert.match(String(port.body.message), /spec\.ports\.port/);
    const secret = await raw(d.url, 'POST', `${NS}/secrets`, { metadata: { name: 's' }, data: { k: '%%%' } });
    assert.equal(secret.status, 400);
    assert.match(String(secret.body.message), /illegal base64 data/);
  });

  it('unknown fields in a built-in: Warn by default, Strict refuses, Ignore drops silently', async () => {
    const cm = (name: string): Obj => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name },
      data: { a: 'b' },
      bogus: 1,
    });
    const warn = await raw(d.url, 'POST', `${NS}/configmaps`, cm('warn'));
    assert.equal(warn.status, 201);
    assert.match(warn.headers.get('warning') ?? '', /^299 - "unknown field \\"bogus\\""$/);
    assert.equal(warn.body.bogus, undefined);
    const strict = await raw(d.url, 'POST', `${NS}/configmaps?fieldValidation=Strict`, cm('strict'));
    assert.equal(strict.status, 400);
    assert.match(String(strict.body.message), /unknown field "bogus"/);
    const ignore = await raw(d.url, 'POST', `${NS}/configmaps?fieldValidation=Ignore`, cm('ignore'));
    assert.equal(ignore.status, 201);
    assert.equal(ignore.headers.get('warning'), null);
  });

  it('webhook configurations: names need three segments, exactly one of url/service', async () => {
    const vwc = {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingWebhookConfiguration',
      metadata: { name: 'v' },
      webhooks: [
        { name: 'two.segments', sideEffects: 'None', admissionReviewVersions: ['v1'], clientConfig: {} },
      ],
    };
    const r = await raw(
      d.url,
      'POST',
      '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations',
      vwc,
    );
    assert.equal(r.status, 422);
    assert.ok(hasCause(r.body, 'webhooks[0].name', 'FieldValueInvalid'), r.text);
    assert.ok(hasCause(r.body, 'webhooks[0].clientConfig', 'FieldValueRequired'), r.text);
  });

  it('a new Node is tainted not-ready with a podCIDR; the taint goes once it reports Ready', async () => {
    const n = await raw(d.url, 'POST', '/api/v1/nodes', { metadata: { name: 'n1' } });
    assert.equal(n.status, 201, n.text);
    const spec = n.body.spec as Obj;
    assert.deepEqual(spec.taints, [{ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' }]);
    assert.match(String(spec.podCIDR), /^10\.244\.\d+\.0\/24$/);
    assert.deepEqual(spec.podCIDRs, [spec.podCIDR]);
    const ready = await raw(
      d.url,
      'PATCH',
      '/api/v1/nodes/n1/status',
      { status: { conditions: [{ type: 'Ready', status: 'True' }] } },
      MERGE,
    );
    assert.equal(ready.status, 200, ready.text);
    assert.equal((ready.body.spec as Obj).taints, undefined);
  });
});
