// The allocator Component: every replica runs it; only the holder of the allocator Lease
// (cfg.allocatorLease, in cfg.namespace) acts. It owns the Namespace informer it needs for
// namespaceSelector pools and the Lease; the decisions and writes are in ./service/engine.ts, the
// Eip status rules in ./eip/, the eTP=Local Service condition in ./service/local-policy-writer.ts.
import { Informer, LeaseHolder } from '../kube/index.ts';
import { Resources } from '../kube/resources.ts';
import type { Namespace } from '../kube/types.ts';
import type { Component, ComponentFactory, ManagerContext } from '../manager/component.ts';
import { FaultGuard } from '../manager/faults.ts';
import { logger } from '../obs/log.ts';
import { AllocatorEngine, type EngineDeps } from './service/engine.ts';
import { LocalPolicyConditions } from './service/local-policy-writer.ts';
import { ReplicaLiveness } from './replicas/liveness.ts';
import { StaleStatusCleaner } from './replicas/stale-status.ts';

export interface AllocatorOptions {
  resyncMs?: number;
  leaseMarginMs?: number;
  maxAllocations?: number;
  /** Called after each completed allocator tick: a test seam, left empty in production. */
  onTick?: () => void;
}

export class Allocator implements Component {
  readonly name = 'allocator';
  readonly phase = 'main' as const;
  readonly engine: AllocatorEngine;
  readonly lease: LeaseHolder;
  readonly #namespaces: Informer<Namespace>;
  readonly #faults = new FaultGuard('allocator', logger('allocator'));
  /** undefined when this replica runs no BGP speaker */
  readonly #localPolicy: LocalPolicyConditions | undefined;
  /** with BGP: which replicas are gone, and the removal of their status entries (Lease holder only) */
  readonly #replicas: { liveness: ReplicaLiveness; cleaner: StaleStatusCleaner } | undefined;

  constructor(ctx: ManagerContext, opts: AllocatorOptions = {}) {
    const { cfg, client, caches } = ctx;
    ctx.health.addReadinessCheck('allocator-errors', () => this.#faults.readiness());
    this.#namespaces = new Informer<Namespace>(client, Resources.Namespace, {
      stallTimeoutMs: cfg.watchStallTimeoutMs,
      backoff: { initialMs: cfg.backoffInitialMs, maxMs: cfg.backoffMaxMs },
      name: 'allocator-namespaces',
    });
    this.lease = new LeaseHolder({
      client,
      namespace: cfg.namespace,
      name: cfg.allocatorLease,
      identity: cfg.podName,
      leaseDurationSeconds: Math.round(cfg.leaseDurationMs / 1000),
      renewDeadlineMs: cfg.leaseRenewDeadlineMs,
      retryPeriodMs: cfg.leaseRetryPeriodMs,
      onStartedLeading: () => {
        this.engine.poke();
        this.#localPolicy?.schedule();
        this.#replicas?.cleaner.schedule();
      },
      onStoppedLeading: (reason) => {
        this.engine.dropState(`Lease lost: ${reason}`);
        this.#localPolicy?.forget();
        this.#replicas?.cleaner.forget();
      },
    });
    const deps: EngineDeps = {
      client,
      events: ctx.events,
      services: caches.services,
      eips: caches.eips,
      namespaces: this.#namespaces,
      lease: this.lease,
      cfg: { loadBalancerClass: cfg.loadBalancerClass, claimClassless: cfg.claimClassless },
      leaseMarginMs: opts.leaseMarginMs ?? Math.min(1000, Math.floor(cfg.leaseRenewDeadlineMs / 4)),
      ...(opts.resyncMs !== undefined ? { resyncMs: opts.resyncMs } : {}),
      ...(opts.maxAllocations !== undefined ? { maxAllocations: opts.maxAllocations } : {}),
      ...(opts.onTick ? { onTick: opts.onTick } : {}),
      faults: this.#faults,
      ...(ctx.seams?.afterEipStatusWrite ? { afterEipStatusWrite: ctx.seams.afterEipStatusWrite } : {}),
    };
    this.engine = new AllocatorEngine(deps);
    if (!cfg.enableBgp) return;
    const liveness = new ReplicaLiveness({
      caches,
      namespace: cfg.namespace,
      node: cfg.nodeName,
      goneAfterMs: cfg.replicaGoneAfterMs,
    });
    const gone = (): ReadonlySet<string> => liveness.gone();
    const isLeader = (): boolean => this.lease.isLeader();
    const cleaner = new StaleStatusCleaner({
      caches,
      writer: ctx.writer,
      gone,
      isLeader,
      node: cfg.nodeName,
      log: logger('allocator.stale-status'),
    });
    this.#replicas = { liveness, cleaner };
    const localPolicy = new LocalPolicyConditions({
      caches,
      writer: ctx.writer,
      events: ctx.events,
      isLeader,
      node: cfg.nodeName,
      gone,
      log: logger('allocator.local-policy'),
    });
    this.#localPolicy = localPolicy;
    liveness.onChange(() => {
      localPolicy.schedule();
      cleaner.schedule();
    });
  }

  async start(): Promise<void> {
    this.#namespaces.start();
    this.engine.start();
    this.#localPolicy?.start();
    this.#replicas?.cleaner.start();
    this.#replicas?.liveness.start();
    this.lease.start();
  }

  async stop(): Promise<void> {
    this.#faults.stop();
    this.#localPolicy?.stop();
    this.#replicas?.liveness.stop();
    this.#replicas?.cleaner.stop();
    await this.engine.stop();
    await this.lease.stop({ release: true });
    await this.#namespaces.stop();
  }
}

export const allocatorComponent: ComponentFactory = (ctx) => new Allocator(ctx);
