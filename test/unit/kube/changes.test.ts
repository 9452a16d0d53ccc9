import { test } from 'node:test';
import assert from 'node:assert/strict';
import { intentChanged, onlyReportsChanged } from '../../../src/kube/changes.ts';
import type { KubeObject } from '../../../src/kube/types.ts';

type Obj = KubeObject & { spec?: Record<string, unknown>; status?: Record<string, unknown> };

function obj(rv: string, spec: Record<string, unknown>, extra: Partial<Obj> = {}): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Thing',
    metadata: { name: 'a', uid: 'u1', resourceVersion: rv, labels: { app: 'x' } },
    spec,
    ...extra,
  };
}

test('an update that only touched status or bookkeeping is no change of intent', () => {
  const old = obj('1', { a: 1, b: [1, 2] });
  assert.equal(
    intentChanged({ type: 'update', old, obj: obj('2', { a: 1, b: [1, 2] }, { status: { x: 1 } }) }),
    false,
  );
  // the same spec with its keys in another order asks for the same thing
  assert.equal(intentChanged({ type: 'update', old, obj: obj('3', { b: [1, 2], a: 1 }) }), false);
});

test('spec, labels, deletion and adds/deletes are changes', () => {
  const old = obj('1', { a: 1 });
  assert.equal(intentChanged({ type: 'update', old, obj: obj('2', { a: 2 }) }), true);
  const relabelled = obj('2', { a: 1 });
  relabelled.metadata.labels = { app: 'y' };
  assert.equal(intentChanged({ type: 'update', old, obj: relabelled }), true);
  const deleting = obj('2', { a: 1 });
  deleting.metadata.deletionTimestamp = '2026-01-01T00:00:00Z';
  assert.equal(intentChanged({ type: 'update', old, obj: deleting }), true);
  assert.equal(intentChanged({ type: 'add', obj: old }), true);
  assert.equal(intentChanged({ type: 'delete', obj: old }), true);
});

test("a replica's announced summary is a report, not intent; other annotations are intent", () => {
  const old = obj('1', { a: 1 });
  const reported = obj('2', { a: 1 });
  reported.metadata.annotations = { 'openelb.kubesphere.io/announced': '{"node1":{"r":true}}' };
  assert.equal(intentChanged({ type: 'update', old, obj: reported }), false);
  const both = obj('3', { a: 1 });
  both.metadata.annotations = {
    'openelb.kubesphere.io/announced': '{}',
    'eip.openelb.kubesphere.io/v1alpha2': 'p',
  };
  assert.equal(intentChanged({ type: 'update', old: reported, obj: both }), true);
});

test('onlyReportsChanged: an announced-summary write alone is skipped; a status or spec change with it is not', () => {
  const old = obj('1', { a: 1 }, { status: { x: 1 } });
  const reported = obj('2', { a: 1 }, { status: { x: 1 } });
  reported.metadata.annotations = { 'openelb.kubesphere.io/announced': '{"node1":{"r":true}}' };
  assert.equal(onlyReportsChanged({ type: 'update', old, obj: reported }), true);
  const statusToo = obj('3', { a: 1 }, { status: { x: 2 } });
  statusToo.metadata.annotations = { 'openelb.kubesphere.io/announced': '{}' };
  assert.equal(onlyReportsChanged({ type: 'update', old: reported, obj: statusToo }), false);
  assert.equal(
    onlyReportsChanged({ type: 'update', old, obj: obj('4', { a: 2 }, { status: { x: 1 } }) }),
    false,
  );
  assert.equal(onlyReportsChanged({ type: 'add', obj: old }), false);
});
