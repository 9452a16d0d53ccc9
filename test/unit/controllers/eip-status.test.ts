// Eip reconciler core: the etcd size bound, effective range on bad edits, desired status, patches.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Eip, EipStatus } from '../../../src/api/v1alpha2.ts';
import {
  EIP_OBJECT_RESERVE_BYTES,
  ETCD_REQUEST_LIMIT_BYTES,
  MAX_ALLOCATIONS_PER_EIP,
  WORST_CASE_BYTES_PER_ALLOCATION,
} from '../../../src/controllers/eip/capacity.ts';
import { effectiveRange } from '../../../src/controllers/eip/range.ts';
import { desiredEipStatus, poolVerdict } from '../../../src/controllers/eip/status.ts';
import { eipFinalizers, eipStatusPatch } from '../../../src/controllers/eip/patch.ts';
import { validateAll } from '../../../src/controllers/eip/validity.ts';

function eip(
  name: string,
  address: string,
  status: Eip['status'] = {},
  extra: Partial<Eip['metadata']> = {},
): Eip {
  return {
    apiVersion: 'network.kubesphere.io/v1alpha2',
    kind: 'Eip',
    metadata: { name, generation: 1, ...extra },
    spec: { address },
    status,
  };
}
const FACTS = { usage: 0, claims: 0, full: false, used: {}, serviceUIDs: {} };

describe('Eip record limit', () => {
  /** The largest Eip object with `n` allocations: IPv6 addresses, longest names, managedFields per key. */
  function worstCaseEipBytes(n: number): number {
    const used: Record<string, string> = {};
    const uids: Record<string, string> = {};
    const mfUsed: Record<string, object> = {};
    const mfUids: Record<string, object> = {};
    const ns = 'n'.repeat(63);
    for (let i = 0; i < n; i++) {
      // '0'-padded: 'f'-padding made 0x4, 0xf4 and 0xff4 the same address (fewer entries than n)
      const ip = `ffff:ffff:ffff:ffff:ffff:ffff:ffff:${i.toString(16).padStart(4, '0')}`;
      const key = `${ns}/${String(i).padStart(63, 's')}`;
      used[ip] = key;
      uids[key] = '01234567-89ab-cdef-0123-456789abcdef';
      mfUsed[`f:${ip}`] = {};
      mfUids[`f:${key}`] = {};
    }
    const obj = {
      apiVersion: 'network.kubesphere.io/v1alpha2',
      kind: 'Eip',
      metadata: {
        name: 'e'.repeat(253),
        managedFields: [
          {
            manager: 'openelb-manager',
            operation: 'Update',
            subresource: 'status',
            fieldsType: 'FieldsV1',
            fieldsV1: { 'f:status': { 'f:used': mfUsed, 'f:serviceUIDs': mfUids } },
          },
        ],
      },
      spec: { address: 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:0/112' },
      status: { used, serviceUIDs: uids },
    };
    return Buffer.byteLength(JSON.stringify(obj));
  }

  test('the per-allocation estimate covers what one more worst-case allocation really costs', () => {
    const measured = worstCaseEipBytes(101) - worstCaseEipBytes(100);
    assert.ok(
      WORST_CASE_BYTES_PER_ALLOCATION >= measured,
      `estimate ${WORST_CASE_BYTES_PER_ALLOCATION} B < measured ${measured} B`,
    );
    assert.ok(worstCaseEipBytes(1) <= EIP_OBJECT_RESERVE_BYTES, 'the rest of the object fits the reserve');
  });

  test(`${MAX_ALLOCATIONS_PER_EIP} worst-case allocations fit in etcd's 1.5 MiB with managedFields, and one reserve more would not`, () => {
    const size = worstCaseEipBytes(MAX_ALLOCATIONS_PER_EIP);
    assert.ok(size < ETCD_REQUEST_LIMIT_BYTES - 64 * 1024, `object is ${size} bytes`);
    // Tight, not just safe: the bound leaves no more headroom than the reserve plus one allocation.
    const headroom = ETCD_REQUEST_LIMIT_BYTES - size;
    assert.ok(
      headroom <= EIP_OBJECT_RESERVE_BYTES + WORST_CASE_BYTES_PER_ALLOCATION,
      `${MAX_ALLOCATIONS_PER_EIP} allocations leave ${headroom} B unused: the bound is too low`,
    );
  });
});

describe('effective range', () => {
  test('an edit that would orphan allocations is not applied; the previous range stays', () => {
    const e = eip('p', '10.0.0.1-10.0.0.5', {
      firstIP: '10.0.0.1',
      lastIP: '10.0.0.9',
      used: { '10.0.0.8': 'a/b' },
    });
    const r = effectiveRange(e);
    assert.equal(r.source, 'status');
    assert.match(r.problem, /orphan allocated addresses 10\.0\.0\.8/);
    assert.equal(r.range?.size, 9n);
  });
  test('OpenELB records on CIDR edge addresses are inside', () => {
    assert.equal(effectiveRange(eip('p', '10.0.0.0/24', { used: { '10.0.0.0': 'a/b' } })).source, 'spec');
  });
});

describe('desired status', () => {
  test('fields and conditions for a fresh pool; lastTransitionTime kept when nothing changes', () => {
    const e = eip('p', '192.168.0.100-192.168.0.108');
    const eff = effectiveRange(e);
    const v = poolVerdict(e, eff, { errors: [], warnings: [] }, FACTS, 10);
    const s = desiredEipStatus(e, eff, { errors: [], warnings: [] }, FACTS, v, '2026-01-01T00:00:00Z');
    assert.equal(s.firstIP, '192.168.0.100');
    assert.equal(s.poolSize, 9);
    assert.equal(s.ready, true);
    const again = desiredEipStatus(
      { ...e, status: s },
      eff,
      { errors: [], warnings: [] },
      FACTS,
      v,
      '2027-01-01T00:00:00Z',
    );
    assert.deepEqual(again.conditions, s.conditions);
  });
  test("a condition another writer owns (the Layer 2 speakers' Layer2Conflict) is carried over untouched", () => {
    const l2 = {
      type: 'Layer2Conflict',
      status: 'True' as const,
      reason: 'AddressRefused',
      message: '10.0.0.1 refused by node n1: MAC 02:00:00:00:00:01 answers for it (arp-reply)',
      lastTransitionTime: '2026-01-01T00:00:00Z',
    };
    const e = eip('p', '10.0.0.0/24', { conditions: [l2] });
    const eff = effectiveRange(e);
    const v = poolVerdict(e, eff, { errors: [], warnings: [] }, FACTS, 10);
    const s = desiredEipStatus(e, eff, { errors: [], warnings: [] }, FACTS, v, '2027-01-01T00:00:00Z');
    assert.deepEqual(
      s.conditions?.map((c) => c.type),
      ['Valid', 'Ready', 'Exhausted', 'Layer2Conflict'],
    );
    assert.deepEqual(
      s.conditions?.find((c) => c.type === 'Layer2Conflict'),
      l2,
    );
    // nothing else changed: the allocator has nothing to write, so it never drops the speakers' condition
    const again = desiredEipStatus(
      { ...e, status: s },
      eff,
      { errors: [], warnings: [] },
      FACTS,
      v,
      '2028-01-01T00:00:00Z',
    );
    assert.equal(eipStatusPatch(s, again).conditions, undefined);
  });
  test("without the webhook, an overlap is reported on the later pool with the webhook's message", () => {
    const a = eip('a', '10.0.0.0/24', {}, { creationTimestamp: '2026-01-01T00:00:00Z' });
    const b = eip('b', '10.0.0.128/25', {}, { creationTimestamp: '2026-01-02T00:00:00Z' });
    const v = validateAll([a, b]);
    assert.deepEqual(v.get('a')?.errors, []);
    assert.match(v.get('b')?.errors.join() ?? '', /overlaps Eip "a"/);
    const verdict = poolVerdict(b, effectiveRange(b), v.get('b'), FACTS, 10);
    assert.equal(verdict.acceptsNew, false);
    assert.equal(verdict.reason, 'Invalid');
  });
  test('disabled, deleting and full', () => {
    const d = { ...eip('p', '10.0.0.1'), spec: { address: '10.0.0.1', disable: true } };
    assert.equal(poolVerdict(d, effectiveRange(d), undefined, FACTS, 10).reason, 'Disabled');
    const del = eip('p', '10.0.0.1', {}, { deletionTimestamp: '2026-01-01T00:00:00Z' });
    assert.match(
      poolVerdict(del, effectiveRange(del), undefined, { ...FACTS, claims: 2 }, 10).message,
      /waiting for 2/,
    );
    const full = eip('p', '10.0.0.1');
    const v = poolVerdict(
      full,
      effectiveRange(full),
      undefined,
      { ...FACTS, usage: 1, claims: 1, full: true },
      10,
    );
    assert.equal(v.exhausted, true);
    assert.equal(v.exhaustedReason, 'PoolFull');
  });
});

describe('patches', () => {
  test('status patch names only changes; removed records are null', () => {
    const p = eipStatusPatch(
      { used: { '10.0.0.1': 'a/b', '10.0.0.2': 'a/c' }, usage: 2 },
      { used: { '10.0.0.1': 'a/b', '10.0.0.3': 'a/d' }, usage: 2 },
    );
    assert.deepEqual(p, { used: { '10.0.0.2': null, '10.0.0.3': 'a/d' } });
  });
  test('conditions that differ only in key order or in keys set to undefined are no change', () => {
    const stored: EipStatus = {
      used: {},
      conditions: [
        { type: 'Ready', status: 'True', reason: 'Ready', message: 'ok', lastTransitionTime: 't' },
      ],
    };
    const built: EipStatus = {
      used: {},
      conditions: [
        {
          lastTransitionTime: 't',
          message: 'ok',
          reason: 'Ready',
          status: 'True',
          type: 'Ready',
          observedGeneration: undefined,
        },
      ],
    };
    assert.deepEqual(eipStatusPatch(stored, built), {});
    const changed: EipStatus = {
      used: {},
      conditions: (built.conditions ?? []).map((c) => ({ ...c, message: 'changed' })),
    };
    assert.deepEqual(eipStatusPatch(stored, changed), { conditions: changed.conditions });
  });
  test('finalizer added while alive, removed once deleting and empty', () => {
    assert.deepEqual(eipFinalizers(eip('p', '10.0.0.1'), 0), ['finalizer.ipam.kubesphere.io/v1alpha1']);
    const del = eip(
      'p',
      '10.0.0.1',
      {},
      { deletionTimestamp: 'x', finalizers: ['finalizer.ipam.kubesphere.io/v1alpha1', 'other'] },
    );
    assert.equal(eipFinalizers(del, 1), undefined);
    assert.deepEqual(eipFinalizers(del, 0), ['other']);
  });
});
