// Time as a dependency: production code takes a Clock so tests can drive timers and "now" without
// sleeping (test/unit/fixtures/manual-clock.ts). The default is the process's real clock.
export interface TimerHandle {
  /** Keeps the process alive while pending only if true (Node's ref/unref). */
  unref?(): void;
}

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Monotonic milliseconds for durations and ordering. */
  monotonic(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};
