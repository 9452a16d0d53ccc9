import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeHolderRefs, decodeHolders, encodeHolders, splitHolder } from '../../../src/api/used.ts';

test('status.used: holders decode, malformed parts are skipped', () => {
  assert.deepEqual(decodeHolderRefs('a/b;c/d'), [
    ['a', 'b'],
    ['c', 'd'],
  ]);
  assert.deepEqual(decodeHolderRefs('bad;/x;y/;ns/ok'), [['ns', 'ok']]);
});

test('status.used: keys are trimmed, entries without "/" dropped, and encoding round-trips', () => {
  assert.deepEqual(decodeHolders(' ns/a ; ns/b;;junk'), ['ns/a', 'ns/b']);
  assert.deepEqual(decodeHolders(''), []);
  assert.equal(encodeHolders(['ns/a', 'ns/b']), 'ns/a;ns/b');
  assert.deepEqual(decodeHolders(encodeHolders(['ns/a', 'other/b'])), ['ns/a', 'other/b']);
});

test('status.used: a key splits at its first "/"', () => {
  assert.deepEqual(splitHolder('ns/name'), ['ns', 'name']);
  assert.deepEqual(splitHolder('ns/a/b'), ['ns', 'a/b']);
  assert.equal(splitHolder('/x'), undefined);
  assert.equal(splitHolder('y/'), undefined);
});
