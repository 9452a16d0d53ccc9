// One Node.js version everywhere: package.json `engines`, the pinned `node` devDependency that npm
// scripts run on, scripts/check-node.mjs, and the Node running these tests.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const ROOT = new URL('../../', import.meta.url);
const pkg = JSON.parse(readFileSync(new URL('package.json', ROOT), 'utf8')) as {
  engines: { node: string };
  devDependencies: Record<string, string>;
};
const major = (version: string): number => Number(/^v?(\d+)\./.exec(version)?.[1]);
const engineMajor = Number(/^>=(\d+)$/.exec(pkg.engines.node)?.[1]);

test('engines.node names the major of the pinned node devDependency (24 LTS)', () => {
  assert.ok(engineMajor > 0, `engines.node ${pkg.engines.node} is not ">=MAJOR"`);
  assert.equal(engineMajor, 24);
  assert.equal(major(pkg.devDependencies.node ?? ''), engineMajor, 'pinned node devDependency');
});

test('the tests run on a Node that engines.node accepts', () => {
  assert.ok(
    major(process.version) >= engineMajor,
    `engines says ${pkg.engines.node}, got ${process.version}`,
  );
});

test('scripts/check-node.mjs refuses a Node below engines.node and accepts this one', () => {
  const script = new URL('scripts/check-node.mjs', ROOT).pathname;
  const here = spawnSync(process.execPath, [script], { encoding: 'utf8' });
  assert.equal(here.status, 0, here.stderr);
  // The script reads the running version from process.versions: pretend to be one major too old.
  const old = `${engineMajor - 1}.0.0`;
  const tooOld = spawnSync(
    process.execPath,
    [
      '--import',
      `data:text/javascript,Object.defineProperty(process.versions,'node',{value:'${old}'})`,
      script,
    ],
    { encoding: 'utf8' },
  );
  assert.equal(tooOld.status, 1, tooOld.stderr);
  assert.match(tooOld.stderr, new RegExp(`needs Node\\.js ${engineMajor} \\(found`));
});
