import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryTrimmer } from '../../../src/obs/memory-trim.ts';

const MiB = 2 ** 20;

/**
 * The trimmer's after-GC hook as an event: `next()` resolves once the asynchronous memory-reducing GC
 * has returned and the trimmer has taken its new baseline (the hook runs inside that step; an awaiting
 * test resumes after it). Fails after 10 s so a GC that never returns cannot hang the test.
 */
class GcDone {
  count = 0;
  #waiters: (() => void)[] = [];
  readonly hook = (): void => {
    this.count++;
    for (const w of this.#waiters.splice(0)) w();
  };
  async next(): Promise<void> {
    const target = this.count + 1;
    const deadline = AbortSignal.timeout(10_000);
    while (this.count < target) {
      if (deadline.aborted) throw new Error('the trim GC never returned');
      await new Promise<void>((resolve, reject) => {
        this.#waiters.push(resolve);
        deadline.addEventListener('abort', () => reject(new Error('the trim GC never returned')), {
          once: true,
        });
      });
    }
  }
}

test('trims once RSS grew past the threshold and holds still; what the trim left is the new baseline', async () => {
  const gc = new GcDone();
  const t = new MemoryTrimmer({
    thresholdBytes: 32 * MiB,
    maxBusy: 1,
    minIntervalMs: 0,
    afterGc: gc.hook,
  });
  assert.equal(t.start(), true, 'V8 gc() is available');
  try {
    assert.equal(t.tick(0, 100 * MiB), false, 'first sample: the baseline');
    assert.equal(t.tick(1000, 120 * MiB), false, 'below the threshold');
    assert.equal(t.tick(2000, 140 * MiB), false, 'past it, but still rising (a burst may be starting)');
    assert.equal(
      t.tick(3000, 141 * MiB, () => 130 * MiB),
      true,
      'past it and holding still',
    );
    await gc.next();
    assert.equal(gc.count, 1, 'after-GC hook ran once');
    assert.equal(t.tick(4000, 130 * MiB), false);
    assert.equal(t.tick(4400, 140 * MiB), false, 'rising');
    assert.equal(
      t.tick(4800, 140 * MiB),
      false,
      'holding still 10 MiB above the new baseline (40 above the old)',
    );
    assert.equal(t.tick(5000, 150 * MiB), false, '20 MiB above the new baseline');
    assert.equal(t.tick(6000, 170 * MiB), false, 'rising');
    assert.equal(
      t.tick(7000, 170 * MiB, () => 131 * MiB),
      true,
      'new growth trims again',
    );
    await gc.next();
    assert.equal(t.trims, 2);
  } finally {
    t.stop();
  }
});

test('never while the event loop is busy, nor beyond its share of wall time', async () => {
  const busy = new MemoryTrimmer({ thresholdBytes: MiB, maxBusy: -1 });
  busy.start();
  busy.tick(0, 100 * MiB);
  busy.tick(1000, 200 * MiB);
  assert.equal(busy.tick(2000, 200 * MiB), false, 'busy: no trim');
  busy.stop();

  // a budget of 0.0001 × 60 s = 6 ms: one trim spends it (a full GC takes longer), the next waits
  const gc = new GcDone();
  const thrifty = new MemoryTrimmer({
    thresholdBytes: MiB,
    maxBusy: 1,
    minIntervalMs: 0,
    maxDuty: 0.0001,
    afterGc: gc.hook,
  });
  thrifty.start();
  thrifty.tick(0, 100 * MiB);
  thrifty.tick(10, 200 * MiB);
  assert.equal(
    thrifty.tick(20, 200 * MiB, () => 100 * MiB),
    true,
  );
  await gc.next();
  thrifty.tick(30, 300 * MiB);
  assert.equal(thrifty.tick(40, 300 * MiB), false, 'budget spent');
  assert.equal(thrifty.trims, 1);
  thrifty.stop();
});
