import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  admitsNamespace,
  autoSelectPools,
  describeNamespaceScope,
  namespaceRestricted,
  type PoolCandidate,
} from '../../../src/ipam/index.ts';

const p = (name: string, extra: Partial<PoolCandidate> = {}): PoolCandidate => ({
  name,
  family: 4,
  ...extra,
});
const names = (r: { pools: PoolCandidate[] }): string[] => r.pools.map((x) => x.name);

test('namespace-bound pools first: not full, then priority, then name', () => {
  const pools = [
    p('z', { namespaces: ['web'], priority: 1 }),
    p('a', { namespaces: ['web'], priority: 1, full: true }),
    p('b', { namespaceSelector: { team: 'x' }, priority: 5 }),
    p('c', { namespaces: ['web'], priority: 0 }),
    p('d', { isDefault: true }),
  ];
  const r = autoSelectPools(pools, { namespace: 'web', namespaceLabels: { team: 'x' } });
  assert.equal(r.tier, 'namespace');
  assert.deepEqual(names(r), ['c', 'z', 'b', 'a']);
});

test('then the default pool, then every other pool by priority and name (protocol, family, autoAssign, disable)', () => {
  const pools = [p('n', { namespaces: ['other'] }), p('def', { isDefault: true, autoAssign: false })];
  assert.deepEqual(autoSelectPools(pools, { namespace: 'web' }), { tier: 'default', pools: [pools[1]] });
  const rest = [
    p('b2', { priority: 2 }),
    p('a2', { priority: 2 }),
    p('l2', { protocol: 'layer2' }),
    p('off', { disabled: true }),
    p('manual', { autoAssign: false }),
    p('six', { family: 6 }),
  ];
  assert.deepEqual(names(autoSelectPools(rest, { namespace: 'web', families: [4] })), ['l2', 'a2', 'b2']);
  assert.deepEqual(names(autoSelectPools(rest, { namespace: 'web', families: [4], protocol: 'layer2' })), [
    'l2',
  ]);
  assert.deepEqual(names(autoSelectPools(rest, { namespace: 'web', families: [4], protocol: '' })), [
    'a2',
    'b2',
  ]);
  assert.deepEqual(autoSelectPools([p('off', { disabled: true })], { namespace: 'web' }), {
    tier: 'none',
    pools: [],
  });
});

test('a namespace-restricted pool is never chosen for a namespace it does not select, in any tier', () => {
  // The issue-12 leak: team-a's pool was the only auto-assign pool left, so tier 3 handed it to team-b.
  const teamA = p('team-a-only', { namespaces: ['team-a'] });
  assert.deepEqual(autoSelectPools([teamA], { namespace: 'team-b' }), { tier: 'none', pools: [] });
  assert.deepEqual(names(autoSelectPools([teamA], { namespace: 'team-a' })), ['team-a-only']);

  const bySelector = p('labelled', { namespaceSelector: { team: 'a' } });
  assert.deepEqual(
    autoSelectPools([bySelector], { namespace: 'x', namespaceLabels: { team: 'b' } }).tier,
    'none',
  );
  assert.deepEqual(
    autoSelectPools([bySelector], { namespace: 'x' }).tier,
    'none',
    'labels unknown: the selector selects nothing',
  );

  // A restricted default pool is the default only for the namespaces it selects.
  const restrictedDefault = p('def-a', { isDefault: true, namespaces: ['team-a'], autoAssign: false });
  const open = p('open', { priority: 9 });
  assert.deepEqual(autoSelectPools([restrictedDefault, open], { namespace: 'team-b' }), {
    tier: 'protocol',
    pools: [open],
  });
  assert.deepEqual(autoSelectPools([restrictedDefault, open], { namespace: 'team-a' }), {
    tier: 'default',
    pools: [restrictedDefault],
  });

  // Tier 3 keeps only unrestricted pools; an empty list or selector restricts nothing.
  const pools = [teamA, bySelector, open, p('empty', { namespaces: [], namespaceSelector: {} })];
  assert.deepEqual(names(autoSelectPools(pools, { namespace: 'team-b', namespaceLabels: { team: 'b' } })), [
    'empty',
    'open',
  ]);
});

test('namespace scope: restriction, admission (namespaces OR selector) and the words for Events', () => {
  assert.equal(namespaceRestricted({}), false);
  assert.equal(namespaceRestricted({ namespaces: [], namespaceSelector: {} }), false);
  assert.equal(namespaceRestricted({ namespaces: ['a'] }), true);
  assert.equal(namespaceRestricted({ namespaceSelector: { team: 'a' } }), true);
  const both = { namespaces: ['a'], namespaceSelector: { team: 'x', tier: 'gold' } };
  assert.equal(admitsNamespace(both, 'a'), true);
  assert.equal(admitsNamespace(both, 'b', { team: 'x', tier: 'gold' }), true);
  assert.equal(admitsNamespace(both, 'b', { team: 'x' }), false, 'every selector label must match');
  assert.equal(admitsNamespace({}, 'anything'), true);
  assert.equal(
    describeNamespaceScope(both),
    'spec.namespaces [a] or spec.namespaceSelector {team=x, tier=gold}',
  );
});

test('selection does not depend on input order (property)', () => {
  const pool = fc.record({
    name: fc.string({ minLength: 1, maxLength: 3 }),
    family: fc.constantFrom<4 | 6>(4, 6),
    priority: fc.integer({ min: -2, max: 2 }),
    disabled: fc.boolean(),
    autoAssign: fc.boolean(),
    isDefault: fc.boolean(),
    full: fc.boolean(),
    namespaces: fc.subarray(['a', 'b']),
    namespaceSelector: fc.constantFrom<Record<string, string> | undefined>(undefined, {}, { team: 'x' }),
  });
  fc.assert(
    fc.property(
      fc.uniqueArray(pool, { selector: (x) => x.name, maxLength: 8 }),
      fc.constantFrom('a', 'b', 'c'),
      (pools, ns) => {
        const r1 = autoSelectPools(pools, { namespace: ns });
        const r2 = autoSelectPools([...pools].reverse(), { namespace: ns });
        assert.equal(r1.tier, r2.tier);
        assert.deepEqual(names(r1), names(r2));
        for (const x of r1.pools) assert.ok(!x.disabled);
        for (const x of r1.pools)
          assert.ok(admitsNamespace(x, ns), `${x.name} does not serve namespace ${ns}`);
      },
    ),
  );
});
