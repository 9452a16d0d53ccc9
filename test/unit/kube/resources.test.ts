import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Resources, apiVersionOf, resourcePath } from '../../../src/kube/resources.ts';
import { normalize } from '../../../src/kube/client.ts';
import { objectKey } from '../../../src/kube/types.ts';
import { mapDiffPatch } from '../../../src/kube/writers.ts';
import { kubeMicroTime } from '../../../src/core/time.ts';
import {
  KubeApiError,
  isConflict,
  isAlreadyExists,
  isNotFound,
  isGone,
  isTransient,
} from '../../../src/kube/errors.ts';

test('paths for core, grouped, namespaced and cluster-scoped kinds', () => {
  assert.equal(resourcePath(Resources.Eip), '/apis/network.kubesphere.io/v1alpha2/eips');
  assert.equal(
    resourcePath(Resources.Eip, { name: 'p', subresource: 'status' }),
    '/apis/network.kubesphere.io/v1alpha2/eips/p/status',
  );
  assert.equal(resourcePath(Resources.Service), '/api/v1/services');
  assert.equal(
    resourcePath(Resources.Service, { namespace: 'ns', name: 's' }),
    '/api/v1/namespaces/ns/services/s',
  );
  assert.equal(
    resourcePath(Resources.Lease, { namespace: 'x', name: 'l' }),
    '/apis/coordination.k8s.io/v1/namespaces/x/leases/l',
  );
  assert.equal(resourcePath(Resources.Node, { name: 'n1' }), '/api/v1/nodes/n1');
  assert.throws(() => resourcePath(Resources.Service, { name: 's' }), /needs a namespace/);
  assert.equal(apiVersionOf(Resources.EndpointSlice), 'discovery.k8s.io/v1');
  assert.equal(apiVersionOf(Resources.Node), 'v1');
});

test('normalize fills kind/apiVersion only when missing', () => {
  const o = normalize(Resources.Lease, { metadata: { name: 'a' } } as {
    kind?: string;
    apiVersion?: string;
    metadata: { name: string };
  });
  assert.equal(o.kind, 'Lease');
  assert.equal(o.apiVersion, 'coordination.k8s.io/v1');
  const st = normalize(Resources.Lease, { kind: 'Status', apiVersion: 'v1' });
  assert.equal(st.kind, 'Status');
  assert.equal(objectKey({ metadata: { name: 'a', namespace: 'n' } }), 'n/a');
  assert.equal(objectKey({ metadata: { name: 'a' } }), 'a');
});

test('mapDiffPatch names only changed keys and nulls removed ones', () => {
  assert.deepEqual(mapDiffPatch({ a: '1', b: '2' }, { b: '3', c: '4' }), { a: null, b: '3', c: '4' });
  assert.deepEqual(mapDiffPatch(undefined, undefined), {});
  assert.deepEqual(mapDiffPatch({ a: { x: 1 } }, { a: { x: 1 } }), {});
  // equal values whose keys arrive in another order are no change (string comparison said they were)
  assert.deepEqual(mapDiffPatch({ a: { x: 1, y: 2 } }, { a: { y: 2, x: 1 } }), {});
});

test('Lease MicroTime has six fractional digits', () => {
  assert.equal(kubeMicroTime(new Date('2026-01-02T03:04:05.678Z')), '2026-01-02T03:04:05.678000Z');
  assert.match(kubeMicroTime(), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
});

test('error classification', () => {
  const conflict = new KubeApiError('PUT', '/x', 409, {
    kind: 'Status',
    apiVersion: 'v1',
    reason: 'Conflict',
    message: 'modified',
  });
  const exists = new KubeApiError('POST', '/x', 409, {
    kind: 'Status',
    apiVersion: 'v1',
    reason: 'AlreadyExists',
  });
  assert.ok(isConflict(conflict) && !isAlreadyExists(conflict));
  assert.ok(isAlreadyExists(exists) && !isConflict(exists));
  assert.ok(isNotFound(new KubeApiError('GET', '/x', 404, undefined)));
  assert.ok(isGone(new KubeApiError('GET', '/x', 410, undefined)));
  assert.ok(isTransient(new KubeApiError('GET', '/x', 503, undefined)) && !isTransient(conflict));
  assert.ok(isTransient(new Error('ECONNREFUSED')));
  assert.match(conflict.message, /PUT \/x: 409 Conflict: modified/);
});
