// What main.ts hands every part of the manager, and the shape each part takes.
import type { KubeConfig } from '@kubernetes/client-node';
import type { Eip } from '../api/v1alpha2.ts';
import type { ManagerConfig } from '../config.ts';
import type { Caches, EventRecorder, KubeClient, ObjectWriter } from '../kube/index.ts';
import type { HealthServer } from '../obs/health.ts';

export interface ManagerContext {
  readonly cfg: ManagerConfig;
  readonly kubeConfig: KubeConfig;
  readonly client: KubeClient;
  readonly caches: Caches;
  readonly health: HealthServer;
  readonly events: EventRecorder;
  readonly writer: ObjectWriter;
  readonly seams?: ManagerSeams;
}

/**
 * Points where an embedding program (a test entry such as test/e2e/fixtures/manager-paused.ts) may
 * observe the manager at a precise moment. `node src/main.ts` passes none.
 */
export interface ManagerSeams {
  /** Right after the allocator wrote an Eip status, before the Service writes that follow. */
  afterEipStatusWrite?: (written: Eip) => void;
}

export interface Component {
  readonly name: string;
  /**
   * 'early' components start before the informers (the webhook must answer while caches sync, or
   * the API server would wait on us to sync while we wait on it). 'main' ones start right after
   * the informers were started — they must not act on caches before `ctx.caches.synced()`.
   */
  readonly phase: 'early' | 'main';
  start(): Promise<void>;
  /** Called in reverse start order on shutdown, after readiness went false. */
  stop(): Promise<void>;
}

/** Builds a component from the context, or returns undefined when the configuration disables it. */
export type ComponentFactory = (ctx: ManagerContext) => Component | undefined;
