import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { autoSelectPools, type PoolCandidate } from '../../../src/ipam/index.ts';

const p = (name: string, extra: Partial<PoolCandidate> = {}): PoolCandidate => ({ name, family: 4, ...extra });
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
  assert.deepEqual(names(autoSelectPools(rest, { namespace: 'web', families: [4], protocol: 'layer2' })), ['l2']);
  assert.deepEqual(names(autoSelectPools(rest, { namespace: 'web', families: [4], protocol: '' })), ['a2', 'b2']);
  assert.deepEqual(autoSelectPools([p('off', { disabled: true })], { namespace: 'web' }), { tier: 'none', pools: [] });
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
  });
  fc.assert(
    fc.property(fc.uniqueArray(pool, { selector: (x) => x.name, maxLength: 8 }), fc.constantFrom('a', 'b', 'c'), (pools, ns) => {
      const r1 = autoSelectPools(pools, { namespace: ns });
      const r2 = autoSelectPools([...pools].reverse(), { namespace: ns });
      assert.equal(r1.tier, r2.tier);
      assert.deepEqual(names(r1), names(r2));
      for (const x of r1.pools) assert.ok(!x.disabled);
    }),
  );
});
