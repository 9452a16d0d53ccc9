import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Backoff, sleep } from '../../../src/core/backoff.ts';

test('backoff grows exponentially, never exceeds max, and resets', () => {
  const b = new Backoff({ initialMs: 100, maxMs: 1000, factor: 2, jitter: 0 });
  assert.deepEqual(
    [b.next(), b.next(), b.next(), b.next(), b.next(), b.next()],
    [100, 200, 400, 800, 1000, 1000],
  );
  b.reset();
  assert.equal(b.next(), 100);
});

test('jitter only shortens delays', () => {
  const b = new Backoff({ initialMs: 100, maxMs: 400, jitter: 0.5 });
  for (let i = 0; i < 200; i++) {
    const d = b.next();
    assert.ok(d >= 1 && d <= 400, `delay ${d}`);
  }
});

test('invalid options are rejected', () => {
  assert.throws(() => new Backoff({ initialMs: 0 }));
  assert.throws(() => new Backoff({ initialMs: 10, maxMs: 5 }));
  assert.throws(() => new Backoff({ jitter: 1 }));
});

test('sleep ends early on abort', async () => {
  const ac = new AbortController();
  const t0 = performance.now();
  const p = sleep(10_000, ac.signal);
  ac.abort();
  assert.equal(await p, false);
  assert.ok(performance.now() - t0 < 1000);
  assert.equal(await sleep(5), true);
});
