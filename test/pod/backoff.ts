// The kubelet's restart back-off for one container (CrashLoopBackOff): the first restart is
// immediate, then 10 s, 20 s, 40 s … capped at 5 min; a container that stays up 10 min (twice the cap)
// between exits starts over. Pure: callers pass the exit times.

export const INITIAL_BACKOFF_MS = 10_000;
export const MAX_BACKOFF_MS = 300_000;

export class RestartBackoff {
  #backoffMs: number | undefined;
  #lastExit = 0;

  /** Records an exit at `exitAt` (ms) and returns how long to wait after it before the restart. */
  next(exitAt: number): number {
    const expired = this.#backoffMs === undefined || exitAt - this.#lastExit > 2 * MAX_BACKOFF_MS;
    const delay = expired ? 0 : (this.#backoffMs ?? 0);
    this.#backoffMs = expired
      ? INITIAL_BACKOFF_MS
      : Math.min(2 * (this.#backoffMs ?? INITIAL_BACKOFF_MS), MAX_BACKOFF_MS);
    this.#lastExit = exitAt;
    return delay;
  }
}
