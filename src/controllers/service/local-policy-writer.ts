// Writes the eTP=Local condition (local-policy.ts) on Services and its Warning Event. It runs beside
// the allocator and acts only while this replica holds the allocator Lease, so the one writer of
// Services writes this too: no election among the speakers (which once picked the first node in
// BgpConf status, an entry a departed node never takes back, and then nobody wrote).
import { BGPCONF_DEFAULT_NAME } from '../../api/names.ts';
import { systemClock, type Clock } from '../../core/clock.ts';
import { kubeTime } from '../../core/time.ts';
import { Timer } from '../../core/timer.ts';
import {
  Resources,
  errorMessage,
  onlyReportsChanged,
  type Caches,
  type EventRecorder,
  type ObjectWriter,
} from '../../kube/index.ts';
import type { Service } from '../../kube/types.ts';
import type { Logger } from '../../obs/log.ts';
import { announcementsFrom } from '../../announce/announcements.ts';
import { AnnouncedEips } from '../../announce/announced-eips.ts';
import {
  CONDITION_ENDPOINTS_WITHOUT_REPLICA,
  conditionMessage,
  conditionTargets,
  localPolicyFindings,
  nextConditions,
  type LocalPolicyFinding,
} from './local-policy.ts';
import { replicaNodes } from '../replicas/nodes.ts';

export interface LocalPolicyDeps {
  caches: Pick<Caches, 'eips' | 'services' | 'endpointSlices' | 'bgpConfs' | 'notSynced'>;
  writer: ObjectWriter;
  events: EventRecorder;
  /** Whether this replica holds the allocator Lease now. */
  isLeader: () => boolean;
  /** This replica's node (it runs a BGP speaker, whose status entry may not be written yet). */
  node: string;
  /** Nodes judged gone (controllers/replicas/liveness.ts): their status entries name no replica. */
  gone: () => ReadonlySet<string>;
  log: Logger;
  clock?: Clock;
}

/** A burst of events is written once: a pass waits this long after the first event, at most. */
const COALESCE_MS = 50;

export class LocalPolicyConditions {
  readonly #deps: LocalPolicyDeps;
  readonly #clock: Clock;
  readonly #timer: Timer;
  /** invalid Eip versions keep the last valid protocol (see announce/announced-eips.ts) */
  readonly #announced = new AnnouncedEips();
  /** Service key → endpoint nodes last written into its condition ('' = removed) */
  readonly #written = new Map<string, string>();
  #unsubscribe: (() => void)[] = [];

  constructor(d: LocalPolicyDeps) {
    this.#deps = d;
    this.#clock = d.clock ?? systemClock;
    this.#timer = new Timer(() => this.#pass(), { clock: this.#clock });
  }

  start(): void {
    const c = this.#deps.caches;
    const schedule = (): void => this.schedule();
    this.#unsubscribe = [
      c.eips.onEvent(schedule),
      c.services.onEvent((ev) => !onlyReportsChanged(ev) && schedule()),
      c.endpointSlices.onEvent(schedule),
      c.bgpConfs.onEvent(schedule),
    ];
  }

  stop(): void {
    for (const u of this.#unsubscribe) u();
    this.#unsubscribe = [];
    this.#timer.cancel();
  }

  schedule(): void {
    this.#timer.atMost(COALESCE_MS);
  }

  /** The Lease went elsewhere: what we wrote is no longer ours to remember. */
  forget(): void {
    this.#written.clear();
  }

  #pass(): void {
    const d = this.#deps;
    if (!d.isLeader() || d.caches.notSynced().length > 0) return;
    const c = d.caches;
    const conf = c.bgpConfs.get(BGPCONF_DEFAULT_NAME);
    // BGP not configured: nobody announces, so there is nothing to say about next hops
    if (!conf || conf.metadata.deletionTimestamp) return;
    const announcements = announcementsFrom(this.#announced.select(c.eips.list()), (ns, name) =>
      c.services.get(name, ns),
    );
    const findings = localPolicyFindings(
      announcements,
      c.endpointSlices.list(),
      replicaNodes(conf, d.gone(), d.node),
    );
    for (const f of conditionTargets(findings, c.services.list())) this.#write(f);
  }

  #write(f: LocalPolicyFinding): void {
    const svc = f.service;
    const now = kubeTime(this.#clock.now());
    if (!nextConditions(svc.status?.conditions, f.nodes, now)) return;
    const key = `${svc.metadata.namespace ?? ''}/${svc.metadata.name}`;
    const want = f.nodes.join(',');
    if (this.#written.get(key) === want) return;
    this.#written.set(key, want);
    const target = { name: svc.metadata.name, namespace: svc.metadata.namespace };
    void this.#deps.writer
      .updateStatus(Resources.Service, target, (cur: Service) => {
        if (!this.#deps.isLeader()) return undefined;
        const next = nextConditions(cur.status?.conditions, f.nodes, now, cur.metadata.generation);
        return next ? { conditions: next } : undefined;
      })
      .then((written) => {
        if (written && f.nodes.length)
          this.#deps.events.event(
            svc,
            'Warning',
            CONDITION_ENDPOINTS_WITHOUT_REPLICA,
            conditionMessage(f.nodes),
          );
      })
      .catch((err: unknown) => {
        this.#written.delete(key);
        this.#deps.log.warn('Service condition write failed', {
          service: key,
          condition: CONDITION_ENDPOINTS_WITHOUT_REPLICA,
          error: errorMessage(err),
        });
      });
  }
}
