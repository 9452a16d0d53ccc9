import { test } from 'node:test';
import assert from 'node:assert/strict';

test('tests run on the pinned Node.js 24', () => {
  const major = Number(process.versions.node.split('.')[0]);
  assert.ok(major >= 24, `expected Node 24+, got ${process.version}`);
});
