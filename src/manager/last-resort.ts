// The last line: an exception or rejection that no component guard caught. It is logged with its
// stack, counted, and readiness is false with the reason for QUIET_MS after the last one — the
// process keeps running (every replica exiting on the same bad input would drop every Service's routes in a
// crash loop). The components' own FaultGuards retry their steps; this only makes the escape visible.
import { READY, notReady, type HealthServer } from '../obs/health.ts';
import { kubeTime } from '../core/time.ts';
import type { Logger } from '../obs/log.ts';
import { counter } from '../obs/metrics.ts';
import { errorFields, errorMessage } from '../core/errors.ts';

/** Readiness recovers this long after the last escape (a one-off must not bench the replica for good). */
const QUIET_MS = 5 * 60_000;

const mUncaught = counter(
  'uncaught_errors_total',
  'Exceptions and rejections that escaped every component guard (a bug: see the log for the stack)',
  ['kind'],
);

export function installLastResort(health: HealthServer, log: Logger): void {
  let last: { at: number; text: string } | undefined;
  const record = (kind: 'exception' | 'rejection', e: unknown): void => {
    mUncaught.inc({ kind });
    const message = errorMessage(e);
    log.error(
      'unexpected error outside every component guard; the process keeps running, not ready for a while',
      {
        kind,
        ...errorFields(e),
      },
    );
    last = { at: performance.now(), text: `${kind} at ${kubeTime()}: ${message}` };
  };
  process.on('uncaughtException', (e) => record('exception', e));
  process.on('unhandledRejection', (e) => record('rejection', e));
  health.addReadinessCheck('uncaught-errors', () =>
    last === undefined || performance.now() - last.at > QUIET_MS
      ? READY
      : notReady(
          `an error escaped every guard (${last.text}); ready again ${QUIET_MS / 60_000} min after the last one`,
        ),
  );
}
