// Pure allocator decisions: ownership, requests, stickiness, releases, moves, dual-stack, rebuild.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Eip } from '../../../src/api/v1alpha2.ts';
import type { Service } from '../../../src/kube/types.ts';
import { allocateFor } from '../../../src/controllers/service/allocate.ts';
import type { DecideContext } from '../../../src/controllers/service/decide.ts';
import { planReleases } from '../../../src/controllers/service/release.ts';
import { rebuildFrom } from '../../../src/controllers/service/rebuild.ts';
import { ownsService, serviceRequest } from '../../../src/controllers/service/request.ts';

const CFG = { loadBalancerClass: 'openelb.kubesphere.io/openelb', claimClassless: false };
const CTX: DecideContext = { cfg: CFG, namespaceLabels: () => ({}) };

function eip(
  name: string,
  address: string,
  extra: Partial<Eip['spec']> = {},
  status: Eip['status'] = {},
  annotations: Record<string, string> = {},
): Eip {
  return {
    apiVersion: 'network.kubesphere.io/v1alpha2',
    kind: 'Eip',
    metadata: {
      name,
      annotations,
      resourceVersion: '1',
      creationTimestamp: `2026-01-01T00:00:0${name.length % 10}Z`,
    },
    spec: { address, ...extra },
    status,
  };
}
function svc(
  name: string,
  opts: {
    ns?: string;
    ann?: Record<string, string>;
    spec?: Partial<Service['spec']>;
    ips?: string[];
    uid?: string;
  } = {},
): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name,
      namespace: opts.ns ?? 'default',
      uid: opts.uid ?? `uid-${name}`,
      annotations: { 'lb.kubesphere.io/v1alpha1': 'openelb', ...opts.ann },
    },
    spec: { type: 'LoadBalancer', ports: [{ port: 80, protocol: 'TCP' }], ...opts.spec },
    status: { loadBalancer: { ingress: (opts.ips ?? []).map((ip) => ({ ip })) } },
  };
}
const DEFAULT = { 'eip.openelb.kubesphere.io/is-default-eip': 'true' };

describe('which Services are ours', () => {
  test('annotation or our class; never another class; class-less only with claimClassless', () => {
    assert.equal(ownsService(svc('a'), CFG), true);
    assert.equal(ownsService(svc('b', { ann: { 'lb.kubesphere.io/v1alpha1': 'other' } }), CFG), false);
    assert.equal(
      ownsService(svc('b', { ann: { 'lb.kubesphere.io/v1alpha1': 'other' } }), {
        ...CFG,
        claimClassless: true,
      }),
      true,
    );
    assert.equal(
      ownsService(svc('c', { spec: { loadBalancerClass: 'x.io/y' } }), { ...CFG, claimClassless: true }),
      false,
    );
    assert.equal(
      ownsService(
        svc('d', {
          ann: { 'lb.kubesphere.io/v1alpha1': '' },
          spec: { loadBalancerClass: CFG.loadBalancerClass },
        }),
        CFG,
      ),
      true,
    );
    assert.equal(ownsService(svc('e', { spec: { type: 'NodePort' } }), CFG), false);
  });

  test('requests: the IP annotation wins over spec.loadBalancerIP; families follow ipFamilyPolicy', () => {
    const r = serviceRequest(
      svc('a', {
        ann: { 'eip.openelb.kubesphere.io/v1alpha1': '10.0.0.7' },
        spec: { loadBalancerIP: '10.0.0.9' },
      }),
    );
    assert.equal(r.ips.get(4), '10.0.0.7');
    assert.deepEqual(
      serviceRequest(svc('b', { spec: { ipFamilyPolicy: 'PreferDualStack', ipFamilies: ['IPv6', 'IPv4'] } }))
        .families,
      [6, 4],
    );
    assert.deepEqual(
      serviceRequest(svc('c', { spec: { ipFamilyPolicy: 'SingleStack', ipFamilies: ['IPv6'] } })).families,
      [6],
    );
    assert.match(serviceRequest(svc('d', { spec: { loadBalancerIP: 'nope' } })).problems.join(), /not an IP/);
    assert.match(
      serviceRequest(svc('e', { spec: { loadBalancerIP: '2001:db8::1' } })).problems.join(),
      /ipFamilies/,
    );
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
    assert.deepEqual(planReleases(state, 'default/web', s, CTX), []);
    const out = allocateFor(state, s, CTX);
    assert.deepEqual(out, [{ kind: 'held', family: 4, pool: 'old', ip: '10.1.0.10' }]);
    const fresh = svc('api');
    assert.deepEqual(allocateFor(state, fresh, CTX)[0], {
      kind: 'allocated',
      family: 4,
      pool: 'new',
      ip: '10.2.0.1',
      shared: false,
      via: 'auto',
    });
  });

  test('disabled pools keep their allocations and refuse new ones', () => {
    const s = svc('web', { ips: ['10.1.0.10'] });
    const { state } = rebuildFrom(
      [eip('p', '10.1.0.10-10.1.0.19', { disable: true }, { used: { '10.1.0.10': 'default/web' } }, DEFAULT)],
      [s],
      CFG,
      100,
    );
    assert.equal(allocateFor(state, s, CTX)[0]?.kind, 'held');
    const o = allocateFor(state, svc('x', { ann: { 'eip.openelb.kubesphere.io/v1alpha2': 'p' } }), CTX)[0];
    assert.equal(o?.kind === 'failed' && o.reason, 'PoolUnusable');
  });

  test('releases: deleted, type changed, class removed, family dropped, recorded for an older UID', () => {
    const used = { '10.1.0.10': 'default/a', '10.1.0.11': 'default/b', '10.1.0.12': 'default/c' };
    const { state } = rebuildFrom(
      [eip('p', '10.1.0.10-10.1.0.19', {}, { used, serviceUIDs: { 'default/c': 'old-uid' } })],
      [svc('a'), svc('b'), svc('c', { uid: 'old-uid' })],
      CFG,
      100,
    );
    assert.match(planReleases(state, 'default/a', undefined, CTX)[0]?.why ?? '', /deleted/);
    assert.match(
      planReleases(state, 'default/a', svc('a', { spec: { type: 'ClusterIP' } }), CTX)[0]?.why ?? '',
      /no longer type LoadBalancer/,
    );
    assert.match(
      planReleases(state, 'default/b', svc('b', { ann: { 'lb.kubesphere.io/v1alpha1': '' } }), CTX)[0]?.why ??
        '',
      /no longer asks/,
    );
    assert.match(
      planReleases(state, 'default/b', svc('b', { spec: { ipFamilies: ['IPv6'] } }), CTX)[0]?.why ?? '',
      /IPv4/,
    );
    assert.match(
      planReleases(state, 'default/c', svc('c', { uid: 'new-uid' }), CTX)[0]?.why ?? '',
      /earlier Service/,
    );
  });

  test('an explicit new address moves the Service only when that address is free', () => {
    const used = { '10.1.0.10': 'default/a', '10.1.0.11': 'default/b' };
    const { state } = rebuildFrom(
      [eip('p', '10.1.0.10-10.1.0.19', {}, { used })],
      [svc('a'), svc('b')],
      CFG,
      100,
    );
    const wantsTaken = svc('a', {
      ann: { 'eip.openelb.kubesphere.io/v1alpha1': '10.1.0.11' },
      ips: ['10.1.0.10'],
    });
    assert.deepEqual(planReleases(state, 'default/a', wantsTaken, CTX), []);
    const held = allocateFor(state, wantsTaken, CTX)[0];
    assert.ok(held?.kind === 'held' && /default\/b/.test(held.note ?? ''));
    const wantsFree = svc('a', {
      ann: { 'eip.openelb.kubesphere.io/v1alpha1': '10.1.0.15' },
      ips: ['10.1.0.10'],
    });
    assert.equal(planReleases(state, 'default/a', wantsFree, CTX).length, 1);
  });

  test('a Service recorded twice in one family keeps the address it shows', () => {
    const s = svc('a', { ips: ['10.2.0.5'] });
    const { state } = rebuildFrom(
      [
        eip('p1', '10.1.0.1-10.1.0.9', {}, { used: { '10.1.0.1': 'default/a' } }),
        eip('p2', '10.2.0.1-10.2.0.9', {}, { used: { '10.2.0.5': 'default/a' } }),
      ],
      [s],
      CFG,
      100,
    );
    const rel = planReleases(state, 'default/a', s, CTX);
    assert.deepEqual(
      rel.map((r) => r.ip),
      ['10.1.0.1'],
    );
  });

  test('rebuild drops records of vanished Services and re-records addresses shown in status', () => {
    const shown = svc('keep', { ips: ['10.1.0.15'] });
    const r = rebuildFrom(
      [eip('p', '10.1.0.10-10.1.0.19', {}, { used: { '10.1.0.10': 'default/gone' } })],
      [shown],
      CFG,
      100,
    );
    assert.equal(r.dropped, 1);
    assert.equal(r.adopted, 1);
    assert.equal(r.state.pools.get('p')?.ledger?.lookup('default/keep'), '10.1.0.15');
    assert.equal(r.state.pools.get('p')?.ledger?.lookup('default/gone'), undefined);
  });

  test('record limit: a pool at its maximum refuses new allocations with the reason', () => {
    const { state } = rebuildFrom(
      [eip('p', '10.1.0.10-10.1.0.19', {}, { used: { '10.1.0.10': 'default/a' } }, DEFAULT)],
      [svc('a')],
      CFG,
      1,
    );
    const o = allocateFor(state, svc('b'), CTX)[0];
    assert.ok(
      o?.kind === 'failed' && o.reason === 'PoolExhausted' && /etcd/.test(o.message),
      JSON.stringify(o),
    );
  });

  test('a namespace-restricted pool gives no new address to another namespace: automatic, named pool or named address', () => {
    const labels: Record<string, Record<string, string>> = {
      'team-a': { team: 'a' },
      'team-b': { team: 'b' },
    };
    const ctx: DecideContext = { cfg: CFG, namespaceLabels: (ns) => labels[ns] };
    const { state } = rebuildFrom(
      [
        eip('team-a-only', '203.0.113.160-203.0.113.169', { namespaces: ['team-a'] }),
        eip('by-label', '203.0.113.170-203.0.113.179', {
          namespaceSelector: { team: 'a' },
          autoAssign: false,
        }),
      ],
      [],
      CFG,
      100,
    );
    const auto = allocateFor(state, svc('b1', { ns: 'team-b' }), ctx)[0];
    assert.ok(auto?.kind === 'failed' && auto.reason === 'NoMatchingPool', JSON.stringify(auto));
    const named = allocateFor(
      state,
      svc('b2', { ns: 'team-b', ann: { 'eip.openelb.kubesphere.io/v1alpha2': 'team-a-only' } }),
      ctx,
    )[0];
    assert.ok(named?.kind === 'failed' && named.reason === 'NamespaceNotAllowed', JSON.stringify(named));
    assert.equal(
      named.message,
      'Eip team-a-only serves only spec.namespaces [team-a], and namespace team-b is not selected',
    );
    const ip = allocateFor(
      state,
      svc('b3', { ns: 'team-b', ann: { 'eip.openelb.kubesphere.io/v1alpha1': '203.0.113.171' } }),
      ctx,
    )[0];
    assert.ok(ip?.kind === 'failed' && ip.reason === 'NamespaceNotAllowed', JSON.stringify(ip));
    assert.match(
      ip.message,
      /^requested address 203\.0\.113\.171: Eip by-label serves only spec\.namespaceSelector \{team=a\}/,
    );
    assert.equal(state.pools.get('team-a-only')?.ledger?.usage, 0, 'nothing was recorded for team-b');
    assert.equal(state.pools.get('by-label')?.ledger?.usage, 0);
    // The namespaces the pools select are served every way.
    assert.deepEqual(allocateFor(state, svc('a1', { ns: 'team-a' }), ctx)[0], {
      kind: 'allocated',
      family: 4,
      pool: 'team-a-only',
      ip: '203.0.113.160',
      shared: false,
      via: 'auto',
    });
    const a2 = allocateFor(
      state,
      svc('a2', { ns: 'team-a', ann: { 'eip.openelb.kubesphere.io/v1alpha1': '203.0.113.171' } }),
      ctx,
    )[0];
    assert.equal(a2?.kind === 'allocated' && a2.pool, 'by-label');
  });

  test('a held address in a pool that no longer serves the namespace is kept, with a note; no move to a pool that does not serve it', () => {
    const ctx: DecideContext = { cfg: CFG, namespaceLabels: () => ({ team: 'b' }) };
    const s = svc('web', { ns: 'team-b', ips: ['10.1.0.10'] });
    const { state } = rebuildFrom(
      [
        eip(
          'labelled',
          '10.1.0.10-10.1.0.19',
          { namespaceSelector: { team: 'a' } },
          { used: { '10.1.0.10': 'team-b/web' } },
        ),
        eip('a-only', '10.2.0.10-10.2.0.19', { namespaces: ['team-a'] }),
      ],
      [s],
      CFG,
      100,
    );
    assert.deepEqual(planReleases(state, 'team-b/web', s, ctx), []);
    const held = allocateFor(state, s, ctx)[0];
    assert.ok(
      held?.kind === 'held' &&
        /keeps 10\.1\.0\.10.*Eip labelled serves only spec\.namespaceSelector \{team=a\}/.test(
          held.note ?? '',
        ),
      JSON.stringify(held),
    );
    // Asking to move into a pool that does not serve team-b releases nothing and says why.
    const asks: Record<string, string>[] = [
      { 'eip.openelb.kubesphere.io/v1alpha2': 'a-only' },
      { 'eip.openelb.kubesphere.io/v1alpha1': '10.2.0.12' },
    ];
    for (const ann of asks) {
      const moving = svc('web', { ns: 'team-b', ips: ['10.1.0.10'], ann });
      assert.deepEqual(planReleases(state, 'team-b/web', moving, ctx), [], JSON.stringify(ann));
      const kept = allocateFor(state, moving, ctx)[0];
      assert.ok(
        kept?.kind === 'held' && /Eip a-only serves only spec\.namespaces \[team-a\]/.test(kept.note ?? ''),
        JSON.stringify(kept),
      );
    }
  });

  test('dual-stack gets one address per family; no pool for a family is reported', () => {
    const { state } = rebuildFrom([eip('v4', '10.1.0.1-10.1.0.9', {}, {}, DEFAULT)], [], CFG, 100);
    const out = allocateFor(
      state,
      svc('d', { spec: { ipFamilyPolicy: 'PreferDualStack', ipFamilies: ['IPv4', 'IPv6'] } }),
      CTX,
    );
    assert.equal(out[0]?.kind, 'allocated');
    assert.ok(out[1]?.kind === 'failed' && out[1].reason === 'NoMatchingPool');
  });
});
