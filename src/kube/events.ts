// Core v1 Events about our objects, deduplicated like client-go's recorder: the same
// (object, type, reason, message) within the cache bumps `count` and `lastTimestamp` of the existing
// Event instead of creating a new one. Recording never throws: failures are logged and counted.
import type { KubeClient } from './client.ts';
import { errorMessage, isNotFound } from './errors.ts';
import { Resources } from './resources.ts';
import { kubeTime } from '../core/time.ts';
import type { CoreEvent, KubeObject } from './types.ts';
import { counter } from '../obs/metrics.ts';
import { logger } from '../obs/log.ts';

export type EventType = 'Normal' | 'Warning';

export interface EventRecorderOptions {
  /** `source.component` / `reportingComponent`, e.g. "openelb-manager". */
  component: string;
  /** `source.host` and `reportingInstance`, e.g. the node name. */
  host?: string;
  /** Distinct keys remembered for deduplication. Default 4096. */
  cacheSize?: number;
  fieldManager?: string;
}

interface Seen {
  namespace: string;
  name: string;
  count: number;
  firstTimestamp: string;
}

const eventsTotal = counter('events_recorded_total', 'Kubernetes Events written', [
  'type',
  'reason',
  'result',
]);
const MAX_MESSAGE = 1024;

export class EventRecorder {
  private readonly client: KubeClient;
  private readonly o: EventRecorderOptions;
  private readonly seen = new Map<string, Seen>();
  private readonly chains = new Map<string, Promise<unknown>>();
  private readonly log = logger('events');
  private seq = 0;

  constructor(client: KubeClient, opts: EventRecorderOptions) {
    this.client = client;
    this.o = opts;
  }

  /** Fire-and-forget. */
  event(obj: KubeObject, type: EventType, reason: string, message: string): void {
    void this.record(obj, type, reason, message);
  }

  /** Records and answers the written Event (undefined when writing failed). */
  record(obj: KubeObject, type: EventType, reason: string, message: string): Promise<CoreEvent | undefined> {
    const msg = message.length > MAX_MESSAGE ? message.slice(0, MAX_MESSAGE - 3) + '...' : message;
    const key = [
      obj.kind,
      obj.metadata.namespace ?? '',
      obj.metadata.name,
      obj.metadata.uid ?? '',
      type,
      reason,
      msg,
    ].join('\u0000');
    // Serialise per key so two quick repeats do not both create.
    const prev = this.chains.get(key) ?? Promise.resolve();
    const next = prev.then(() => this.write(key, obj, type, reason, msg));
    this.chains.set(key, next);
    void next.finally(() => {
      if (this.chains.get(key) === next) this.chains.delete(key);
    });
    return next;
  }

  private async write(
    key: string,
    obj: KubeObject,
    type: EventType,
    reason: string,
    message: string,
  ): Promise<CoreEvent | undefined> {
    const now = kubeTime();
    const s = this.seen.get(key);
    try {
      if (s) {
        try {
          const ev = await this.client.patch<CoreEvent>(
            Resources.Event,
            s.name,
            s.namespace,
            { count: s.count + 1, lastTimestamp: now },
            'merge',
            { fieldManager: this.o.fieldManager },
          );
          s.count += 1;
          this.touch(key, s);
          eventsTotal.inc({ type, reason, result: 'updated' });
          return ev;
        } catch (e) {
          if (!isNotFound(e)) throw e;
          this.seen.delete(key); // expired or deleted: start a new Event
        }
      }
      const namespace = obj.metadata.namespace || 'default';
      const name = `${obj.metadata.name}.${(Date.now() * 1000 + (this.seq++ % 1000)).toString(16)}`;
      const body: CoreEvent = {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name, namespace },
        involvedObject: {
          apiVersion: obj.apiVersion,
          kind: obj.kind,
          name: obj.metadata.name,
          ...(obj.metadata.namespace ? { namespace: obj.metadata.namespace } : {}),
          ...(obj.metadata.uid ? { uid: obj.metadata.uid } : {}),
          ...(obj.metadata.resourceVersion ? { resourceVersion: obj.metadata.resourceVersion } : {}),
        },
        reason,
        message,
        type,
        count: 1,
        firstTimestamp: now,
        lastTimestamp: now,
        source: { component: this.o.component, ...(this.o.host ? { host: this.o.host } : {}) },
        reportingComponent: this.o.component,
        reportingInstance: this.o.host ?? this.o.component,
      };
      const ev = await this.client.create<CoreEvent>(Resources.Event, body, {
        fieldManager: this.o.fieldManager,
      });
      this.touch(key, { namespace, name, count: 1, firstTimestamp: now });
      eventsTotal.inc({ type, reason, result: 'created' });
      return ev;
    } catch (e) {
      eventsTotal.inc({ type, reason, result: 'failed' });
      this.log.warn('event not recorded', {
        involved: `${obj.kind}/${obj.metadata.namespace ?? ''}/${obj.metadata.name}`,
        reason,
        error: errorMessage(e),
      });
      return undefined;
    }
  }

  private touch(key: string, s: Seen): void {
    this.seen.delete(key);
    this.seen.set(key, s);
    const cap = this.o.cacheSize ?? 4096;
    while (this.seen.size > cap) {
      const oldest = this.seen.keys().next();
      if (oldest.done) break;
      this.seen.delete(oldest.value);
    }
  }
}
