// The Eip condition Layer2Conflict as several replicas edit it: each sets or clears only the entries of
// the addresses it holds; entries of addresses the pool no longer allocates go.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Refusal } from '../../../src/layer2/guard/types.ts';
import {
  nextConflictCondition,
  parseEntries,
  refusalEntry,
} from '../../../src/layer2/speaker/refusal-condition.ts';
import type { Condition } from '../../../src/kube/types.ts';

const r1: Refusal = {
  ip: '10.99.0.1',
  cause: 'conflict',
  mac: '52:54:00:00:00:01',
  kind: 'arp-reply',
  detail: 'MAC 52:54:00:00:00:01 answers for it (arp-reply)',
  since: 0,
  attempts: 1,
};
const r6: Refusal = {
  ip: 'fd99::1',
  cause: 'reserved',
  detail: 'it is the default gateway of node node2 (via eth0)',
  since: 0,
  attempts: 0,
};
const allocated =
  (ips: string[]) =>
  (ip: string): boolean =>
    ips.includes(ip);
const cond = (c: Omit<Condition, 'lastTransitionTime'> | undefined): Condition | undefined =>
  c === undefined ? undefined : { ...c, lastTransitionTime: '2026-01-01T00:00:00Z' };

describe('Layer2Conflict condition', () => {
  it('one entry per refused address, naming the node and the MAC; parsed back (IPv6 too)', () => {
    const c = nextConflictCondition(
      undefined,
      new Map([
        [r1.ip, refusalEntry(r1, 'node1')],
        [r6.ip, refusalEntry(r6, 'node2')],
      ]),
      allocated(['10.99.0.1', 'fd99::1']),
    );
    assert.equal(c?.status, 'True');
    assert.equal(c?.reason, 'AddressRefused');
    assert.equal(
      c?.message,
      '10.99.0.1 refused by node node1: MAC 52:54:00:00:00:01 answers for it (arp-reply); fd99::1 refused by node node2: it is the default gateway of node node2 (via eth0)',
    );
    assert.deepEqual([...parseEntries(c?.message).keys()], ['10.99.0.1', 'fd99::1']);
  });

  it("another replica's entries are kept; an answered address clears its entry; False once none is left", () => {
    const both = cond(
      nextConflictCondition(
        undefined,
        new Map([
          [r1.ip, refusalEntry(r1, 'node1')],
          [r6.ip, refusalEntry(r6, 'node2')],
        ]),
        allocated(['10.99.0.1', 'fd99::1']),
      ),
    );
    // node2 answers nothing of node1's; it now answers fd99::1
    const next = cond(
      nextConflictCondition(both, new Map([['fd99::1', null]]), allocated(['10.99.0.1', 'fd99::1'])),
    );
    assert.equal(
      next?.message,
      '10.99.0.1 refused by node node1: MAC 52:54:00:00:00:01 answers for it (arp-reply)',
    );
    // no change from a replica that holds nothing: nothing to write
    assert.equal(nextConflictCondition(next, new Map(), allocated(['10.99.0.1'])), undefined);
    const none = nextConflictCondition(next, new Map([['10.99.0.1', null]]), allocated(['10.99.0.1']));
    assert.deepEqual([none?.status, none?.reason], ['False', 'NoConflict']);
    assert.equal(nextConflictCondition(cond(none), new Map(), allocated([])), undefined);
  });

  it('entries of addresses the pool no longer allocates are removed by anyone; no condition is created from nothing', () => {
    const c = cond(
      nextConflictCondition(
        undefined,
        new Map([[r1.ip, refusalEntry(r1, 'node1')]]),
        allocated(['10.99.0.1']),
      ),
    );
    assert.equal(nextConflictCondition(c, new Map(), allocated([]))?.status, 'False');
    assert.equal(
      nextConflictCondition(undefined, new Map([['10.99.0.1', null]]), allocated(['10.99.0.1'])),
      undefined,
    );
  });
});
