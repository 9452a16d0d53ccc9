import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryTrimmer, type MemoryTrimOptions } from '../../../src/obs/memory-trim.ts';

const MiB = 2 ** 20;

/** A trimmer on a hand-set clock and RSS reading; `gcDone()` resolves when the next trim's GC returned. */
function rig(opts: MemoryTrimOptions) {
  const state = { now: 0, rss: 0, hooked: 0 };
  let onGc: (() => void) | undefined;
  const trimmer = new MemoryTrimmer({
    ...opts,
    clock: { monotonic: () => state.now },
    readRss: () => state.rss,
    afterGc: () => {
      state.hooked++;
      onGc?.();
    },
  });
  const sample = (now: number, rss: number): boolean => {
    state.now = now;
    state.rss = rss;
    return trimmer.tick();
  };
  const gcDone = (): Promise<void> =>
    new Promise((resolve) => {
      // the hook runs before the trimmer reads what the GC left; settle after it in a microtask
      onGc = () => queueMicrotask(resolve);
    });
  return { trimmer, state, sample, gcDone };
}

test('trims once RSS grew past the threshold and holds still; what the trim left is the new baseline', async () => {
  const {
    trimmer: t,
    state,
    sample,
    gcDone,
  } = rig({ thresholdBytes: 32 * MiB, maxBusy: 1, minIntervalMs: 0 });
  assert.equal(t.start(), true, 'V8 gc() is available');
  try {
    assert.equal(sample(0, 100 * MiB), false, 'first sample: the baseline');
    assert.equal(sample(1000, 120 * MiB), false, 'below the threshold');
    assert.equal(sample(2000, 140 * MiB), false, 'past it, but still rising (a burst may be starting)');
    let gc = gcDone();
    assert.equal(sample(3000, 141 * MiB), true, 'past it and holding still');
    state.rss = 130 * MiB; // what the GC gave back
    await gc;
    assert.equal(state.hooked, 1, 'after-GC hook ran');
    assert.equal(sample(4000, 130 * MiB), false);
    assert.equal(sample(5000, 150 * MiB), false, '20 MiB above the new baseline');
    assert.equal(sample(6000, 170 * MiB), false, 'rising');
    gc = gcDone();
    assert.equal(sample(7000, 170 * MiB), true, 'new growth trims again');
    state.rss = 131 * MiB;
    await gc;
    assert.equal(t.trims, 2);
  } finally {
    t.stop();
  }
});

test('never while the event loop is busy, nor beyond its share of wall time', async () => {
  const busy = rig({ thresholdBytes: MiB, maxBusy: -1 });
  busy.trimmer.start();
  busy.sample(0, 100 * MiB);
  busy.sample(1000, 200 * MiB);
  assert.equal(busy.sample(2000, 200 * MiB), false, 'busy: no trim');
  busy.trimmer.stop();

  // a budget of 0.0001 × 60 s = 6 ms: one trim spends it (a full GC takes longer), the next waits
  const thrifty = rig({ thresholdBytes: MiB, maxBusy: 1, minIntervalMs: 0, maxDuty: 0.0001 });
  thrifty.trimmer.start();
  thrifty.sample(0, 100 * MiB);
  thrifty.sample(10, 200 * MiB);
  const gc = thrifty.gcDone();
  assert.equal(thrifty.sample(20, 200 * MiB), true);
  thrifty.state.rss = 100 * MiB;
  await gc;
  thrifty.sample(30, 300 * MiB);
  assert.equal(thrifty.sample(40, 300 * MiB), false, 'budget spent');
  assert.equal(thrifty.trimmer.trims, 1);
  thrifty.trimmer.stop();
});
