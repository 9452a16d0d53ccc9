// The race test's invariant watcher must catch what it claims to: a duplicate, a moved or lost
// address, an address shown but never recorded, a Service recorded twice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Eip } from '../../src/api/v1alpha2.ts';
import type { Service } from '../../src/kube/types.ts';
import { InvariantWatcher } from './ipam-invariants.ts';

const svc = (name: string, rv: number, ip?: string, sharing?: string, port = 80): Service => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: {
    name,
    namespace: 'n',
    uid: `u-${name}`,
    resourceVersion: String(rv),
    annotations: sharing ? { 'openelb.kubesphere.io/sharing-key': sharing } : {},
  },
  spec: { type: 'LoadBalancer', ports: [{ port, protocol: 'TCP' }] },
  status: { loadBalancer: { ingress: ip ? [{ ip }] : [] } },
});
const eip = (rv: number, used: Record<string, string>): Eip => ({
  apiVersion: 'network.kubesphere.io/v1alpha2',
  kind: 'Eip',
  metadata: { name: 'p', resourceVersion: String(rv) },
  spec: { address: '10.0.0.0/24' },
  status: { used },
});

test('a correct sequence passes', () => {
  const w = new InvariantWatcher();
  w.service('add', svc('a', 1));
  w.eip('update', eip(2, { '10.0.0.1': 'n/a' }));
  w.service('update', svc('a', 3, '10.0.0.1'));
  w.service('add', svc('b', 4, '10.0.0.2', 'k', 53));
  w.service('add', svc('c', 5, '10.0.0.2', 'k', 54));
  w.eip('update', eip(6, { '10.0.0.1': 'n/a' }));
  w.advanceEips(10);
  // b and c were never recorded: caught; nothing else.
  assert.equal(w.violations.filter((v) => !/n\/[bc] shows/.test(v)).length, 0, w.violations.join('\n'));
  assert.equal(w.violations.length, 2);
});

test('duplicates, moves, losses and double records are caught', () => {
  const w = new InvariantWatcher();
  w.eip('update', eip(1, { '10.0.0.1': 'n/a', '10.0.0.2': 'n/a' }));
  w.service('add', svc('a', 2, '10.0.0.1'));
  w.service('add', svc('b', 3, '10.0.0.1'));
  w.service('update', svc('a', 4, '10.0.0.9'));
  w.service('update', svc('a', 5));
  w.advanceEips(10);
  const all = w.violations.join('\n');
  assert.match(all, /records n\/a at 10\.0\.0\.1 and 10\.0\.0\.2/);
  assert.match(all, /10\.0\.0\.1 shown by n\/a, n\/b/);
  assert.match(all, /moved to 10\.0\.0\.9/);
  assert.match(all, /was lost/);
  assert.match(all, /n\/b shows 10\.0\.0\.1 at rv 3, but no Eip recorded it/);
});
