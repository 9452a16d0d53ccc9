// One BgpPeer per neighbour and node (issue 12): canonical neighbour addresses, whether two
// nodeSelectors can select a common node, which of two clashing peers is the later one, and the
// webhook's denial (create, an edit into a clash) and warning (a stored clash left as it is).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { labelsMatch } from '../../../../src/controllers/bgp/selector.ts';
import {
  conflictOf,
  neighborClashes,
  neighborConflicts,
  neighborKey,
  selectorsOverlap,
  validateBgpPeer,
  type NeighborPeer,
} from '../../../../src/api/rules/index.ts';

type Sel = Record<string, unknown> | undefined;
const peer = (
  name: string,
  neighborAddress: string,
  nodeSelector?: Sel,
  creationTimestamp?: string,
  extra: Record<string, unknown> = {},
): NeighborPeer => ({
  metadata: { name, ...(creationTimestamp ? { creationTimestamp } : {}) },
  spec: { conf: { neighborAddress, peerAs: 65001, ...extra }, ...(nodeSelector ? { nodeSelector } : {}) },
});
const rack = (r: string): Sel => ({ matchLabels: { rack: r } });

describe('neighbour addresses', () => {
  it('compare parsed: IPv6 spellings of one address are one neighbour; garbage is none', () => {
    assert.equal(neighborKey({ conf: { neighborAddress: '2001:DB8:0::1' } }), '2001:db8::1');
    assert.equal(neighborKey({ conf: { neighborAddress: '2001:db8::1' } }), '2001:db8::1');
    assert.equal(neighborKey({ conf: { neighborAddress: '10.0.0.1' } }), '10.0.0.1');
    assert.equal(neighborKey({ conf: { neighborAddress: 'ten' } }), undefined);
    assert.equal(neighborKey({}), undefined);
  });
});

describe('nodeSelector overlap', () => {
  const cases: ReadonlyArray<[string, Sel, Sel, boolean]> = [
    ['both absent (every node)', undefined, undefined, true],
    ['absent and a rack', undefined, rack('a'), true],
    ['empty selector selects every node', {}, rack('a'), true],
    ['two racks', rack('a'), rack('b'), false],
    ['same rack', rack('a'), rack('a'), true],
    ['different keys can meet on one node', rack('a'), { matchLabels: { zone: 'z1' } }, true],
    [
      'In sets disjoint',
      { matchExpressions: [{ key: 'rack', operator: 'In', values: ['a', 'b'] }] },
      { matchExpressions: [{ key: 'rack', operator: 'In', values: ['c'] }] },
      false,
    ],
    [
      'In sets meet',
      { matchExpressions: [{ key: 'rack', operator: 'In', values: ['a', 'b'] }] },
      { matchExpressions: [{ key: 'rack', operator: 'In', values: ['b', 'c'] }] },
      true,
    ],
    [
      'In vs NotIn of all its values',
      { matchExpressions: [{ key: 'rack', operator: 'In', values: ['a'] }] },
      { matchExpressions: [{ key: 'rack', operator: 'NotIn', values: ['a'] }] },
      false,
    ],
    [
      'Exists vs NotIn: another value',
      { matchExpressions: [{ key: 'rack', operator: 'Exists' }] },
      { matchExpressions: [{ key: 'rack', operator: 'NotIn', values: ['a'] }] },
      true,
    ],
    [
      'Exists vs DoesNotExist',
      { matchExpressions: [{ key: 'bgp', operator: 'Exists' }] },
      { matchExpressions: [{ key: 'bgp', operator: 'DoesNotExist' }] },
      false,
    ],
    [
      'label vs DoesNotExist',
      rack('a'),
      { matchExpressions: [{ key: 'rack', operator: 'DoesNotExist' }] },
      false,
    ],
    [
      'NotIn vs DoesNotExist: a node without the label',
      { matchExpressions: [{ key: 'rack', operator: 'NotIn', values: ['a'] }] },
      { matchExpressions: [{ key: 'rack', operator: 'DoesNotExist' }] },
      true,
    ],
    [
      'malformed: taken to overlap',
      { matchExpressions: [{ key: 'rack', operator: 'Near', values: ['a'] }] },
      rack('b'),
      true,
    ],
  ];
  for (const [what, a, b, want] of cases) {
    it(`${what}: ${want ? 'overlap' : 'disjoint'}`, () => {
      assert.equal(selectorsOverlap(a, b), want);
      assert.equal(selectorsOverlap(b, a), want, 'symmetric');
    });
  }

  it('agrees with label matching: a node both selectors select means overlap (property)', () => {
    const keys = ['rack', 'zone'];
    const values = ['a', 'b', 'c'];
    const req = fc.oneof(
      fc.record({
        key: fc.constantFrom(...keys),
        operator: fc.constantFrom('In' as const, 'NotIn' as const),
        values: fc.uniqueArray(fc.constantFrom(...values), { minLength: 1 }),
      }),
      fc.record({
        key: fc.constantFrom(...keys),
        operator: fc.constantFrom('Exists' as const, 'DoesNotExist' as const),
      }),
    );
    const sel = fc.record({
      matchLabels: fc.dictionary(fc.constantFrom(...keys), fc.constantFrom(...values)),
      matchExpressions: fc.array(req, { maxLength: 3 }),
    });
    // Every node over these keys, with a value outside `values` ('z') standing in for "any other value".
    const options = [undefined, ...values, 'z'];
    const nodes: Record<string, string>[] = [];
    for (const r of options)
      for (const z of options) nodes.push({ ...(r ? { rack: r } : {}), ...(z ? { zone: z } : {}) });
    fc.assert(
      fc.property(sel, sel, (a, b) => {
        const witness = nodes.some((n) => labelsMatch(a, n) && labelsMatch(b, n));
        assert.equal(selectorsOverlap(a, b), witness, JSON.stringify({ a, b }));
      }),
    );
  });
});

describe('clashes and the later peer', () => {
  it('same neighbour on overlapping selectors clash; disjoint racks and deleting peers do not', () => {
    const first = peer('first', '2001:db8::1', undefined, '2026-01-01T00:00:00Z');
    const copy = peer('copy', '2001:DB8:0::1', undefined, '2026-01-01T00:00:05Z');
    assert.deepEqual(neighborClashes(copy, [first, copy]), [{ other: 'first', address: '2001:db8::1' }]);
    assert.deepEqual(
      neighborClashes(peer('r-a', '10.0.0.1', rack('a')), [peer('r-b', '10.0.0.1', rack('b'))]),
      [],
    );
    const gone = { ...first, metadata: { ...first.metadata, deletionTimestamp: '2026-01-02T00:00:00Z' } };
    assert.deepEqual(neighborClashes(copy, [gone]), []);
  });

  it('the later-created one is in conflict (creationTimestamp, then name); the first is not', () => {
    const older = peer('zz-older', '10.0.0.1', undefined, '2026-01-01T00:00:00Z');
    const newer = peer('aa-newer', '10.0.0.1', undefined, '2026-01-01T00:01:00Z');
    const tie = peer('zz-tie', '10.0.0.1', undefined, '2026-01-01T00:01:00Z');
    const all = [newer, tie, older];
    assert.equal(conflictOf(older, all), undefined);
    assert.deepEqual(conflictOf(newer, all), { other: 'zz-older', address: '10.0.0.1' });
    assert.deepEqual(
      conflictOf(tie, all),
      { other: 'zz-older', address: '10.0.0.1' },
      'the earliest peer it clashes with',
    );
    assert.deepEqual([...neighborConflicts(all).keys()].sort(), ['aa-newer', 'zz-tie']);
  });
});

describe('webhook: one BgpPeer per neighbour and node', () => {
  const stored = [
    peer('tor-1', '2001:db8::1', undefined, '2026-01-01T00:00:00Z'),
    peer('rack-a', '10.0.0.1', rack('a'), '2026-01-01T00:00:00Z'),
  ];

  it('create: denied on spec.conf.neighborAddress, naming the other BgpPeer', () => {
    const r = validateBgpPeer(
      peer('tor-1-copy', '2001:DB8:0::1', undefined, undefined, { adminDown: true, peerAs: 65099 }),
      undefined,
      { peers: stored },
    );
    assert.equal(r.errors.length, 1, JSON.stringify(r.errors));
    assert.equal(r.errors[0]?.field, 'spec.conf.neighborAddress');
    assert.match(
      r.errors[0]?.message ?? '',
      /^Duplicate value: "2001:DB8:0::1": BgpPeer "tor-1" already has neighbour 2001:db8::1, and both nodeSelectors can select the same node/,
    );
  });

  it('create: the same neighbour for a disjoint set of nodes is allowed', () => {
    assert.deepEqual(
      validateBgpPeer(peer('rack-b', '10.0.0.1', rack('b')), undefined, { peers: stored }).errors,
      [],
    );
    const overlapping = validateBgpPeer(
      peer('zone-1', '10.0.0.1', { matchLabels: { zone: 'z1' } }),
      undefined,
      { peers: stored },
    );
    assert.match(overlapping.errors[0]?.message ?? '', /BgpPeer "rack-a"/);
  });

  it('update: the object itself is not a clash; a selector edit into a clash is denied; a stored clash left alone only warns', () => {
    const self = stored[1] as NeighborPeer;
    assert.deepEqual(validateBgpPeer(self, self, { peers: stored }).errors, []);
    const others = [...stored, peer('rack-b', '10.0.0.1', rack('b'), '2026-01-01T00:02:00Z')];
    const widened = peer('rack-a', '10.0.0.1', undefined, '2026-01-01T00:00:00Z');
    const denied = validateBgpPeer(widened, self, { peers: others });
    assert.match(
      denied.errors[0]?.message ?? '',
      /BgpPeer "rack-b"/,
      "the earlier peer cannot take the later one's nodes",
    );
    const storedClash = peer('tor-1-copy', '2001:db8::1', undefined, '2026-01-01T00:03:00Z');
    const edit = peer('tor-1-copy', '2001:db8::1', undefined, '2026-01-01T00:03:00Z', { description: 'x' });
    const r = validateBgpPeer(edit, storedClash, { peers: [...stored, storedClash] });
    assert.deepEqual(r.errors, []);
    assert.match(
      r.warnings.map((w) => `${w.field}: ${w.message}`).join('\n'),
      /spec\.conf\.neighborAddress: Duplicate value.*already stored/,
    );
  });

  it('update: a stored clash whose nodeSelector comes back with its keys in another order still only warns', () => {
    const sel = { matchLabels: { rack: 'c' }, matchExpressions: [] };
    const reordered = { matchExpressions: [], matchLabels: { rack: 'c' } };
    const clashA = peer('clash-a', '10.9.0.1', sel, '2026-01-01T00:00:00Z');
    const clashB = peer('clash-b', '10.9.0.1', sel, '2026-01-01T00:01:00Z');
    const edit = peer('clash-b', '10.9.0.1', reordered, '2026-01-01T00:01:00Z', { description: 'x' });
    const r = validateBgpPeer(edit, clashB, { peers: [clashA, clashB] });
    assert.deepEqual(r.errors, []);
    assert.match(r.warnings.map((w) => w.message).join('\n'), /Duplicate value.*already stored/);
  });

  it('the other BgpPeers could not be read: allowed with a warning; no context: not checked', () => {
    const r = validateBgpPeer(peer('x', '2001:db8::1'), undefined, { peersError: 'timeout' });
    assert.deepEqual(r.errors, []);
    assert.match(r.warnings[0]?.message ?? '', /not checked against the other BgpPeers.*timeout/);
    assert.deepEqual(validateBgpPeer(peer('x', '2001:db8::1')).errors, []);
  });
});
