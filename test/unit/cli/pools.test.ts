import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Condition } from '../../../src/api/meta.ts';
import type { Eip, EipSpec, EipStatus } from '../../../src/api/v1alpha2.ts';
import { poolRow, poolRows, poolsTable } from '../../../src/cli/pools.ts';
import { renderTable } from '../../../src/cli/table.ts';

const cond = (type: string, status: Condition['status'], reason: string, message = ''): Condition => ({
  type,
  status,
  reason,
  message,
  lastTransitionTime: '2026-12-01T00:00:00Z',
});
const READY = [cond('Valid', 'True', 'Valid'), cond('Ready', 'True', 'Ready')];
const eip = (name: string, spec: EipSpec, status: EipStatus = { conditions: READY }): Eip => ({
  apiVersion: 'network.kubesphere.io/v1alpha2',
  kind: 'Eip',
  metadata: { name },
  spec,
  status,
});

describe('pools: rows from Eips', () => {
  it('size, used, free and the lowest free address, as a restarted allocator hands it out', () => {
    const r = poolRow(
      eip(
        'p',
        { address: '10.0.0.1-10.0.0.5' },
        {
          conditions: READY,
          used: { '10.0.0.1': 'a/x', '10.0.0.2': 'a/y;b/z', '10.0.0.4': 'a/w' },
        },
      ),
    );
    assert.deepEqual(r, {
      name: 'p',
      protocol: 'bgp',
      address: '10.0.0.1-10.0.0.5',
      state: 'ready',
      size: '5',
      used: 3,
      free: '2',
      nextFree: '10.0.0.3',
    });
  });

  it('CIDR edges are skipped as the allocator skips them; a full pool has no next address', () => {
    assert.equal(poolRow(eip('c', { address: '10.0.0.0/30' })).nextFree, '10.0.0.1');
    const full = poolRow(
      eip('f', { address: '10.0.0.7' }, { conditions: READY, used: { '10.0.0.7': 'a/b' } }),
    );
    assert.equal(full.free, '0');
    assert.equal(full.nextFree, undefined);
  });

  it('huge IPv6 pools count exactly', () => {
    const r = poolRow(eip('v6', { address: '2001:db8::/64', protocol: 'layer2' }));
    assert.equal(r.size, String(2n ** 64n - 1n));
    assert.equal(r.nextFree, '2001:db8::1');
    assert.equal(r.protocol, 'layer2');
  });

  it('state: disabled, invalid (with the reason), no status yet; none of them offer an address', () => {
    const disabled = poolRow(
      eip(
        'd',
        { address: '10.0.0.0/29', disable: true },
        {
          conditions: [cond('Valid', 'True', 'Valid'), cond('Ready', 'False', 'Disabled', 'spec.disable')],
        },
      ),
    );
    assert.equal(disabled.state, 'disabled');
    assert.equal(disabled.nextFree, undefined);
    const overlap = poolRow(
      eip(
        'o',
        { address: '10.0.0.0/29' },
        {
          conditions: [
            cond('Valid', 'False', 'InvalidSpec', 'overlaps Eip a'),
            cond('Ready', 'False', 'Invalid'),
          ],
        },
      ),
    );
    assert.deepEqual(
      [overlap.state, overlap.reason, overlap.message],
      ['invalid', 'InvalidSpec', 'overlaps Eip a'],
    );
    const unparsable = poolRow(eip('u', { address: '10.0.0.300' }));
    assert.equal(unparsable.state, 'invalid');
    assert.match(unparsable.message ?? '', /10\.0\.0\.300/);
    assert.equal(poolRow(eip('n', { address: '10.0.0.1' }, {})).state, 'unknown');
  });

  it('the table: sorted by name, kubectl columns, reason beside a state that is not ready', () => {
    const rows = poolRows([
      eip('z', { address: '10.0.1.0/30' }, { conditions: [cond('Valid', 'False', 'InvalidSpec', 'bad')] }),
      eip('a', { address: '10.0.0.1-10.0.0.2' }),
    ]);
    assert.equal(
      renderTable(poolsTable(rows)),
      [
        'NAME   PROTOCOL   ADDRESS             SIZE   USED   FREE   NEXT FREE   STATE',
        'a      bgp        10.0.0.1-10.0.0.2   2      0      2      10.0.0.1    ready',
        'z      bgp        10.0.1.0/30         2      0      2      -           invalid (InvalidSpec)',
        '',
      ].join('\n'),
    );
    assert.deepEqual(poolsTable(rows, true).headers.at(-1), 'message');
  });
});
