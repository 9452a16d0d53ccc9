// The BGP drain on SIGTERM when no successor is attached to our gobgpd: (1) RFC 8326 graceful
// shutdown — our paths announced again with GRACEFUL_SHUTDOWN (65535:0), held for
// --bgp-graceful-shutdown so routers that honour it move the flows while we still forward;
// (2) every path withdrawn, then --bgp-drain for routers that did not. 0 turns step 1 off.
import type { GracefulShutdownResult } from '../../bgp/index.ts';
import { sleep } from '../../core/backoff.ts';
import { errorMessage } from '../../core/errors.ts';
import type { Logger } from '../../obs/log.ts';
import { counter } from '../../obs/metrics.ts';

const mGshutPaths = counter(
  'bgp_graceful_shutdown_paths_total',
  'Paths re-announced with the GRACEFUL_SHUTDOWN community (RFC 8326) before a drain withdrew them',
);
const mGshutRefused = counter(
  'bgp_graceful_shutdown_refused_total',
  'Paths a drain did not re-announce with GRACEFUL_SHUTDOWN because validation refused them (withdrawn as before)',
);
const mDrains = counter(
  'bgp_drain_steps_total',
  'Steps of BGP drains on SIGTERM: withdrawn, failed, graceful-shutdown-failed',
  ['result'],
);

export interface DrainingSpeaker {
  gracefulShutdown(): Promise<GracefulShutdownResult>;
  drain(): Promise<number>;
}

export interface DrainTimes {
  gracefulShutdownMs: number;
  drainMs: number;
}

/**
 * `afterWithdraw` runs during the wait after the withdrawal, given that wait (the announced-summary
 * publisher removes this replica's rows then).
 */
export async function drainBgp(
  speaker: DrainingSpeaker,
  t: DrainTimes,
  log: Logger,
  afterWithdraw?: (budgetMs: number) => Promise<void>,
): Promise<void> {
  if (t.gracefulShutdownMs > 0) {
    try {
      const g = await speaker.gracefulShutdown();
      mGshutPaths.inc(g.announced);
      mGshutRefused.inc(g.refused.length);
      log.info('drain: re-announced our paths with GRACEFUL_SHUTDOWN (65535:0); waiting before withdrawing', {
        announced: g.announced,
        refused: g.refused.length,
        gracefulShutdownMs: t.gracefulShutdownMs,
      });
      if (g.announced > 0) await sleep(t.gracefulShutdownMs); // nothing announced: nothing to move
    } catch (err) {
      // the withdrawal below still happens: routers then move the flows as without step 1
      mDrains.inc({ result: 'graceful-shutdown-failed' });
      log.error('drain: graceful shutdown announcement failed; withdrawing now', {
        error: errorMessage(err),
      });
    }
  }
  try {
    const n = await speaker.drain();
    log.info('drain: withdrew our paths; waiting before exit', { withdrawn: n, drainMs: t.drainMs });
    mDrains.inc({ result: 'withdrawn' });
    const after = afterWithdraw?.(t.drainMs).catch((err: unknown) =>
      log.warn('drain: step after the withdrawal failed', { error: errorMessage(err) }),
    );
    await Promise.all([sleep(t.drainMs), after]);
  } catch (err) {
    mDrains.inc({ result: 'failed' });
    log.error('drain: withdrawing paths failed', { error: errorMessage(err) });
  }
}
