import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildPath, readWirePath } from '../../../src/bgp/path-build.ts';

test('paths with the same attributes share one frozen attribute object and fingerprint', () => {
  const a = buildPath({ prefix: '192.0.2.10/32', family: 4, communities: ['65000:1'], localPref: 200 });
  const b = buildPath({ prefix: '192.0.2.11/32', family: 4, communities: ['65000:1'], localPref: 200 });
  const c = buildPath({ prefix: '192.0.2.12/32', family: 4, communities: ['65000:2'], localPref: 200 });
  assert.equal(a.attrs, b.attrs);
  assert.equal(a.fingerprint, b.fingerprint);
  assert.notEqual(a.attrs, c.attrs);
  assert.ok(Object.isFrozen(a.attrs) && Object.isFrozen(a.attrs.communities));
  // a listed path reads back to the same shared attributes
  assert.equal(readWirePath(a.wire)?.attrs, a.attrs);
});

test('the gobgp message is built on each read, not kept with the path', () => {
  const a = buildPath({ prefix: '192.0.2.10/32', family: 4 });
  assert.equal(Object.keys(a).includes('wire'), false);
  assert.notEqual(a.wire, a.wire);
  assert.deepEqual(a.wire, a.wire);
  // sending code may modify what it got (e.g. mark a withdrawal) without touching the next read
  const w = a.wire;
  (w.pattrs[1] as { next_hop: string }).next_hop = '192.0.2.99';
  assert.equal((a.wire.pattrs[1] as { next_hop: string }).next_hop, '0.0.0.0');
});
