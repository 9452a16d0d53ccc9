// Contract suite: every API behaviour the controllers rely on, proven through @kubernetes/client-node
// 2.x. Default target is the in-memory double; KUBE_CONTRACT_KUBECONFIG=<file> runs the same checks
// against a real cluster (see contract/target.ts). Fault injection lives in informer-*.test.ts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ApiException,
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  Watch,
  setHeaderOptions,
  V1MicroTime,
  type KubeConfig,
} from '@kubernetes/client-node';
import { openTarget, type Target } from './contract/target.ts';
import { Resources } from '../../src/kube/resources.ts';
import { KubeApiError } from '../../src/kube/errors.ts';
import type { Eip } from '../../src/api/v1alpha2.ts';
import type { KubeObject, Lease, ObjectList, Service, StatusBody } from '../../src/kube/types.ts';

const G = 'network.kubesphere.io';
const V = 'v1alpha2';
const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const jsonPatch = setHeaderOptions('Content-Type', PatchStrategy.JsonPatch);
const strategic = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch);

/** Awaits a rejected client-node call; answers the HTTP code and the Status body. */
async function apiError(p: Promise<unknown>): Promise<{ code: number; status: StatusBody }> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ApiException) {
      const body: unknown = typeof e.body === 'string' ? JSON.parse(e.body) : e.body;
      return { code: e.code, status: body as StatusBody };
    }
    if (e instanceof KubeApiError) return { code: e.httpStatus, status: e.status as StatusBody };
    throw e;
  }
  assert.fail('expected the API server to reject the request');
}

interface WatchEvent {
  type: string;
  object: KubeObject & { code?: number };
}

/** Collects watch events until `until` holds or the deadline passes. */
async function collectWatch(
  kc: KubeConfig,
  path: string,
  query: Record<string, string | boolean | number>,
  act: () => Promise<void>,
  until: (evs: WatchEvent[]) => boolean,
  ms = 10_000,
): Promise<{ events: WatchEvent[]; doneErr: unknown }> {
  const events: WatchEvent[] = [];
  let doneErr: unknown;
  let ended = false;
  const ctl = await new Watch(kc).watch(
    path,
    query,
    (type, object) => events.push({ type, object: object as WatchEvent['object'] }),
    (err) => {
      doneErr = err;
      ended = true;
    },
  );
  await act();
  const end = performance.now() + ms;
  while (!until(events) && !ended && performance.now() < end) await new Promise((r) => setTimeout(r, 20));
  ctl.abort();
  return { events, doneErr };
}

describe('Kubernetes API contract (client-node 2.x)', () => {
  let t: Target;
  let co: CustomObjectsApi;
  let core: CoreV1Api;
  let coord: CoordinationV1Api;
  const eipName = (s: string): string => `${t.prefix}-${s}`;
  const newEip = (
    s: string,
    spec: Record<string, unknown> = { address: '198.18.0.1-198.18.0.9' },
    extra: Record<string, unknown> = {},
  ) => {
    t.track(Resources.Eip, eipName(s));
    return { apiVersion: `${G}/${V}`, kind: 'Eip', metadata: { name: eipName(s), ...extra }, spec };
  };
  const createEip = (s: string, spec?: Record<string, unknown>, extra?: Record<string, unknown>) =>
    co.createClusterCustomObject({
      group: G,
      version: V,
      plural: 'eips',
      body: newEip(s, spec, extra),
    }) as Promise<Eip>;

  before(async () => {
    t = await openTarget();
    co = t.kc.makeApiClient(CustomObjectsApi);
    core = t.kc.makeApiClient(CoreV1Api);
    coord = t.kc.makeApiClient(CoordinationV1Api);
  });
  after(async () => {
    await t?.close();
  });

  test('CRUD on a cluster-scoped custom resource; 404 and AlreadyExists bodies', async () => {
    const created = await createEip('crud');
    assert.equal(created.metadata.generation, 1);
    assert.ok(created.metadata.uid && created.metadata.resourceVersion && created.metadata.creationTimestamp);
    const got = (await co.getClusterCustomObject({
      group: G,
      version: V,
      plural: 'eips',
      name: eipName('crud'),
    })) as Eip;
    assert.equal(got.spec.address, '198.18.0.1-198.18.0.9');
    const dup = await apiError(createEip('crud'));
    assert.equal(dup.code, 409);
    assert.equal(dup.status.reason, 'AlreadyExists');
    const replaced = (await co.replaceClusterCustomObject({
      group: G,
      version: V,
      plural: 'eips',
      name: eipName('crud'),
      body: { ...got, spec: { ...got.spec, address: '198.18.0.1-198.18.0.5' } },
    })) as Eip;
    assert.equal(replaced.spec.address, '198.18.0.1-198.18.0.5');
    assert.equal(replaced.metadata.generation, 2);
    const del = (await co.deleteClusterCustomObject({
      group: G,
      version: V,
      plural: 'eips',
      name: eipName('crud'),
    })) as StatusBody;
    assert.equal(del.kind, 'Status');
    assert.equal(del.status, 'Success');
    const nf = await apiError(
      co.getClusterCustomObject({ group: G, version: V, plural: 'eips', name: eipName('crud') }),
    );
    assert.equal(nf.code, 404);
    assert.equal(nf.status.reason, 'NotFound');
    assert.equal(nf.status.kind, 'Status');
    assert.equal(nf.status.details?.kind, 'eips', 'details.kind is the plural resource');
    assert.equal(nf.status.details?.name, eipName('crud'));
    assert.equal(nf.status.details?.group, G);
  });

  test('409 Conflict on a stale resourceVersion (custom resource and Lease)', async () => {
    const e = await createEip('stale');
    await co.patchClusterCustomObject(
      {
        group: G,
        version: V,
        plural: 'eips',
        name: eipName('stale'),
        body: { metadata: { labels: { a: 'b' } } },
      },
      merge,
    );
    const c = await apiError(
      co.replaceClusterCustomObject({
        group: G,
        version: V,
        plural: 'eips',
        name: eipName('stale'),
        body: e,
      }),
    );
    assert.equal(c.code, 409);
    assert.equal(c.status.reason, 'Conflict');
    assert.equal(c.status.details?.name, eipName('stale'));
    const l = await coord.createNamespacedLease({
      namespace: t.ns,
      body: { metadata: { name: 'stale' }, spec: { holderIdentity: 'a' } },
    });
    await coord.replaceNamespacedLease({
      namespace: t.ns,
      name: 'stale',
      body: { ...l, spec: { holderIdentity: 'b' } },
    });
    const lc = await apiError(
      coord.replaceNamespacedLease({
        namespace: t.ns,
        name: 'stale',
        body: { ...l, spec: { holderIdentity: 'c' } },
      }),
    );
    assert.equal(lc.code, 409);
  });

  test('patch content types: 2.x defaults to JSON Patch; merge and JSON patch via setHeaderOptions; 415 strategic on CRs', async () => {
    await createEip('patch');
    const name = eipName('patch');
    // Without a Content-Type override client-node 2.x sends application/json-patch+json: an object body is a 400.
    const def = await apiError(
      co.patchClusterCustomObject({
        group: G,
        version: V,
        plural: 'eips',
        name,
        body: { metadata: { labels: { x: 'y' } } },
      }),
    );
    assert.equal(def.code, 400);
    assert.equal(def.status.reason, 'BadRequest');
    const m = (await co.patchClusterCustomObject(
      { group: G, version: V, plural: 'eips', name, body: { metadata: { labels: { x: 'y' } } } },
      merge,
    )) as Eip;
    assert.equal(m.metadata.labels?.x, 'y');
    const jp = (await co.patchClusterCustomObject(
      {
        group: G,
        version: V,
        plural: 'eips',
        name,
        body: [
          { op: 'test', path: '/metadata/labels/x', value: 'y' },
          { op: 'replace', path: '/spec/address', value: '198.18.0.2' },
        ],
      },
      jsonPatch,
    )) as Eip;
    assert.equal(jp.spec.address, '198.18.0.2');
    // A failed `test` is 422 Invalid and changes nothing (the announced-summary writers re-read on it);
    // testing the resourceVersion read works as a precondition.
    const failed = await apiError(
      co.patchClusterCustomObject(
        {
          group: G,
          version: V,
          plural: 'eips',
          name,
          body: [
            { op: 'test', path: '/metadata/labels/x', value: 'other' },
            { op: 'replace', path: '/spec/address', value: '198.18.0.3' },
          ],
        },
        jsonPatch,
      ),
    );
    assert.equal(failed.code, 422);
    assert.equal(failed.status.reason, 'Invalid');
    const rvTest = (rv: string | undefined) =>
      co.patchClusterCustomObject(
        {
          group: G,
          version: V,
          plural: 'eips',
          name,
          body: [
            { op: 'test', path: '/metadata/resourceVersion', value: rv },
            { op: 'add', path: '/metadata/labels/rv', value: 'tested' },
          ],
        },
        jsonPatch,
      );
    const rvOk = (await rvTest(jp.metadata.resourceVersion)) as Eip;
    assert.equal(rvOk.metadata.labels?.rv, 'tested');
    assert.equal(rvOk.spec.address, '198.18.0.2');
    assert.equal((await apiError(rvTest(jp.metadata.resourceVersion))).code, 422, 'stale resourceVersion');
    const sm = await apiError(
      co.patchClusterCustomObject(
        { group: G, version: V, plural: 'eips', name, body: { metadata: { labels: { z: '1' } } } },
        strategic,
      ),
    );
    assert.equal(sm.code, 415);
    assert.equal(sm.status.reason, 'UnsupportedMediaType');
    // the message lists the accepted media types; which ones depends on the server version (CBOR since 1.32)
    assert.match(sm.status.message ?? '', /application\/merge-patch\+json/);
    // A merge patch with `null` removes the key.
    const rm = (await co.patchClusterCustomObject(
      { group: G, version: V, plural: 'eips', name, body: { metadata: { labels: { x: null } } } },
      merge,
    )) as Eip;
    assert.equal(rm.metadata.labels?.x, undefined);
    // Strategic merge on a built-in kind is fine.
    await core.createNamespacedService({
      namespace: t.ns,
      body: { metadata: { name: 'sm' }, spec: { ports: [{ port: 80 }] } },
    });
    const svc = await core.patchNamespacedService(
      { namespace: t.ns, name: 'sm', body: { metadata: { labels: { s: 'm' } } } },
      strategic,
    );
    assert.equal(svc.metadata?.labels?.s, 'm');
  });

  test('status subresource: isolated from the main resource; generation only for spec', async () => {
    const created = await createEip('status', { address: '198.18.1.0/30' }, {});
    assert.equal((created as { status?: unknown }).status, undefined, 'status on create is dropped');
    const name = eipName('status');
    const viaMain = (await co.patchClusterCustomObject(
      { group: G, version: V, plural: 'eips', name, body: { status: { usage: 7 } } },
      merge,
    )) as Eip;
    assert.equal(viaMain.status?.usage, undefined, 'status sent to the main resource is ignored');
    const viaStatus = (await co.patchClusterCustomObjectStatus(
      {
        group: G,
        version: V,
        plural: 'eips',
        name,
        body: { spec: { address: '198.18.9.9' }, status: { usage: 1, used: { '198.18.1.1': 'a/b' } } },
      },
      merge,
    )) as Eip;
    assert.equal(viaStatus.status?.usage, 1);
    assert.deepEqual(viaStatus.status?.used, { '198.18.1.1': 'a/b' });
    assert.equal(viaStatus.spec.address, '198.18.1.0/30', 'spec sent to /status is ignored');
    assert.equal(viaStatus.metadata.generation, 1, 'status writes keep generation');
    const labelled = (await co.patchClusterCustomObject(
      { group: G, version: V, plural: 'eips', name, body: { metadata: { labels: { l: '1' } } } },
      merge,
    )) as Eip;
    assert.equal(labelled.metadata.generation, 1, 'metadata changes keep generation');
    const specced = (await co.patchClusterCustomObject(
      { group: G, version: V, plural: 'eips', name, body: { spec: { disable: true } } },
      merge,
    )) as Eip;
    assert.equal(specced.metadata.generation, 2, 'spec change bumps generation');
    assert.equal(specced.status?.usage, 1, 'main-resource writes keep status');
    const bad = await apiError(
      co.patchClusterCustomObjectStatus(
        { group: G, version: V, plural: 'eips', name, body: { status: { usage: 'many' } } },
        merge,
      ),
    );
    assert.equal(bad.code, 422);
  });

  test('finalizers and deletionTimestamp', async () => {
    await createEip('fin', undefined, { finalizers: ['finalizer.ipam.kubesphere.io/v1alpha1'] });
    const name = eipName('fin');
    const del = (await co.deleteClusterCustomObject({ group: G, version: V, plural: 'eips', name })) as Eip;
    assert.equal(del.kind, 'Eip', 'DELETE with finalizers answers the object');
    assert.ok(del.metadata.deletionTimestamp);
    assert.equal(del.metadata.deletionGracePeriodSeconds, 0);
    assert.equal(del.metadata.generation, 2, 'deletionTimestamp bumps generation');
    const still = (await co.getClusterCustomObject({ group: G, version: V, plural: 'eips', name })) as Eip;
    assert.ok(still.metadata.deletionTimestamp);
    const add = await apiError(
      co.patchClusterCustomObject(
        {
          group: G,
          version: V,
          plural: 'eips',
          name,
          body: { metadata: { finalizers: ['finalizer.ipam.kubesphere.io/v1alpha1', 'new/one'] } },
        },
        merge,
      ),
    );
    assert.equal(add.code, 422);
    assert.equal(add.status.reason, 'Invalid');
    assert.ok(
      add.status.details?.causes?.some(
        (c) => c.field === 'metadata.finalizers' && c.reason === 'FieldValueForbidden',
      ),
      JSON.stringify(add.status),
    );
    await co.patchClusterCustomObject(
      { group: G, version: V, plural: 'eips', name, body: { metadata: { finalizers: null } } },
      merge,
    );
    const gone = await apiError(co.getClusterCustomObject({ group: G, version: V, plural: 'eips', name }));
    assert.equal(gone.code, 404, 'removing the last finalizer deletes the object');
  });

  test('label selectors (set-based) and field selectors, with the 400 for unsupported fields', async () => {
    for (const [s, labels] of [
      ['sel-a', { tier: 'a', pool: 'x' }],
      ['sel-b', { tier: 'b' }],
      ['sel-c', { tier: 'c', pool: 'y' }],
    ] as const) {
      await createEip(s, undefined, { labels: { ...labels, run: t.prefix } });
    }
    const names = async (labelSelector: string) =>
      (
        (await co.listClusterCustomObject({
          group: G,
          version: V,
          plural: 'eips',
          labelSelector,
        })) as ObjectList<Eip>
      ).items
        .map((e) => e.metadata.name.slice(t.prefix.length + 1))
        .sort();
    assert.deepEqual(await names(`run=${t.prefix},tier in (a,c)`), ['sel-a', 'sel-c']);
    assert.deepEqual(await names(`run=${t.prefix},tier notin (a),!pool`), ['sel-b']);
    assert.deepEqual(await names(`run=${t.prefix},pool`), ['sel-a', 'sel-c']);
    assert.deepEqual(await names(`run=${t.prefix},tier!=a,pool==y`), ['sel-c']);
    const byName = (await co.listClusterCustomObject({
      group: G,
      version: V,
      plural: 'eips',
      fieldSelector: `metadata.name=${eipName('sel-b')}`,
    })) as ObjectList<Eip>;
    assert.deepEqual(
      byName.items.map((e) => e.metadata.name),
      [eipName('sel-b')],
    );
    await coord.createNamespacedLease({
      namespace: t.ns,
      body: { metadata: { name: 'fs' }, spec: { holderIdentity: 'h' } },
    });
    const leases = await coord.listNamespacedLease({ namespace: t.ns, fieldSelector: 'metadata.name=fs' });
    assert.deepEqual(
      leases.items.map((l) => l.metadata?.name),
      ['fs'],
    );
    const bad = await apiError(
      coord.listNamespacedLease({ namespace: t.ns, fieldSelector: 'spec.holderIdentity=h' }),
    );
    assert.equal(bad.code, 400);
    assert.equal(bad.status.reason, 'BadRequest');
    assert.match(bad.status.message ?? '', /spec\.holderIdentity/, 'the message names the field');
  });

  test('Lease MicroTime comes back with six fractional digits', async () => {
    await coord.createNamespacedLease({
      namespace: t.ns,
      body: {
        metadata: { name: 'micro' },
        spec: {
          holderIdentity: 'me',
          leaseDurationSeconds: 15,
          renewTime: new V1MicroTime('2026-11-25T21:17:36.526Z'),
          acquireTime: new V1MicroTime('2026-11-25T21:17:36.526Z'),
        },
      },
    });
    const raw = await t.client.get<Lease>(Resources.Lease, 'micro', t.ns);
    assert.equal(raw.spec.renewTime, '2026-11-25T21:17:36.526000Z');
    assert.match(raw.spec.acquireTime ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    // 2.x typed results are model class instances: metav1.Time becomes a Date while MicroTime stays a
    // string — one more reason src/kube reads plain JSON only.
    const typed = await coord.readNamespacedLease({ namespace: t.ns, name: 'micro' });
    assert.notEqual(Object.getPrototypeOf(typed), Object.prototype);
    assert.equal(typeof typed.spec?.renewTime, 'string');
    assert.equal(String(typed.spec?.renewTime), '2026-11-25T21:17:36.526000Z');
    assert.ok(typed.metadata?.creationTimestamp instanceof Date, 'metav1.Time → Date in typed results');
  });

  test('Service defaults; status only through /status; loadBalancerClass survives', async () => {
    const s = await core.createNamespacedService({
      namespace: t.ns,
      body: {
        metadata: { name: 'lb' },
        spec: {
          type: 'LoadBalancer',
          loadBalancerClass: 'openelb.kubesphere.io/lb',
          ports: [{ port: 80, targetPort: 8080 }],
        },
        status: { loadBalancer: { ingress: [{ ip: '198.18.0.1' }] } },
      },
    });
    assert.ok(s.spec?.clusterIP, 'clusterIP allocated');
    assert.ok(s.spec?.ports?.[0]?.nodePort, 'nodePort allocated');
    assert.equal(s.spec?.ports?.[0]?.protocol, 'TCP');
    assert.deepEqual(s.spec?.ipFamilies, ['IPv4']);
    assert.equal(s.spec?.ipFamilyPolicy, 'SingleStack');
    assert.equal(s.spec?.allocateLoadBalancerNodePorts, true);
    assert.equal(s.spec?.sessionAffinity, 'None');
    assert.equal(s.spec?.externalTrafficPolicy, 'Cluster');
    assert.equal(s.spec?.loadBalancerClass, 'openelb.kubesphere.io/lb');
    assert.deepEqual(s.status?.loadBalancer?.ingress ?? [], [], 'status on create is dropped');
    const main = await core.patchNamespacedService(
      {
        namespace: t.ns,
        name: 'lb',
        body: { status: { loadBalancer: { ingress: [{ ip: '198.18.0.1' }] } } },
      },
      merge,
    );
    assert.deepEqual(main.status?.loadBalancer?.ingress ?? [], [], 'status via the main resource is ignored');
    const st = await core.patchNamespacedServiceStatus(
      {
        namespace: t.ns,
        name: 'lb',
        body: { status: { loadBalancer: { ingress: [{ ip: '198.18.0.1' }] } } },
      },
      merge,
    );
    assert.deepEqual(
      st.status?.loadBalancer?.ingress?.map((i) => i.ip),
      ['198.18.0.1'],
    );
    const plain = await core.createNamespacedService({
      namespace: t.ns,
      body: { metadata: { name: 'plain' }, spec: { ports: [{ port: 80 }] } },
    });
    assert.equal(plain.spec?.type, 'ClusterIP');
    assert.equal(plain.spec?.ports?.[0]?.nodePort, undefined);
  });

  test('list item shapes: built-in items without kind/apiVersion, custom-resource items with them', async () => {
    await createEip('shape');
    await core.createNamespacedService({
      namespace: t.ns,
      body: { metadata: { name: 'shape' }, spec: { ports: [{ port: 80 }] } },
    });
    const raw = await t.client.request<ObjectList<KubeObject>>('GET', `/api/v1/namespaces/${t.ns}/services`);
    assert.equal(raw.kind, 'ServiceList');
    assert.ok(raw.metadata.resourceVersion);
    const item = raw.items.find((i) => i.metadata.name === 'shape');
    assert.ok(item);
    assert.equal(item.kind, undefined);
    assert.equal(item.apiVersion, undefined);
    const crs = (await co.listClusterCustomObject({
      group: G,
      version: V,
      plural: 'eips',
    })) as ObjectList<Eip>;
    assert.equal(crs.kind, 'EipList');
    const cr = crs.items.find((i) => i.metadata.name === eipName('shape'));
    assert.equal(cr?.kind, 'Eip');
    assert.equal(cr?.apiVersion, `${G}/${V}`);
    // src/kube normalises both to the watch shape.
    const norm = await t.client.list<Service>(Resources.Service, { namespace: t.ns });
    assert.ok(norm.items.every((i) => i.kind === 'Service' && i.apiVersion === 'v1'));
  });

  test('watch event shapes: ADDED/MODIFIED/DELETED with kind and apiVersion; DELETED carries a newer RV', async () => {
    const list = (await co.listClusterCustomObject({
      group: G,
      version: V,
      plural: 'eips',
    })) as ObjectList<Eip>;
    const rv = list.metadata.resourceVersion ?? '';
    const name = eipName('watch');
    const { events } = await collectWatch(
      t.kc,
      `/apis/${G}/${V}/eips`,
      { resourceVersion: rv, allowWatchBookmarks: true, fieldSelector: `metadata.name=${name}` },
      async () => {
        await createEip('watch');
        await co.patchClusterCustomObject(
          { group: G, version: V, plural: 'eips', name, body: { metadata: { labels: { w: '1' } } } },
          merge,
        );
        await co.deleteClusterCustomObject({ group: G, version: V, plural: 'eips', name });
      },
      (evs) => evs.some((e) => e.type === 'DELETED'),
    );
    const real = events.filter((e) => e.type !== 'BOOKMARK');
    assert.deepEqual(
      real.map((e) => e.type),
      ['ADDED', 'MODIFIED', 'DELETED'],
    );
    for (const e of real) {
      assert.equal(e.object.kind, 'Eip');
      assert.equal(e.object.apiVersion, `${G}/${V}`);
      assert.equal(typeof e.object.metadata.creationTimestamp, 'string');
    }
    const rvs = real.map((e) => Number(e.object.metadata.resourceVersion));
    assert.ok(rvs[0]! < rvs[1]! && rvs[1]! < rvs[2]!, `increasing RVs ${rvs}`);
    // Built-in kinds: watch objects carry kind/apiVersion even though list items do not.
    const svcList = await core.listNamespacedService({ namespace: t.ns });
    const sw = await collectWatch(
      t.kc,
      `/api/v1/namespaces/${t.ns}/services`,
      { resourceVersion: svcList.metadata?.resourceVersion ?? '' },
      async () => {
        await core.createNamespacedService({
          namespace: t.ns,
          body: { metadata: { name: 'watched' }, spec: { ports: [{ port: 80 }] } },
        });
      },
      (evs) => evs.some((e) => e.type === 'ADDED'),
    );
    const added = sw.events.find((e) => e.type === 'ADDED');
    assert.equal(added?.object.kind, 'Service');
    assert.equal(added?.object.apiVersion, 'v1');
  });

  test('watch without resourceVersion starts with synthetic ADDED for existing objects', async () => {
    await createEip('synthetic');
    const name = eipName('synthetic');
    const { events } = await collectWatch(
      t.kc,
      `/apis/${G}/${V}/eips`,
      { fieldSelector: `metadata.name=${name}` },
      async () => undefined,
      (evs) => evs.some((e) => e.type === 'ADDED'),
    );
    assert.equal(events[0]?.type, 'ADDED');
    assert.equal(events[0]?.object.metadata.name, name);
  });

  test('410 Expired for a too-old resourceVersion, then a relist and a fresh watch work', async () => {
    const { events, doneErr } = await collectWatch(
      t.kc,
      `/apis/${G}/${V}/eips`,
      { resourceVersion: '1' },
      async () => undefined,
      (evs) => evs.some((e) => e.type === 'ERROR'),
    );
    const err = events.find((e) => e.type === 'ERROR');
    const code = err
      ? (err.object as unknown as StatusBody).code
      : (doneErr as { statusCode?: number } | undefined)?.statusCode;
    assert.equal(code, 410, `expected 410, got ${JSON.stringify(events)} ${String(doneErr)}`);
    if (err) {
      const st = err.object as unknown as StatusBody;
      assert.equal(st.reason, 'Expired');
    }
    const fresh = (await co.listClusterCustomObject({
      group: G,
      version: V,
      plural: 'eips',
    })) as ObjectList<Eip>;
    const name = eipName('after-410');
    const w = await collectWatch(
      t.kc,
      `/apis/${G}/${V}/eips`,
      { resourceVersion: fresh.metadata.resourceVersion ?? '', fieldSelector: `metadata.name=${name}` },
      async () => {
        await createEip('after-410');
      },
      (evs) => evs.some((e) => e.type === 'ADDED'),
    );
    assert.ok(w.events.some((e) => e.type === 'ADDED' && e.object.metadata.name === name));
  });

  test(
    'bookmarks when asked for (double only: real servers send them about once a minute)',
    { skip: !process.env.KUBE_CONTRACT_KUBECONFIG ? false : 'real cluster' },
    async () => {
      const list = (await co.listClusterCustomObject({
        group: G,
        version: V,
        plural: 'eips',
      })) as ObjectList<Eip>;
      const { events } = await collectWatch(
        t.kc,
        `/apis/${G}/${V}/eips`,
        { resourceVersion: list.metadata.resourceVersion ?? '', allowWatchBookmarks: true },
        async () => undefined,
        (evs) => evs.some((e) => e.type === 'BOOKMARK'),
        3000,
      );
      const b = events.find((e) => e.type === 'BOOKMARK');
      assert.ok(b, 'a BOOKMARK arrived');
      assert.equal(b.object.kind, 'Eip');
      assert.ok(b.object.metadata.resourceVersion);
    },
  );

  test('422 schema errors name the field; defaulting; pruning; strict field validation', async () => {
    const bad = await apiError(createEip('bad', { address: '198.18.0.1', protocol: 'bogus' }));
    assert.equal(bad.code, 422);
    assert.equal(bad.status.reason, 'Invalid');
    assert.equal(bad.status.details?.name, eipName('bad'));
    assert.ok(
      bad.status.details?.causes?.some(
        (c) => c.field === 'spec.protocol' && c.reason === 'FieldValueNotSupported',
      ),
    );
    const missing = await apiError(createEip('missing', { protocol: 'bgp' }));
    assert.equal(missing.code, 422);
    assert.ok(
      missing.status.details?.causes?.some(
        (c) => c.field === 'spec.address' && c.reason === 'FieldValueRequired',
      ),
      JSON.stringify(missing.status),
    );
    const defaulted = await createEip('defaults', { address: '198.18.2.1', bogusField: 1 });
    assert.equal(defaulted.spec.protocol, 'bgp', 'default applied');
    assert.equal(
      (defaulted.spec as unknown as Record<string, unknown>).bogusField,
      undefined,
      'unknown field pruned',
    );
    const strict = await apiError(
      co.createClusterCustomObject({
        group: G,
        version: V,
        plural: 'eips',
        body: newEip('strict', { address: '198.18.3.1', bogusField: 1 }),
        fieldValidation: 'Strict',
      }),
    );
    assert.equal(strict.code, 400);
    assert.equal(strict.status.reason, 'BadRequest');
    assert.match(strict.status.message ?? '', /spec\.bogusField/, 'the message names the unknown field');
  });

  test('built-in kinds: enum and range violations are 422 naming the field; wrong JSON types 400; Strict refuses unknown fields', async () => {
    const svc = (name: string, spec: Record<string, unknown>) =>
      t.client.request('POST', `/api/v1/namespaces/${t.ns}/services`, {
        body: { apiVersion: 'v1', kind: 'Service', metadata: { name }, spec },
      });
    const bogus = await apiError(svc('bogus', { type: 'Bogus', ports: [{ port: 80 }] }));
    assert.equal(bogus.code, 422);
    assert.ok(
      bogus.status.details?.causes?.some(
        (c) => c.field === 'spec.type' && c.reason === 'FieldValueNotSupported',
      ),
      JSON.stringify(bogus.status),
    );
    const typed = await apiError(svc('typed', { ports: [{ port: '80x' }] }));
    assert.equal(typed.code, 400);
    assert.equal(typed.status.reason, 'BadRequest');
    const lease = await apiError(
      coord.createNamespacedLease({
        namespace: t.ns,
        body: { metadata: { name: 'neg' }, spec: { holderIdentity: 'a', leaseDurationSeconds: -5 } },
      }),
    );
    assert.equal(lease.code, 422);
    assert.ok(
      lease.status.details?.causes?.some((c) => c.field === 'spec.leaseDurationSeconds'),
      JSON.stringify(lease.status),
    );
    const strict = await apiError(
      t.client.request('POST', `/api/v1/namespaces/${t.ns}/configmaps`, {
        query: { fieldValidation: 'Strict' },
        body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' }, data: { a: 'b' }, bogus: 1 },
      }),
    );
    assert.equal(strict.code, 400);
    assert.match(strict.status.message ?? '', /bogus/, 'the message names the unknown field');
  });

  test('server-side apply: managedFields per manager; a second manager gets 409 with a FieldManagerConflict cause per field; force takes it', async () => {
    const name = eipName('ssa');
    t.track(Resources.Eip, name);
    const apply = (manager: string, address: string, force = false) =>
      t.client.request<Eip>('PATCH', `/apis/${G}/${V}/eips/${name}`, {
        query: { fieldManager: manager, ...(force ? { force: true } : {}) },
        contentType: 'application/apply-patch+yaml',
        body: { apiVersion: `${G}/${V}`, kind: 'Eip', metadata: { name }, spec: { address } },
      });
    const first = await apply('ctrl-a', '198.18.5.0/30');
    const owners = (o: Eip) =>
      (o.metadata as { managedFields?: { manager: string; operation: string }[] }).managedFields ?? [];
    assert.ok(owners(first).some((e) => e.manager === 'ctrl-a' && e.operation === 'Apply'));
    const c = await apiError(apply('ctrl-b', '198.18.6.0/30'));
    assert.equal(c.code, 409);
    assert.equal(c.status.reason, 'Conflict');
    assert.deepEqual(
      c.status.details?.causes?.map((x) => [x.reason, x.field]),
      [['FieldManagerConflict', '.spec.address']],
    );
    const forced = await apply('ctrl-b', '198.18.6.0/30', true);
    assert.equal(forced.spec.address, '198.18.6.0/30');
    assert.ok(owners(forced).some((e) => e.manager === 'ctrl-b'));
  });

  test('DELETE without finalizers answers a Success Status; list RV is the global counter', async () => {
    await core.createNamespacedService({
      namespace: t.ns,
      body: { metadata: { name: 'del' }, spec: { ports: [{ port: 80 }] } },
    });
    const before = await t.client.list(Resources.Service, { namespace: t.ns });
    const st = (await t.client.delete(Resources.Service, 'del', t.ns)) as KubeObject;
    // Services answer the deleted object (kind Service) on real servers; custom resources a Status.
    assert.ok(st.kind === 'Service' || st.kind === 'Status');
    const afterList = (await co.listClusterCustomObject({
      group: G,
      version: V,
      plural: 'eips',
    })) as ObjectList<Eip>;
    assert.ok(
      Number(afterList.metadata.resourceVersion) > Number(before.metadata.resourceVersion),
      'one global resourceVersion across kinds',
    );
  });
});
