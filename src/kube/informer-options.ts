// How an informer is set up.
import type { BackoffOptions } from '../core/backoff.ts';
import type { KubeObject } from './types.ts';

/** What the loop does, one call each time: a list, a watch opened, a restart and its cause. */
export type InformerActivity = 'list' | 'watch' | 'restart' | 'stall' | 'expired' | 'error';

export interface InformerOptions {
  /** Watch one namespace; default all namespaces (or cluster-scoped). */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Restart backoff after errors; default 500 ms doubling to 30 s. */
  backoff?: BackoffOptions;
  /** A watch with no event and no bookmark for this long is restarted. Default 90 s. */
  stallTimeoutMs?: number;
  /** Server-side watch timeout; default random in [300, 600) s so watches roll over. */
  watchTimeoutSeconds?: number;
  /** A watch that ends cleanly sooner than this without any event counts as a failure. Default 1 s. */
  minWatchMs?: number;
  /** Name in logs and metrics; default the resource plural. */
  name?: string;
  /**
   * Applied to every object before it enters the cache (list items, watch objects, offerWritten),
   * so handlers and readers see its result. Default slimForCache (managedFields dropped, repeated
   * strings shared); null keeps objects exactly as the server sent them.
   */
  transform?: ((obj: KubeObject) => KubeObject) | null;
  /**
   * The entry check: every version is judged before it enters the cache. A refused version never
   * reaches handlers or readers — the cache keeps the last admitted version of that object (or
   * none), so whatever was in force stays in force — and is held aside (`refused`) for the status
   * writers that must report why. Answers undefined to admit, else the reason.
   */
  admit?: (obj: KubeObject) => string | undefined;
  /** Told of every list, watch and restart (tests count them; production passes nothing). */
  observe?: (activity: InformerActivity) => void;
}
