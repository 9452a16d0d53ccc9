// Pure allocator decisions: ownership, requests, stickiness, releases, moves, dual-stack, rebuild.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Eip } from '../../../src/api/v1alpha2.ts';
import type { Service } from '../../../src/kube/types.ts';
import { allocateFor, planReleases, type DecideContext } from '../../../src/controllers/service/decide.ts';
import { rebuildFrom } from '../../../src/controllers/service/rebuild.ts';
import { ownsService, serviceRequest } from '../../../src/controllers/service/request.ts';

const CFG = { loadBalancerClass: 'openelb.kubesphere.io/openelb', claimClassless: false };
const CTX: DecideContext = { cfg: CFG, namespaceLabels: () => ({}) };

function eip(name: string, address: string, extra: Partial<Eip['spec']> = {}, status: Eip['status'] = {}, annotations: Record<string, string> = {}): Eip {
  return { apiVersion: 'network.kubesphere.io/v1alpha2', kind: 'Eip', metadata: { name, annotations, resourceVersion: '1', creationTimestamp: `2026-01-01T00:00:0${name.length % 10}Z` }, spec: { address, ...extra }, status };
}
function svc(name: string, opts: { ns?: string; ann?: Record<string, string>; spec?: Partial<Service['spec']>; ips?: string[]; uid?: string } = {}): Service {
  return {
    apiVersion: 'v1', kind: 'Service',
    metadata: { name, namespace: opts.ns ?? 'default', uid: opts.uid ?? `uid-${name}`, annotations: { 'lb.kubesphere.io/v1alpha1': 'openelb', ...opts.ann } },
    spec: { type: 'LoadBalancer', ports: [{ port: 80, protocol: 'TCP' }], ...opts.spec },
    status: { loadBalancer: { ingress: (opts.ips ?? []).map((ip) => ({ ip })) } },
  };
}
const DEFAULT = { 'eip.openelb.kubesphere.io/is-default-eip': 'true' };

describe('which Services are ours', () => {
  test('annotation or our class; never another class; class-less only with claimClassless', () => {
    assert.equal(ownsService(svc('a'), CFG), true);
    assert.equal(ownsService(svc('b', { ann: { 'lb.kubesphere.io/v1alpha1': 'other' } }), CFG), false);
    assert.equal(ownsService(svc('b', { ann: { 'lb.kubesphere.io/v1alpha1': 'other' } }), { ...CFG, claimClassless: true }), true);
    assert.equal(ownsService(svc('c', { spec: { loadBalancerClass: 'x.io/y' } }), { ...CFG, claimClassless: true }), false);
    assert.equal(ownsService(svc('d', { ann: { 'lb.kubesphere.io/v1alpha1': '' }, spec: { loadBalancerClass: CFG.loadBalancerClass } }), CFG), true);
    assert.equal(ownsService(svc('e', { spec: { type: 'NodePort' } }), CFG), false);
  });

  test('requests: the IP annotation wins over spec.loadBalancerIP; families follow ipFamilyPolicy', () => {
    const r = serviceRequest(svc('a', { ann: { 'eip.openelb.kubesphere.io/v1alpha1': '10.0.0.7' }, spec: { loadBalancerIP: '10.0.0.9' } }));
    assert.equal(r.ips.get(4), '10.0.0.7');
    assert.deepEqual(serviceRequest(svc('b', { spec: { ipFamilyPolicy: 'PreferDualStack', ipFamilies: ['IPv6', 'IPv4'] } })).families, [6, 4]);
    assert.deepEqual(serviceRequest(svc('c', { spec: { ipFamilyPolicy: 'SingleStack', ipFamilies: ['IPv6'] } })).families, [6]);
    assert.match(serviceRequest(svc('d', { spec: { loadBalancerIP: 'nope' } })).problems.join(), /not an IP/);
    assert.match(serviceRequest(svc('e', { spec: { loadBalancerIP: '2001:db8::1' } })).problems.join(), /ipFamilies/);
  });
});

describe('decisions', () => {
  test('sticky: a Service keeps its address when the default pool moves and a better pool appears', () => {
    const s = svc('web', { ips: ['10.1.0.10'] });
    const eips = [
      eip('old', '10.1.0.10-10.1.0.19', {}, { used: { '10.1.0.10': 'default/web' } }),
      eip('new', '10.2.0.0/24', { namespaces: ['default'], priority: -9 }, {}, DEFAULT),
    ];
    const { state } = rebuildFrom(eips, [s], CFG, 100);
    assert.deepEqual(planReleases(state, 'default/web', s, CFG), []);
    const out = allocateFor(state, s, CTX);
    assert.deepEqual(out, [{ kind: 'held', family: 4, pool: 'old', ip: '10.1.0.10' }]);
    const fresh = svc('api');
    assert.deepEqual(allocateFor(state, fresh, CTX)[0], { kind: 'allocated', family: 4, pool: 'new', ip: '10.2.0.1', shared: false, via: 'auto' });
  });

  test('disabled pools keep their allocations and refuse new ones', () => {
    const s = svc('web', { ips: ['10.1.0.10'] });
    const { state } = rebuildFrom([eip('p', '10.1.0.10-10.1.0.19', { disable: true }, { used: { '10.1.0.10': 'default/web' } }, DEFAULT)], [s], CFG, 100);
    assert.equal(allocateFor(state, s, CTX)[0]?.kind, 'held');
    const o = allocateFor(state, svc('x', { ann: { 'eip.openelb.kubesphere.io/v1alpha2': 'p' } }), CTX)[0];
    assert.equal(o?.kind === 'failed' && o.reason, 'PoolUnusable');
  });

  test('releases: deleted, type changed, class removed, family dropped, recorded for an older UID', () => {
    const used = { '10.1.0.10': 'default/a', '10.1.0.11': 'default/b', '10.1.0.12': 'default/c' };
    const { state } = rebuildFrom([eip('p', '10.1.0.10-10.1.0.19', {}, { used, serviceUIDs: { 'default/c': 'old-uid' } })],
      [svc('a'), svc('b'), svc('c', { uid: 'old-uid' })], CFG, 100);
    assert.match(planReleases(state, 'default/a', undefined, CFG)[0]?.why ?? '', /deleted/);
    assert.match(planReleases(state, 'default/a', svc('a', { spec: { type: 'ClusterIP' } }), CFG)[0]?.why ?? '', /no longer type LoadBalancer/);
    assert.match(planReleases(state, 'default/b', svc('b', { ann: { 'lb.kubesphere.io/v1alpha1': '' } }), CFG)[0]?.why ?? '', /no longer asks/);
    assert.match(planReleases(state, 'default/b', svc('b', { spec: { ipFamilies: ['IPv6'] } }), CFG)[0]?.why ?? '', /IPv4/);
    assert.match(planReleases(state, 'default/c', svc('c', { uid: 'new-uid' }), CFG)[0]?.why ?? '', /earlier Service/);
  });

  test('an explicit new address moves the Service only when that address is free', () => {
    const used = { '10.1.0.10': 'default/a', '10.1.0.11': 'default/b' };
    const { state } = rebuildFrom([eip('p', '10.1.0.10-10.1.0.19', {}, { used })], [svc('a'), svc('b')], CFG, 100);
    const wantsTaken = svc('a', { ann: { 'eip.openelb.kubesphere.io/v1alpha1': '10.1.0.11' }, ips: ['10.1.0.10'] });
    assert.deepEqual(planReleases(state, 'default/a', wantsTaken, CFG), []);
    const held = allocateFor(state, wantsTaken, CTX)[0];
    assert.ok(held?.kind === 'held' && /default\/b/.test(held.note ?? ''));
    const wantsFree = svc('a', { ann: { 'eip.openelb.kubesphere.io/v1alpha1': '10.1.0.15' }, ips: ['10.1.0.10'] });
    assert.equal(planReleases(state, 'default/a', wantsFree, CFG).length, 1);
  });

  test('a Service recorded twice in one family keeps the address it shows', () => {
    const s = svc('a', { ips: ['10.2.0.5'] });
    const { state } = rebuildFrom([
      eip('p1', '10.1.0.1-10.1.0.9', {}, { used: { '10.1.0.1': 'default/a' } }),
      eip('p2', '10.2.0.1-10.2.0.9', {}, { used: { '10.2.0.5': 'default/a' } }),
    ], [s], CFG, 100);
    const rel = planReleases(state, 'default/a', s, CFG);
    assert.deepEqual(rel.map((r) => r.ip), ['10.1.0.1']);
  });

  test('rebuild drops records of vanished Services and re-records addresses shown in status', () => {
    const shown = svc('keep', { ips: ['10.1.0.15'] });
    const r = rebuildFrom([eip('p', '10.1.0.10-10.1.0.19', {}, { used: { '10.1.0.10': 'default/gone' } })], [shown], CFG, 100);
    assert.equal(r.dropped, 1);
    assert.equal(r.adopted, 1);
    assert.equal(r.state.pools.get('p')?.ledger?.lookup('default/keep'), '10.1.0.15');
    assert.equal(r.state.pools.get('p')?.ledger?.lookup('default/gone'), undefined);
  });

  test('record limit: a pool at its maximum refuses new allocations with the reason', () => {
    const { state } = rebuildFrom([eip('p', '10.1.0.10-10.1.0.19', {}, { used: { '10.1.0.10': 'default/a' } }, DEFAULT)], [svc('a')], CFG, 1);
    const o = allocateFor(state, svc('b'), CTX)[0];
    assert.ok(o?.kind === 'failed' && o.reason === 'PoolExhausted' && /etcd/.test(o.message), JSON.stringify(o));
  });

  test('dual-stack gets one address per family; no pool for a family is reported', () => {
    const { state } = rebuildFrom([eip('v4', '10.1.0.1-10.1.0.9', {}, {}, DEFAULT)], [], CFG, 100);
    const out = allocateFor(state, svc('d', { spec: { ipFamilyPolicy: 'PreferDualStack', ipFamilies: ['IPv4', 'IPv6'] } }), CTX);
    assert.equal(out[0]?.kind, 'allocated');
    assert.ok(out[1]?.kind === 'failed' && out[1].reason === 'NoMatchingPool');
  });
});
