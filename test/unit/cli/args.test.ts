import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseArgs } from '../../../src/cli/args.ts';

const parsed = (...argv: string[]) => {
  const r = parseArgs(argv);
  assert.ok(r.ok, r.ok ? '' : r.error);
  return r.value;
};
const refused = (...argv: string[]): string => {
  const r = parseArgs(argv);
  assert.equal(r.ok, false);
  return r.ok ? '' : r.error;
};

describe('kubectl openelb command line', () => {
  it('reads kubectl flags in their usual spellings', () => {
    assert.deepEqual(parsed('status', 'web', '-n', 'shop', '-o', 'json', '--context', 'lab'), {
      command: 'status',
      service: 'web',
      namespace: 'shop',
      allNamespaces: false,
      output: 'json',
      context: 'lab',
    });
    assert.equal(parsed('status', '--namespace=shop').namespace, 'shop');
    assert.equal(parsed('status', '-nshop').namespace, 'shop');
    assert.equal(parsed('pools', '-owide').output, 'wide');
    assert.equal(parsed('pools', '--output', 'yaml').output, 'yaml');
    assert.equal(parsed('pools', '--kubeconfig', '/k').kubeconfig, '/k');
    assert.equal(parsed('status', '-A').allNamespaces, true);
    assert.equal(parsed().command, 'help');
    assert.equal(parsed('status', '--help').command, 'help');
    assert.equal(parsed('--version').command, 'version');
  });

  it('refuses with the reason', () => {
    assert.match(refused('pools', '-o', 'xml'), /must be json, yaml or wide/);
    assert.match(refused('pools', '-n'), /flag -n needs a value/);
    assert.match(refused('svc'), /unknown command "svc"/);
    assert.match(refused('pools', 'x'), /pools takes no arguments/);
    assert.match(refused('status', 'a', 'b'), /at most one Service name/);
    assert.match(refused('status', 'a', '-A'), /cannot be combined with -A/);
    assert.match(refused('status', '--watch'), /unknown flag --watch/);
  });
});
