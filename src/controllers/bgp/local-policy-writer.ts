// Writes the eTP=Local condition (local-policy.ts) on Services and its Warning Event. One writer per
// Service: the first replica node by name, so every replica agrees on who writes without talking.
import {
  Resources,
  errorMessage,
  type ObjectWriter,
  type EventRecorder,
  type EndpointSlice,
} from '../../kube/index.ts';
import type { Logger } from '../../obs/log.ts';
import type { Announcement } from '../announce.ts';
import {
  CONDITION_ENDPOINTS_WITHOUT_REPLICA,
  conditionMessage,
  localPolicyFindings,
  nextConditions,
} from './local-policy.ts';

export class LocalPolicyConditions {
  readonly #node: string;
  readonly #writer: ObjectWriter;
  readonly #events: EventRecorder;
  readonly #log: Logger;
  /** Service key → endpoint nodes last written into its condition ('' = removed) */
  readonly #written = new Map<string, string>();

  constructor(o: { node: string; writer: ObjectWriter; events: EventRecorder; log: Logger }) {
    this.#node = o.node;
    this.#writer = o.writer;
    this.#events = o.events;
    this.#log = o.log;
  }

  update(
    announcements: Iterable<Announcement>,
    slices: readonly EndpointSlice[],
    replicas: ReadonlySet<string>,
  ): void {
    if ([...replicas].sort()[0] !== this.#node) return;
    for (const f of localPolicyFindings(announcements, slices, replicas)) {
      const svc = f.service;
      const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
      if (!nextConditions(svc.status?.conditions, f.nodes, now)) continue;
      const key = `${svc.metadata.namespace ?? ''}/${svc.metadata.name}`;
      const want = f.nodes.join(',');
      if (this.#written.get(key) === want) continue;
      this.#written.set(key, want);
      const target = { name: svc.metadata.name, namespace: svc.metadata.namespace };
      void this.#writer
        .updateStatus(Resources.Service, target, (cur: typeof svc) => {
          const next = nextConditions(cur.status?.conditions, f.nodes, now, cur.metadata.generation);
          return next ? { conditions: next } : undefined;
        })
        .then((written) => {
          if (written && f.nodes.length)
            this.#events.event(svc, 'Warning', 'EndpointsWithoutBgpSpeaker', conditionMessage(f.nodes));
        })
        .catch((err: unknown) => {
          this.#written.delete(key);
          this.#log.warn('Service condition write failed', {
            service: `${target.namespace}/${target.name}`,
            condition: CONDITION_ENDPOINTS_WITHOUT_REPLICA,
            error: errorMessage(err),
          });
        });
    }
  }
}
