// Last-resort cleanup: labs register here so that test failures, uncaught errors, Ctrl-C and SIGTERM
// still stop every process we started (by PID) and delete every namespace we created (by name).

export interface Cleanable {
  /** graceful, async teardown. Must be idempotent. */
  down(): Promise<void>;
  /** synchronous, best-effort teardown for the process 'exit' event. */
  downSync(): void;
}

const live = new Set<Cleanable>();
let installed = false;

function onSignal(sig: NodeJS.Signals): void {
  // When the embedding program handles the signal itself (main.ts does), it calls down() on its own.
  if (process.listenerCount(sig) > 1) return;
  const code = sig === 'SIGINT' ? 130 : 143;
  void Promise.allSettled([...live].map((l) => l.down())).finally(() => process.exit(code));
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', () => {
    for (const l of live) l.downSync();
  });
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

export function register(l: Cleanable): void {
  install();
  live.add(l);
}

export function unregister(l: Cleanable): void {
  live.delete(l);
}
