import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setImmediate as turn } from 'node:timers/promises';
import { TokenBucket, WriteQueue } from '../../../src/controllers/bgp/announced-queue.ts';
import { ManualClock } from '../fixtures/manual-clock.ts';

/** Lets the queue's awaited writes settle (they resolve on the next turns). */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await turn();
}

describe('token bucket', () => {
  it('a burst of one second, then one token per 1/rate', () => {
    const clock = new ManualClock();
    const b = new TokenBucket(4, 4, clock);
    for (let i = 0; i < 4; i++) assert.equal(b.take(), 0);
    assert.equal(b.take(), 250);
    clock.advance(250);
    assert.equal(b.take(), 0);
    clock.advance(10_000);
    for (let i = 0; i < 4; i++) assert.equal(b.take(), 0, 'refills to the burst, not beyond');
    assert.ok(b.take() > 0);
  });
});

describe('write queue: coalesced by key, value computed at write time, rate-limited', () => {
  function harness(rate: number) {
    const clock = new ManualClock();
    const state = new Map<string, string>(); // what should be written, by key
    const shown = new Map<string, string>(); // what the object shows
    const writes: string[] = [];
    const q = new WriteQueue<string>({
      ratePerSecond: rate,
      clock,
      due: (k) => state.get(k) !== shown.get(k),
      write: async (k) => {
        await Promise.resolve();
        const v = state.get(k) ?? '';
        writes.push(`${k}=${v}`);
        shown.set(k, v);
      },
    });
    return { clock, state, shown, writes, q };
  }

  it('a flapping row marked many times is written once, with its latest value', async () => {
    const h = harness(1);
    h.state.set('a', 'x');
    h.q.mark('a');
    await settle();
    assert.deepEqual(h.writes, ['a=x']);
    // the bucket is empty: flaps while waiting collapse into one write of the last value
    for (const v of ['y', 'x', 'y', 'z']) {
      h.state.set('a', v);
      h.q.mark('a');
    }
    await settle();
    assert.deepEqual(h.writes, ['a=x'], 'nothing before a token');
    h.clock.advance(1000);
    await settle();
    assert.deepEqual(h.writes, ['a=x', 'a=z']);
  });

  it('a row that flapped back to what is shown costs no write (and no token)', async () => {
    const h = harness(1);
    h.state.set('a', 'x');
    h.q.mark('a');
    await settle();
    h.state.set('a', 'y');
    h.q.mark('a');
    h.state.set('a', 'x');
    h.state.set('b', 'q');
    h.q.mark('b');
    h.clock.advance(1000);
    await settle();
    assert.deepEqual(h.writes, ['a=x', 'b=q'], 'a skipped, b took the token');
    assert.equal(h.q.size, 0);
  });

  it('at most rate writes per second after the burst', async () => {
    const h = harness(5);
    for (let i = 0; i < 20; i++) {
      h.state.set(`k${i}`, 'v');
      h.q.mark(`k${i}`);
    }
    await settle();
    assert.equal(h.writes.length, 5, 'the burst');
    for (let s = 1; s <= 3; s++) {
      for (let ms = 0; ms < 1000; ms += 100) {
        h.clock.advance(100);
        await settle();
      }
      assert.equal(h.writes.length, 5 + 5 * s, `after ${s} s`);
    }
    assert.deepEqual(h.writes.slice(0, 3), ['k0=v', 'k1=v', 'k2=v'], 'in the order marked');
  });

  it('a failed write is retried later; stop() drops what waits', async () => {
    const clock = new ManualClock();
    let fail = true;
    const errors: string[] = [];
    const done: string[] = [];
    const q = new WriteQueue<string>({
      ratePerSecond: 1,
      clock,
      due: (k) => !done.includes(k),
      write: async (k) => {
        await Promise.resolve();
        if (fail) throw new Error('boom');
        done.push(k);
      },
      onError: (k, e) => errors.push(`${k}: ${(e as Error).message}`),
    });
    q.mark('a');
    await settle();
    assert.deepEqual(errors, ['a: boom']);
    assert.equal(q.size, 1);
    fail = false;
    clock.advance(1000);
    await settle();
    assert.deepEqual(done, ['a']);
    q.mark('b');
    q.stop();
    clock.advance(5000);
    await settle();
    assert.deepEqual(done, ['a']);
    assert.equal(q.size, 0);
  });

  it('idle() resolves once the last waiting key is written, not before (no polling)', async () => {
    const h = harness(1);
    for (const k of ['a', 'b', 'c']) {
      h.state.set(k, 'x');
      h.q.mark(k);
    }
    let idle = false;
    void h.q.idle().then(() => (idle = true));
    await settle();
    assert.equal(h.writes.length, 1, 'a burst of one token');
    assert.equal(idle, false, 'two keys still wait for tokens');
    h.clock.advance(1000);
    await settle();
    assert.equal(idle, false);
    h.clock.advance(1000);
    await settle();
    assert.deepEqual(h.writes, ['a=x', 'b=x', 'c=x']);
    assert.equal(idle, true);
  });

  it('idle() resolves on stop() with keys still waiting', async () => {
    const h = harness(1);
    for (const k of ['a', 'b']) {
      h.state.set(k, 'x');
      h.q.mark(k);
    }
    await settle();
    let idle = false;
    void h.q.idle().then(() => (idle = true));
    await settle();
    assert.equal(idle, false);
    h.q.stop();
    await settle();
    assert.equal(idle, true);
  });
});
