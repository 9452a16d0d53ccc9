// Service Events for every allocator outcome, with the reason in words. A failure is reported once
// per distinct message (then again only when the message changes), so a Service waiting for room in
// a full pool does not produce an Event write on every retry.
import type { EventRecorder } from '../../kube/index.ts';
import type { Service } from '../../kube/types.ts';
import type { Outcome, Release } from './decide.ts';

export class OutcomeReporter {
  readonly #events: EventRecorder;
  readonly #last = new Map<string, string>();

  constructor(events: EventRecorder) {
    this.#events = events;
  }

  forget(key: string): void {
    this.#last.delete(key);
  }

  released(svc: Service | undefined, r: Release): void {
    if (svc)
      this.#events.event(svc, 'Normal', 'ReleaseIP', `released ${r.ip} back to Eip ${r.pool.name}: ${r.why}`);
  }

  /** Reports outcomes; `committed(pool)` says whether the pool's write went through. Answers true if any failed. */
  outcomes(
    key: string,
    svc: Service,
    outcomes: readonly Outcome[],
    committed: (pool: string) => boolean,
  ): boolean {
    const warnings: { reason: string; message: string }[] = [];
    for (const o of outcomes) {
      if (o.kind === 'allocated' && committed(o.pool)) {
        const how =
          o.via === 'status'
            ? `kept ${o.ip} (shown in its status) and recorded it in Eip ${o.pool}`
            : `assigned ${o.ip} from Eip ${o.pool}`;
        this.#events.event(
          svc,
          'Normal',
          'AssignIP',
          `${how}${o.shared ? ' (shared with other Services under its sharing key)' : ''}`,
        );
      } else if (o.kind === 'held' && o.note) {
        warnings.push({ reason: 'KeepIP', message: o.note });
      } else if (o.kind === 'failed') {
        warnings.push({ reason: o.reason, message: `no IPv${o.family} address: ${o.message}` });
      }
    }
    if (warnings.length === 0) {
      this.#last.delete(key);
      return false;
    }
    const text = warnings.map((w) => w.message).join('; ');
    if (this.#last.get(key) !== text) {
      this.#last.set(key, text);
      for (const w of warnings) this.#events.event(svc, 'Warning', w.reason, w.message);
    }
    return outcomes.some((o) => o.kind === 'failed');
  }
}
