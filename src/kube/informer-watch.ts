// One watch attempt of an informer: opens the watch, feeds its events in, and answers how it ended —
// closed (healthy or too early), expired (410), silent past the watchdog, failed, or stopped by us.
import { Watch, type KubeConfig } from '@kubernetes/client-node';
import { Timer } from '../core/timer.ts';
import { errorName } from './errors.ts';

export type WatchOutcome =
  | { kind: 'closed'; healthy: boolean }
  | { kind: 'expired' }
  | { kind: 'stall' }
  | { kind: 'error'; err: unknown }
  | { kind: 'stopped' };

export interface WatchAttempt {
  kubeConfig: KubeConfig;
  path: string;
  query: Record<string, string | number | boolean | undefined>;
  /** No event and no bookmark for this long ends the attempt as a stall. */
  stallTimeoutMs: number;
  /** A clean close sooner than this without any event is not healthy. */
  minWatchMs: number;
  /** Applies one event; an outcome ends the watch. */
  onEvent(type: string, obj: unknown): WatchOutcome | undefined;
  /** Receives the way to end the attempt as stopped while it runs, and undefined once it ended. */
  setAbort(abort: (() => void) | undefined): void;
}

export function statusCodeOf(e: unknown): number | undefined {
  if (e !== null && typeof e === 'object' && 'statusCode' in e && typeof e.statusCode === 'number')
    return e.statusCode;
  return undefined;
}

export function watchOnce(a: WatchAttempt): Promise<WatchOutcome> {
  const watch = new Watch(a.kubeConfig);
  // Watch aborts after requestTimeoutMs without any byte (30 s in 2.0.1). Our watchdog is the
  // authority on silence, so push Watch's own timer beyond it when the field exists.
  const w = watch as unknown as { requestTimeoutMs?: unknown };
  if (typeof w.requestTimeoutMs === 'number') w.requestTimeoutMs = a.stallTimeoutMs + 5000;
  const startedAt = performance.now();
  let sawEvent = false;

  return new Promise<WatchOutcome>((resolve) => {
    let finished = false;
    let controller: AbortController | undefined;
    const watchdog = new Timer(() => finish({ kind: 'stall' }), { unref: false });
    const finish = (o: WatchOutcome): void => {
      if (finished) return;
      finished = true;
      watchdog.cancel();
      a.setAbort(undefined);
      controller?.abort(); // the AbortError this causes reaches `done` after `finished`: ignored
      resolve(o);
    };
    const rearmWatchdog = (): void => watchdog.restart(a.stallTimeoutMs);
    a.setAbort(() => finish({ kind: 'stopped' }));
    rearmWatchdog();
    watch
      .watch(
        a.path,
        a.query,
        (type: string, obj: unknown) => {
          if (finished) return;
          sawEvent = true;
          rearmWatchdog();
          const out = a.onEvent(type, obj);
          if (out) finish(out);
        },
        (err: unknown) => {
          if (finished) return;
          if (err === null || err === undefined) {
            finish({ kind: 'closed', healthy: sawEvent || performance.now() - startedAt >= a.minWatchMs });
          } else if (errorName(err) === 'TimeoutError') {
            finish({ kind: 'stall' });
          } else if (statusCodeOf(err) === 410) {
            finish({ kind: 'expired' });
          } else {
            finish({ kind: 'error', err });
          }
        },
      )
      .then(
        (c) => {
          controller = c;
          if (finished) c.abort();
        },
        (err: unknown) => finish({ kind: 'error', err }),
      );
  });
}
