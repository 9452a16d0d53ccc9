// FaultGuard: a throwing step is caught (never reaches the process), counted, makes readiness false
// with the step and the error, and is retried with growing backoff until it succeeds; success
// clears readiness and cancels a pending retry.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FaultGuard } from '../../src/manager/faults.ts';
import { logger } from '../../src/obs/log.ts';
import { metricsText } from '../../src/obs/metrics.ts';

const log = logger('test-faults');
log.silent = true;

const until = async (cond: () => boolean, ms = 5000): Promise<void> => {
  const end = performance.now() + ms;
  while (!cond()) {
    if (performance.now() > end) assert.fail('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('FaultGuard', () => {
  it('catches, reports, retries with backoff, recovers', async () => {
    const g = new FaultGuard('unit', log, { initialMs: 10, maxMs: 40, jitter: 0 });
    let calls = 0;
    const step = (): void => {
      calls++;
      if (calls < 4) throw new TypeError(`boom ${calls}`);
    };
    assert.equal(g.run('compute', step, step), false);
    const r = g.readiness();
    assert.ok(!r.ok && r.error.includes('compute') && r.error.includes('boom 1'), JSON.stringify(r));
    await until(() => calls === 4);
    assert.equal(g.readiness().ok, true);
    const text = (await metricsText()).body;
    assert.match(text, /openelb_component_errors_total\{component="unit",step="compute"\} 3/);
    assert.match(text, /openelb_component_failing\{component="unit",step="compute"\} 0/);
    g.stop();
  });

  it('a success before the retry cancels it; stop() cancels retries', async () => {
    const g = new FaultGuard('unit2', log, { initialMs: 50, maxMs: 50, jitter: 0 });
    let retried = 0;
    g.run(
      's',
      () => {
        throw new Error('x');
      },
      () => {
        retried++;
      },
    );
    g.run('s', () => undefined);
    assert.equal(g.readiness().ok, true);
    g.run(
      't',
      () => {
        throw new Error('y');
      },
      () => {
        retried++;
      },
    );
    g.stop();
    await new Promise((r) => setTimeout(r, 120));
    assert.equal(retried, 0);
  });

  it('wrap() guards callbacks; report() serves loops that catch themselves', async () => {
    const g = new FaultGuard('unit3', log, { initialMs: 10, maxMs: 10, jitter: 0 });
    const cb = g.wrap('handler', (x: number) => {
      if (x > 1) throw new RangeError('too big');
    });
    cb(1);
    assert.doesNotThrow(() => cb(2));
    const failing = g.readiness();
    assert.match(failing.ok ? '' : failing.error, /handler .*too big/);
    assert.equal(g.report('tick', new Error('bug')), 10);
    g.recovered('tick');
    cb(0);
    assert.equal(g.readiness().ok, true);
    g.stop();
  });
});
