// The BGP pass loop: passes never overlap, kicks during a pass coalesce into one more, and a failing
// pass is retried after 0.4, 0.8, 1.6, 3.2, then 5 s (driven by a manual clock, no sleeping).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as tick } from 'node:timers/promises';
import { PassRunner } from '../../../src/bgp/pass-runner.ts';
import { ManualClock } from '../fixtures/manual-clock.ts';

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await tick();
}

test('kicks during a pass coalesce into exactly one more pass', async () => {
  let passes = 0;
  let release: () => void = () => undefined;
  const runner = new PassRunner({
    pass: () => {
      passes++;
      return new Promise<void>((r) => (release = r));
    },
    canRun: () => true,
    onFailure: () => assert.fail('no failure expected'),
    clock: new ManualClock(),
  });
  runner.kick();
  await settle();
  runner.kick();
  runner.kick();
  runner.kick();
  assert.equal(passes, 1, 'no overlap');
  release();
  await settle();
  assert.equal(passes, 2, 'one more pass for all three kicks');
  release();
  await settle();
  assert.equal(passes, 2);
  await runner.stop();
});

test('a failing pass is retried with growing delays, and the count resets after a success', async () => {
  const clock = new ManualClock();
  let fail = true;
  const at: number[] = [];
  const failures: number[] = [];
  const runner = new PassRunner({
    pass: async () => {
      at.push(clock.monotonic());
      if (fail) throw new Error('gobgpd away');
    },
    canRun: () => true,
    onFailure: (_err, n) => failures.push(n),
    clock,
  });
  const t0 = clock.monotonic();
  runner.kick();
  await settle();
  // 100 ms steps: a retry's pass runs (and reads the clock) at the end of the step it falls in
  for (let i = 0; i < 160; i++) {
    clock.advance(100);
    await settle();
  }
  const gaps = at.slice(1).map((t, i) => t - (at[i] ?? t0));
  assert.deepEqual(gaps.slice(0, 5), [400, 800, 1600, 3200, 5000]);
  assert.deepEqual(failures.slice(0, 3), [1, 2, 3]);
  fail = false;
  clock.advance(5000);
  await settle();
  fail = true;
  const before = at.length;
  runner.kick();
  await settle();
  clock.advance(400);
  await settle();
  assert.equal(at.length, before + 2, 'after a success the first retry is again 0.4 s away');
  await runner.stop();
});
