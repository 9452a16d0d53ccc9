// The double's storage semantics, through client-node 2.x and raw HTTP.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  ApiException,
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubernetesObjectApi,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { startKubeDouble, type KubeDouble } from './double.ts';
import { arr, at, EIPS, eip, FIXTURE_CRDS, raw, waitFor, type Obj } from './fixtures/helpers.ts';

const G = 'network.kubesphere.io';
const V = 'v1alpha2';

describe('kube double: CRUD', () => {
  let d: KubeDouble;
  let custom: CustomObjectsApi;
  let core: CoreV1Api;
  before(async () => {
    d = await startKubeDouble({ crdDirs: [FIXTURE_CRDS] });
    custom = d.kubeConfig().makeApiClient(CustomObjectsApi);
    core = d.kubeConfig().makeApiClient(CoreV1Api);
  });
  after(() => d.close());

  it('creates a custom resource with generation 1, defaults and pruning', async () => {
    const created = (await custom.createClusterCustomObject({
      group: G,
      version: V,
      plural: 'eips',
      body: eip('c1', '10.1.0.1', { junk: 1 }),
    })) as Obj;
    assert.equal(at(created, 'metadata.generation'), 1);
    assert.equal(at(created, 'spec.protocol'), 'bgp');
    assert.equal(at(created, 'spec.priority'), 0);
    assert.equal(at(created, 'spec.junk'), undefined);
    assert.match(String(at(created, 'metadata.uid')), /^[0-9a-f-]{36}$/);
    assert.match(String(at(created, 'metadata.creationTimestamp')), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it('answers 404 with the real Status body', async () => {
    const r = await raw(d.url, 'GET', `${EIPS}/nonexist`);
    assert.equal(r.status, 404);
    assert.equal(r.headers.get('content-type'), 'application/json');
    assert.equal(
      r.text,
      '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"eips.network.kubesphere.io \\"nonexist\\" not found","reason":"NotFound","details":{"name":"nonexist","group":"network.kubesphere.io","kind":"eips"},"code":404}',
    );
  });

  it('409 AlreadyExists, generateName, and 409 Conflict on a stale PUT', async () => {
    await raw(d.url, 'POST', EIPS, eip('dup'));
    const again = await raw(d.url, 'POST', EIPS, eip('dup'));
    assert.equal(again.status, 409);
    assert.equal(again.body.reason, 'AlreadyExists');
    assert.equal(again.body.message, 'eips.network.kubesphere.io "dup" already exists');
    const gen = await raw(d.url, 'POST', EIPS, { ...eip(''), metadata: { generateName: 'pool-' } });
    assert.equal(gen.status, 201);
    assert.match(String((gen.body.metadata as Record<string, unknown>).name), /^pool-[a-z0-9]{5}$/);
    const cur = (await custom.getClusterCustomObject({
      group: G,
      version: V,
      plural: 'eips',
      name: 'dup',
    })) as { spec: Obj };
    const stale = structuredClone(cur);
    cur.spec.priority = 5;
    const updated = (await custom.replaceClusterCustomObject({
      group: G,
      version: V,
      plural: 'eips',
      name: 'dup',
      body: cur,
    })) as Obj;
    assert.equal(at(updated, 'metadata.generation'), 2);
    stale.spec.priority = 6;
    await assert.rejects(
      custom.replaceClusterCustomObject({ group: G, version: V, plural: 'eips', name: 'dup', body: stale }),
      (e: unknown) => {
        assert.ok(e instanceof ApiException);
        assert.equal(e.code, 409);
        const body = JSON.parse(String(e.body)) as Record<string, unknown>;
        assert.equal(
          body.message,
          'Operation cannot be fulfilled on eips.network.kubesphere.io "dup": the object has been modified; please apply your changes to the latest version and try again',
        );
        return true;
      },
    );
  });

  it('422 with field causes for schema violations', async () => {
    const r = await raw(d.url, 'POST', EIPS, eip('bad', 'abc!', { protocol: 'ospf' }));
    assert.equal(r.status, 422);
    assert.equal(r.body.reason, 'Invalid');
    const causes = (r.body.details as Record<string, unknown>).causes as Record<string, string>[];
    assert.deepEqual(causes.map((c) => c.field).sort(), ['spec.address', 'spec.protocol']);
    const proto = causes.find((c) => c.field === 'spec.protocol');
    assert.equal(proto?.reason, 'FieldValueNotSupported');
    assert.equal(proto?.message, 'Unsupported value: "ospf": supported values: "bgp", "layer2", "vip"');
    const addr = causes.find((c) => c.field === 'spec.address');
    assert.equal(
      addr?.message,
      `Invalid value: "abc!": spec.address in body should match '^[0-9a-fA-F.:/-]+$'`,
    );
    assert.match(String(r.body.message), /^Eip\.network\.kubesphere\.io "bad" is invalid: \[/);
    const missing = await raw(d.url, 'POST', EIPS, {
      apiVersion: `${G}/${V}`,
      kind: 'Eip',
      metadata: { name: 'nospec' },
      spec: {},
    });
    assert.equal(missing.status, 422);
    assert.equal(
      missing.body.message,
      'Eip.network.kubesphere.io "nospec" is invalid: spec.address: Required value',
    );
  });

  it('status subresource: main writes keep status, /status writes keep spec, generation unchanged', async () => {
    await raw(d.url, 'POST', EIPS, { ...eip('st'), status: { usage: 9 } });
    let r = await raw(d.url, 'GET', `${EIPS}/st`);
    assert.equal(r.body.status, undefined);
    r = await raw(
      d.url,
      'PATCH',
      `${EIPS}/st/status`,
      { spec: { priority: 7 }, status: { usage: 1, poolSize: 9 } },
      { 'Content-Type': 'application/merge-patch+json' },
    );
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.status, { usage: 1, poolSize: 9 });
    assert.equal((r.body.spec as Record<string, unknown>).priority, 0);
    assert.equal((r.body.metadata as Record<string, unknown>).generation, 1);
    r = await raw(
      d.url,
      'PATCH',
      `${EIPS}/st`,
      { status: { usage: 5 }, metadata: { labels: { a: 'b' } } },
      { 'Content-Type': 'application/merge-patch+json' },
    );
    assert.deepEqual(r.body.status, { usage: 1, poolSize: 9 });
    assert.equal((r.body.metadata as Record<string, unknown>).generation, 1);
    r = await raw(
      d.url,
      'PATCH',
      `${EIPS}/st/status`,
      { status: { phase: 'Bogus' } },
      { 'Content-Type': 'application/merge-patch+json' },
    );
    assert.equal(r.status, 422);
    assert.match(
      String(r.body.message),
      /status\.phase: Unsupported value: "Bogus": supported values: "Pending", "Ready"/,
    );
  });

  it('finalizers: DELETE sets deletionTimestamp, new finalizers are refused, removing the last deletes', async () => {
    await raw(d.url, 'POST', EIPS, { ...eip('fin'), metadata: { name: 'fin', finalizers: ['a/b'] } });
    let r = await raw(d.url, 'DELETE', `${EIPS}/fin`);
    assert.equal(r.status, 200);
    assert.equal(r.body.kind, 'Eip');
    const m = r.body.metadata as Record<string, unknown>;
    assert.match(String(m.deletionTimestamp), /Z$/);
    assert.equal(m.deletionGracePeriodSeconds, 0);
    assert.equal(m.generation, 2);
    r = await raw(
      d.url,
      'PATCH',
      `${EIPS}/fin`,
      [{ op: 'add', path: '/metadata/finalizers/-', value: 'new/one' }],
      { 'Content-Type': 'application/json-patch+json' },
    );
    assert.equal(r.status, 422);
    assert.equal(
      r.body.message,
      'Eip.network.kubesphere.io "fin" is invalid: metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"new/one"}',
    );
    r = await raw(d.url, 'DELETE', `${EIPS}/fin`);
    assert.equal(r.status, 200);
    r = await raw(
      d.url,
      'PATCH',
      `${EIPS}/fin`,
      { metadata: { finalizers: null } },
      { 'Content-Type': 'application/merge-patch+json' },
    );
    assert.equal(r.status, 200);
    assert.equal((await raw(d.url, 'GET', `${EIPS}/fin`)).status, 404);
  });

  it('DELETE without finalizers returns Status Success', async () => {
    const c = await raw(d.url, 'POST', EIPS, eip('gone'));
    const r = await raw(d.url, 'DELETE', `${EIPS}/gone`);
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Success',
      details: {
        name: 'gone',
        group: G,
        kind: 'eips',
        uid: (c.body.metadata as Record<string, unknown>).uid,
      },
    });
  });

  it('lists: global RV, built-in items without kind, custom items with kind, selectors', async () => {
    await core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name: 'cm1', labels: { app: 'x', tier: 'a' } }, data: { k: 'v' } },
    });
    await core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name: 'cm2', labels: { app: 'y' } } },
    });
    const rv = d.resourceVersion();
    const l = await raw(d.url, 'GET', '/api/v1/namespaces/default/configmaps');
    assert.equal(l.body.kind, 'ConfigMapList');
    assert.equal((l.body.metadata as Record<string, unknown>).resourceVersion, String(rv));
    const items = l.body.items as Record<string, unknown>[];
    assert.equal(items[0]?.kind, undefined);
    const crs = await raw(d.url, 'GET', EIPS);
    assert.equal((crs.body.items as Record<string, unknown>[])[0]?.kind, 'Eip');
    const sel = await core.listNamespacedConfigMap({
      namespace: 'default',
      labelSelector: 'app in (x,z),tier,!missing',
    });
    assert.deepEqual(
      sel.items.map((i) => i.metadata?.name),
      ['cm1'],
    );
    const neg = await core.listConfigMapForAllNamespaces({ labelSelector: 'app!=x' });
    assert.deepEqual(
      neg.items.map((i) => i.metadata?.name),
      ['cm2'],
    );
    const byName = await core.listConfigMapForAllNamespaces({
      fieldSelector: 'metadata.namespace=default,metadata.name=cm2',
    });
    assert.deepEqual(
      byName.items.map((i) => i.metadata?.name),
      ['cm2'],
    );
    const badField = await raw(d.url, 'GET', '/api/v1/services?fieldSelector=spec.type%3DLoadBalancer');
    assert.equal(badField.status, 400);
    assert.equal(
      badField.body.message,
      '"spec.type" is not a known field selector: only "metadata.name", "metadata.namespace"',
    );
  });

  it('limit/continue and resourceVersionMatch', async () => {
    for (const n of ['p1', 'p2', 'p3'])
      await raw(d.url, 'POST', '/api/v1/namespaces/default/secrets', { metadata: { name: n } });
    const first = await raw(d.url, 'GET', '/api/v1/namespaces/default/secrets?limit=2');
    const meta = first.body.metadata as Record<string, unknown>;
    assert.equal((first.body.items as unknown[]).length, 2);
    assert.equal(meta.remainingItemCount, 1);
    const second = await raw(
      d.url,
      'GET',
      `/api/v1/namespaces/default/secrets?limit=2&continue=${String(meta.continue)}`,
    );
    assert.deepEqual(
      arr(second.body, 'items').map((i) => at(i, 'metadata.name')),
      ['p3'],
    );
    const exactOld = Number(meta.resourceVersion);
    await raw(d.url, 'DELETE', '/api/v1/namespaces/default/secrets/p1');
    const exact = await raw(
      d.url,
      'GET',
      `/api/v1/namespaces/default/secrets?resourceVersion=${exactOld}&resourceVersionMatch=Exact`,
    );
    assert.equal((exact.body.items as unknown[]).length, 3);
    const noRv = await raw(
      d.url,
      'GET',
      '/api/v1/namespaces/default/secrets?resourceVersionMatch=NotOlderThan',
    );
    assert.equal(noRv.status, 422);
    d.faults.expireWatches();
    const tooOld = await raw(
      d.url,
      'GET',
      `/api/v1/namespaces/default/secrets?resourceVersion=${exactOld}&resourceVersionMatch=Exact`,
    );
    assert.equal(tooOld.status, 410);
    assert.equal(tooOld.body.message, 'The resourceVersion for the provided list is too old.');
  });

  it('Service defaults, status only via /status, loadBalancerClass kept', async () => {
    const svc = await core.createNamespacedService({
      namespace: 'default',
      body: {
        metadata: { name: 'lb' },
        spec: { type: 'LoadBalancer', loadBalancerClass: 'openelb', ports: [{ port: 80 }] },
        status: { loadBalancer: { ingress: [{ ip: '1.1.1.1' }] } },
      },
    });
    assert.match(String(svc.spec?.clusterIP), /^10\.(9[6-9]|10\d|11[01])\./);
    assert.deepEqual(svc.spec?.ipFamilies, ['IPv4']);
    assert.equal(svc.spec?.ipFamilyPolicy, 'SingleStack');
    assert.equal(svc.spec?.allocateLoadBalancerNodePorts, true);
    assert.equal(svc.spec?.sessionAffinity, 'None');
    assert.equal(svc.spec?.loadBalancerClass, 'openelb');
    assert.ok((svc.spec?.ports?.[0]?.nodePort ?? 0) >= 30000);
    assert.equal(svc.status?.loadBalancer?.ingress, undefined);
    const r = await raw(
      d.url,
      'PATCH',
      '/api/v1/namespaces/default/services/lb/status',
      { status: { loadBalancer: { ingress: [{ ip: '192.168.0.100' }] } } },
      { 'Content-Type': 'application/merge-patch+json' },
    );
    assert.equal(r.status, 200);
    const got = await core.readNamespacedService({ namespace: 'default', name: 'lb' });
    assert.equal(got.status?.loadBalancer?.ingress?.[0]?.ip, '192.168.0.100');
  });

  it('Leases keep MicroTime with 6 fractional digits; stale PUT is 409', async () => {
    const coord = d.kubeConfig().makeApiClient(CoordinationV1Api);
    const l = await coord.createNamespacedLease({
      namespace: 'default',
      body: {
        metadata: { name: 'leader' },
        spec: { holderIdentity: 'a', renewTime: new Date('2026-11-25T21:17:36.526Z') },
      },
    });
    const rawLease = await raw(d.url, 'GET', '/apis/coordination.k8s.io/v1/namespaces/default/leases/leader');
    assert.equal((rawLease.body.spec as Record<string, unknown>).renewTime, '2026-11-25T21:17:36.526000Z');
    await coord.replaceNamespacedLease({
      namespace: 'default',
      name: 'leader',
      body: { ...l, spec: { holderIdentity: 'b' } },
    });
    await assert.rejects(
      coord.replaceNamespacedLease({
        namespace: 'default',
        name: 'leader',
        body: { ...l, spec: { holderIdentity: 'c' } },
      }),
      (e: unknown) => e instanceof ApiException && e.code === 409,
    );
  });

  it('namespace lifecycle, cluster scope, dryRun, no-op writes', async () => {
    const r = await raw(d.url, 'POST', '/api/v1/namespaces/nope/configmaps', { metadata: { name: 'x' } });
    assert.equal(r.status, 404);
    assert.equal(r.body.message, 'namespaces "nope" not found');
    await raw(d.url, 'POST', '/api/v1/namespaces', { metadata: { name: 'term' } });
    await raw(d.url, 'POST', '/api/v1/namespaces/term/configmaps', { metadata: { name: 'in-term' } });
    const del = await raw(d.url, 'DELETE', '/api/v1/namespaces/term');
    assert.equal(at(del.body, 'status.phase'), 'Terminating');
    const refused = await raw(d.url, 'POST', '/api/v1/namespaces/term/configmaps', {
      metadata: { name: 'late' },
    });
    assert.equal(refused.status, 403);
    assert.equal(
      refused.body.message,
      'configmaps "late" is forbidden: unable to create new content in namespace term because it is being terminated',
    );
    await waitFor(
      async () => (await raw(d.url, 'GET', '/api/v1/namespaces/term')).status === 404,
      10000,
      'namespace gone',
    );
    assert.equal((await raw(d.url, 'GET', '/api/v1/namespaces/term/configmaps/in-term')).status, 404);
    const proto = await raw(d.url, 'POST', '/api/v1/namespaces/default/configmaps', 'k8s\u0000', {
      'Content-Type': 'application/vnd.kubernetes.protobuf',
    });
    assert.equal(proto.status, 415);
    const dry = await raw(d.url, 'POST', `${EIPS}?dryRun=All`, eip('dry'));
    assert.equal(dry.status, 201);
    assert.equal((await raw(d.url, 'GET', `${EIPS}/dry`)).status, 404);
    await raw(d.url, 'POST', EIPS, eip('noop'));
    const before = d.resourceVersion();
    const same = await raw(
      d.url,
      'PATCH',
      `${EIPS}/noop`,
      { spec: { priority: 0 } },
      { 'Content-Type': 'application/merge-patch+json' },
    );
    assert.equal(same.status, 200);
    assert.equal(d.resourceVersion(), before);
  });

  it('KubernetesObjectApi works through discovery', async () => {
    const client = d.kubeConfig().makeApiClient(KubernetesObjectApi);
    const cm: KubernetesObject & { data: Record<string, string> } = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'via-object-api', namespace: 'default' },
      data: { a: '1' },
    };
    const created = await client.create(cm);
    assert.equal(created.metadata?.name, 'via-object-api');
    const read = await client.read({ apiVersion: `${G}/${V}`, kind: 'Eip', metadata: { name: 'noop' } });
    assert.equal(read.kind, 'Eip');
  });
});
