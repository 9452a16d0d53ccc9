import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Timer } from '../../../src/core/timer.ts';
import { kubeMicroTime, kubeTime } from '../../../src/core/time.ts';
import { OpenelbError, isOpenelbError, errorMessage } from '../../../src/core/errors.ts';
import { ManualClock } from '../fixtures/manual-clock.ts';

test('Timer.restart postpones; atMost never does', () => {
  const clock = new ManualClock();
  let fired = 0;
  const t = new Timer(() => fired++, { clock });
  t.restart(100);
  clock.advance(60);
  t.restart(100);
  clock.advance(60);
  assert.equal(fired, 0, 'restart moved the deadline');
  clock.advance(40);
  assert.equal(fired, 1);
  t.atMost(100);
  clock.advance(50);
  t.atMost(100);
  clock.advance(50);
  assert.equal(fired, 2, 'atMost kept the earlier deadline');
  t.atMost(100);
  t.atMost(10);
  clock.advance(10);
  assert.equal(fired, 3, 'atMost pulled the deadline in');
  assert.equal(t.pending, false);
});

test('Timer.cancel drops the pending fire', () => {
  const clock = new ManualClock();
  let fired = 0;
  const t = new Timer(() => fired++, { clock });
  t.restart(10);
  t.cancel();
  clock.advance(100);
  assert.equal(fired, 0);
  assert.equal(clock.pendingCount, 0);
});

test('kube timestamps: seconds for metav1.Time, six digits for MicroTime', () => {
  const at = Date.UTC(2026, 11, 7, 22, 41, 15, 123);
  assert.equal(kubeTime(at), '2026-12-07T22:41:15Z');
  assert.equal(kubeMicroTime(at), '2026-12-07T22:41:15.123000Z');
});

test('OpenelbError carries a stable code and context; errorMessage includes the cause', () => {
  const e = new OpenelbError('OE_EIP_ADDRESS', 'spec.address: bad', {
    context: { eip: 'eip-a' },
    cause: new Error('parse'),
  });
  assert.ok(isOpenelbError(e, 'OE_EIP_ADDRESS'));
  assert.equal(isOpenelbError(new Error('x'), 'OE_OTHER'), false);
  assert.deepEqual(e.context, { eip: 'eip-a' });
  assert.equal(errorMessage(e), 'spec.address: bad (parse)');
});
