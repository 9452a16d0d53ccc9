import { test } from 'node:test';
import assert from 'node:assert/strict';
import { slimForCache, StringInterner } from '../../../src/kube/slim.ts';
import type { Service } from '../../../src/kube/types.ts';

function service(i: number): Service {
  // JSON.parse, as objects arrive from the API server: every string is a fresh copy
  return JSON.parse(
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: `svc-${i}`,
        namespace: 'openelb-system',
        uid: `uid-0000-0000-0000-${String(i).padStart(12, '0')}`,
        resourceVersion: String(100 + i),
        annotations: { 'eip.openelb.kubesphere.io/v1alpha2': 'bench-bulk-pool' },
        managedFields: [
          {
            manager: 'kubectl-client-side-apply',
            operation: 'Update',
            fieldsV1: { 'f:spec': { 'f:ports': {} } },
          },
        ],
      },
      spec: {
        type: 'LoadBalancer',
        ipFamilyPolicy: 'SingleStack',
        clusterIP: `10.96.0.${i}`,
        ports: [{ name: 'http', port: 80, protocol: 'TCP' }],
      },
    }),
  ) as Service;
}

test('managedFields are dropped; everything else is kept', () => {
  const s = slimForCache(service(1), new StringInterner());
  assert.equal('managedFields' in s.metadata, false);
  assert.deepEqual(s.metadata, {
    name: 'svc-1',
    namespace: 'openelb-system',
    uid: 'uid-0000-0000-0000-000000000001',
    resourceVersion: '101',
    annotations: { 'eip.openelb.kubesphere.io/v1alpha2': 'bench-bulk-pool' },
  });
  assert.equal(s.spec.clusterIP, '10.96.0.1');
  assert.deepEqual(s.spec.ports, [{ name: 'http', port: 80, protocol: 'TCP' }]);
});

test('repeated values are shared, unique ones are not put in the table', () => {
  const interner = new StringInterner();
  const a = slimForCache(service(1), interner);
  const b = slimForCache(service(2), interner);
  // the same content either way; what the table holds shows what is shared
  assert.equal(a.spec.type, b.spec.type);
  assert.equal(a.metadata.namespace, b.metadata.namespace);
  // "LoadBalancer", "SingleStack", "openelb-system", "bench-bulk-pool" (uids, names, IPs, resourceVersions are left out)
  assert.equal(interner.size, 4);
});

test('the table is bounded: when full it starts over', () => {
  const interner = new StringInterner(3);
  for (const s of ['aaaaaaaaaaa1', 'aaaaaaaaaaa2', 'aaaaaaaaaaa3', 'aaaaaaaaaaa4']) interner.intern(s);
  assert.equal(interner.size, 1);
  assert.equal(interner.intern('short'), 'short');
  assert.equal(interner.size, 1);
});
