import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BgpConf, BgpPeer } from '../../../src/api/v1alpha2.ts';
import type { Condition } from '../../../src/kube/types.ts';
import type { ResourceRef } from '../../../src/kube/resources.ts';
import type { MergePatch, WriteTarget } from '../../../src/kube/writers.ts';
import type { KubeObject } from '../../../src/kube/types.ts';
import { logger, setLogLevel } from '../../../src/obs/log.ts';
import {
  bgpConfConditionContent,
  bgpPeerConditionContent,
  BgpConditionsWriter,
  mergeConditions,
  sameConditions,
  type ConditionPatcher,
} from '../../../src/controllers/bgp/conditions.ts';

// status.conditions of BgpConf / BgpPeer: content from the webhook's rules, deterministic (no
// per-node data, lastTransitionTime kept while the status holds), written only when different.

const conf = (name: string, spec: BgpConf['spec'], conditions?: Condition[]): BgpConf => ({
  apiVersion: 'network.kubesphere.io/v1alpha2',
  kind: 'BgpConf',
  metadata: { name, generation: 3 },
  spec,
  ...(conditions ? { status: { conditions } } : {}),
});
const peer = (spec: BgpPeer['spec'], conditions?: Condition[]): BgpPeer => ({
  apiVersion: 'network.kubesphere.io/v1alpha2',
  kind: 'BgpPeer',
  metadata: { name: 'p1', generation: 1 },
  spec,
  ...(conditions ? { status: { conditions } } : {}),
});

/** Records patches; the "cache" is whatever the test passes in next. */
class FakeWriter implements ConditionPatcher {
  patches: { kind: string; name: string; patch: MergePatch; subresource?: string }[] = [];
  fail = false;
  async mergePatch<T extends KubeObject>(
    ref: ResourceRef,
    target: WriteTarget,
    patch: MergePatch,
    opts: { subresource?: 'status' } = {},
  ): Promise<T> {
    if (this.fail) throw new Error('boom');
    this.patches.push({ kind: ref.kind, name: target.name, patch, subresource: opts.subresource });
    return {} as T;
  }
}

if (!process.env.OPENELB_LOG_LEVEL) setLogLevel('error');
const log = logger('test.bgp-conditions');
const conditionsOf = (p: MergePatch): Condition[] => (p['status'] as { conditions: Condition[] }).conditions;

describe('condition content', () => {
  it('BgpConf default, valid: Valid True, PolicyIgnored False', () => {
    const c = bgpConfConditionContent(conf('default', { as: 65001, listenPort: 17900 }));
    assert.deepEqual(
      c.map((x) => [x.type, x.status, x.reason]),
      [
        ['Valid', 'True', 'Accepted'],
        ['PolicyIgnored', 'False', 'NoPolicy'],
      ],
    );
    assert.equal(c[0]?.message, 'spec accepted');
  });

  it('BgpConf invalid: Valid False with the webhook message, field named', () => {
    const c = bgpConfConditionContent(conf('default', { listenPort: 0 }));
    assert.equal(c[0]?.status, 'False');
    assert.equal(c[0]?.reason, 'Invalid');
    assert.match(c[0]?.message ?? '', /spec\.as: /);
    assert.match(c[0]?.message ?? '', /spec\.listenPort: Invalid value: 0/);
  });

  it('BgpConf policy: PolicyIgnored True; the policy warning is not repeated in Valid; other warnings are', () => {
    const c = bgpConfConditionContent(
      conf('default', { as: 65001, policy: 'my-policies', routerId: '10.0.0.1' }),
    );
    assert.deepEqual(
      c.map((x) => [x.type, x.status]),
      [
        ['Valid', 'True'],
        ['PolicyIgnored', 'True'],
      ],
    );
    assert.match(c[1]?.message ?? '', /spec\.policy \(my-policies\) is not applied/);
    assert.doesNotMatch(c[0]?.message ?? '', /spec\.policy/);
    assert.match(c[0]?.message ?? '', /^accepted with warnings: spec\.routerId: every replica/);
  });

  it('BgpPeer with the neighbour of an earlier BgpPeer on overlapping nodes: Valid False Conflict naming it; the earlier one stays Valid', () => {
    const at = (name: string, t: string, spec: BgpPeer['spec']): BgpPeer => ({
      apiVersion: 'network.kubesphere.io/v1alpha2',
      kind: 'BgpPeer',
      metadata: { name, creationTimestamp: t },
      spec,
    });
    const first = at('tor', '2026-01-01T00:00:00Z', { conf: { neighborAddress: '10.0.0.1', peerAs: 65001 } });
    const copy = at('tor-copy', '2026-01-01T00:01:00Z', {
      conf: { neighborAddress: '10.0.0.1', peerAs: 65002, adminDown: true },
    });
    const all = [first, copy];
    assert.deepEqual(
      bgpPeerConditionContent(first, all).map((x) => [x.type, x.status, x.reason]),
      [['Valid', 'True', 'Accepted']],
    );
    const c = bgpPeerConditionContent(copy, all);
    assert.deepEqual(
      c.map((x) => [x.type, x.status, x.reason]),
      [['Valid', 'False', 'Conflict']],
    );
    assert.match(
      c[0]?.message ?? '',
      /^spec\.conf\.neighborAddress 10\.0\.0\.1 is also the neighbour of BgpPeer "tor", created earlier.*not configured on any node/,
    );
    assert.deepEqual(
      bgpPeerConditionContent(copy, [copy]).map((x) => x.reason),
      ['Accepted'],
      'once the other one is gone',
    );
  });

  it('BgpConf with another name: Valid False NotDefault', () => {
    const c = bgpConfConditionContent(conf('other', { as: 65001 }));
    assert.deepEqual([c[0]?.status, c[0]?.reason], ['False', 'NotDefault']);
  });

  it('BgpPeer: Valid from validateBgpPeer', () => {
    assert.deepEqual(
      bgpPeerConditionContent(peer({ conf: { neighborAddress: '10.0.0.2', peerAs: 65000 } })).map((x) => [
        x.type,
        x.status,
        x.message,
      ]),
      [['Valid', 'True', 'spec accepted']],
    );
    const bad = bgpPeerConditionContent(
      peer({ conf: { neighborAddress: '10.0.0.300', peerAs: 65000, vrf: 'red' } }),
    )[0];
    assert.equal(bad?.status, 'False');
    assert.match(bad?.message ?? '', /spec\.conf\.neighborAddress: .*; spec\.conf\.vrf: Forbidden/);
    const plain = bgpPeerConditionContent(
      peer({ conf: { neighborAddress: '10.0.0.2', peerAs: 65000, authPassword: 'x' } }),
    )[0];
    assert.equal(plain?.status, 'True');
    assert.match(plain?.message ?? '', /accepted with warnings: spec\.conf\.authPassword/);
  });
});

describe('mergeConditions', () => {
  const want = bgpPeerConditionContent(peer({ conf: { neighborAddress: '10.0.0.2', peerAs: 65000 } }));
  it('keeps lastTransitionTime while the status holds, even when the message changes', () => {
    const first = mergeConditions(undefined, want, 'T1', 1);
    assert.deepEqual(first, [
      {
        type: 'Valid',
        status: 'True',
        reason: 'Accepted',
        message: 'spec accepted',
        lastTransitionTime: 'T1',
        observedGeneration: 1,
      },
    ]);
    const again = mergeConditions(first, want, 'T2', 1);
    assert.ok(sameConditions(first, again), 'same input, later time: nothing to write');
    const reworded = mergeConditions(first, [{ ...want[0]!, message: 'accepted with warnings: x' }], 'T3', 2);
    assert.equal(reworded[0]?.lastTransitionTime, 'T1');
    const flipped = mergeConditions(first, [{ ...want[0]!, status: 'False', reason: 'Invalid' }], 'T4', 2);
    assert.equal(flipped[0]?.lastTransitionTime, 'T4');
  });

  it('keeps conditions of other types after ours', () => {
    const other: Condition = {
      type: 'Foreign',
      status: 'True',
      reason: 'R',
      message: 'm',
      lastTransitionTime: 'T0',
    };
    const l = mergeConditions([other], want, 'T1');
    assert.deepEqual(
      l.map((c) => c.type),
      ['Valid', 'Foreign'],
    );
  });

  it('replicas computing at different times agree once one write has landed', () => {
    // both see no conditions and race: A writes T1, B writes T2; whatever lands last, both then
    // compute exactly what is stored
    const a = mergeConditions(undefined, want, 'T1');
    const b = mergeConditions(undefined, want, 'T2');
    for (const stored of [a, b]) {
      assert.ok(sameConditions(stored, mergeConditions(stored, want, 'T9')));
    }
  });
});

describe('BgpConditionsWriter', () => {
  it('writes once, only status.conditions, on /status; nothing when the object already holds it', async () => {
    const w = new FakeWriter();
    let t = Date.parse('2026-01-01T00:00:00Z');
    const cw = new BgpConditionsWriter(w, log, () => new Date(t));
    const obj = conf('default', { as: 65001 });
    assert.equal(await cw.conf(obj), true);
    assert.equal(w.patches.length, 1);
    const p = w.patches[0]!;
    assert.deepEqual(
      [p.kind, p.name, p.subresource, Object.keys(p.patch), Object.keys(p.patch['status'] as object)],
      ['BgpConf', 'default', 'status', ['status'], ['conditions']],
    );
    const written = conditionsOf(p.patch);
    assert.equal(written[0]?.lastTransitionTime, '2026-01-01T00:00:00Z');
    assert.equal(written[0]?.observedGeneration, 3);

    t += 1000;
    assert.equal(await cw.conf(obj), false, 'cache has not caught up: the same content is not written twice');
    t += 1000;
    assert.equal(
      await cw.conf(conf('default', { as: 65001 }, written)),
      false,
      'cache caught up: equal, no write',
    );
    assert.equal(w.patches.length, 1);

    // a restarted replica (fresh writer) with the same object writes nothing either
    const fresh = new BgpConditionsWriter(w, log, () => new Date(t + 60_000));
    assert.equal(await fresh.conf(conf('default', { as: 65001 }, written)), false);
    assert.equal(w.patches.length, 1);
  });

  it('a spec change that flips Valid writes a new transition time; a write failure is retried next pass', async () => {
    const w = new FakeWriter();
    let t = Date.parse('2026-01-01T00:00:00Z');
    const cw = new BgpConditionsWriter(w, log, () => new Date(t));
    await cw.peer(peer({ conf: { neighborAddress: '10.0.0.2', peerAs: 65000 } }));
    const first = conditionsOf(w.patches[0]!.patch);
    t += 5000;
    w.fail = true;
    const invalid = peer({ conf: { neighborAddress: 'nope', peerAs: 65000 } }, first);
    assert.equal(await cw.peer(invalid), false);
    w.fail = false;
    assert.equal(await cw.peer(invalid), true);
    const second = conditionsOf(w.patches[1]!.patch);
    assert.deepEqual([second[0]?.status, second[0]?.lastTransitionTime], ['False', '2026-01-01T00:00:05Z']);
  });

  it('conditions cleared by hand come back after the memo window', async () => {
    const w = new FakeWriter();
    let t = 0;
    const cw = new BgpConditionsWriter(w, log, () => new Date(t));
    const obj = peer({ conf: { neighborAddress: '10.0.0.2', peerAs: 65000 } });
    await cw.peer(obj);
    t += 2000;
    assert.equal(await cw.peer(obj), false);
    t += 20_000;
    assert.equal(await cw.peer(obj), true);
  });
});
