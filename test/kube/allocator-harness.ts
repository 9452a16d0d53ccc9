// Runs the allocator Component in-process against the API double (one or more instances, each with
// its own client, caches and identity, all competing for the real allocator Lease), plus kubectl.
// With `openelbWebhook`, the double gets deploy/openelb.yaml and the manager's webhook runs in-process
// behind the webhook Service (an EndpointSlice pointing at it), so admission and conversion are on.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { parseConfig } from '../../src/config.ts';
import { Allocator, type AllocatorOptions } from '../../src/controllers/allocator.ts';
import {
  createCaches,
  EventRecorder,
  KubeClient,
  ObjectWriter,
  type Caches,
  type EventType,
} from '../../src/kube/index.ts';
import type { CoreEvent, KubeObject } from '../../src/kube/types.ts';
import { registry } from '../../src/obs/metrics.ts';
import type { ManagerContext } from '../../src/manager/component.ts';
import { HealthServer } from '../../src/obs/health.ts';
import { startWebhook, type WebhookHandle } from '../../src/webhook/index.ts';
import { OPENELB_MANIFEST, webhookService } from '../lab/manifest.ts';
import { startKubeDouble, type KubeDouble } from './double.ts';

const run = promisify(execFile);

/** The manager's Event recorder, with the writes still under way observable (recording is fire-and-forget). */
export class TrackedEventRecorder extends EventRecorder {
  readonly #writing = new Set<Promise<unknown>>();

  override record(
    obj: KubeObject,
    type: EventType,
    reason: string,
    message: string,
  ): Promise<CoreEvent | undefined> {
    const p = super.record(obj, type, reason, message);
    this.#writing.add(p);
    void p.finally(() => this.#writing.delete(p));
    return p;
  }

  /** Resolves once every Event recorded so far is written (or has failed). */
  async idle(): Promise<void> {
    while (this.#writing.size > 0) await Promise.allSettled([...this.#writing]);
  }
}

export interface Instance {
  id: string;
  allocator: Allocator;
  caches: Caches;
  client: KubeClient;
  events: TrackedEventRecorder;
  /** Allocator ticks completed (counted through the engine's onTick seam). */
  ticks(): number;
  stop(): Promise<void>;
}

/** Cache changes the informer named `resource` has delivered to its handlers (process-wide counter). */
export async function informerEvents(resource: string, type: 'add' | 'update' | 'delete'): Promise<number> {
  const m = registry.getSingleMetric('openelb_informer_events_total');
  const values = (await m?.get())?.values ?? [];
  return values.find((v) => v.labels.resource === resource && v.labels.type === type)?.value ?? 0;
}

/**
 * Resolves once the allocator of `inst` has acted on everything its caches held when `seen()` turned
 * true: two ticks complete after that (the first may have started before the keys were queued, the
 * second drains them), and the Events those ticks recorded are written. Absence can then be asserted
 * without sleeping: whatever the allocator would have done is visible in the API.
 */
export async function settled(
  inst: Instance,
  seen: () => boolean | Promise<boolean>,
  what: string,
): Promise<void> {
  await until(seen, what);
  const engine = inst.allocator.engine;
  const from = inst.ticks();
  await until(() => {
    engine.poke(); // a tick now rather than at the next resync
    return inst.ticks() >= from + 2;
  }, 'two allocator ticks');
  await inst.events.idle();
}

export interface Harness {
  dbl: KubeDouble;
  client: KubeClient;
  kubectl(...args: string[]): Promise<string>;
  apply(yaml: string): Promise<string>;
  startInstance(id: string, opts?: AllocatorOptions, extraFlags?: string[]): Promise<Instance>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  /** Install deploy/openelb.yaml and serve the webhook in-process behind its Service (default false). */
  openelbWebhook?: boolean;
}

/** The manager's webhook on loopback, listed as the one endpoint of the manifest's webhook Service. */
async function serveWebhook(dbl: KubeDouble): Promise<WebhookHandle> {
  const svc = webhookService();
  const hook = await startWebhook({
    kubeConfig: dbl.kubeConfig(),
    namespace: svc.namespace,
    addr: '127.0.0.1:0',
    checkIntervalMs: 60_000,
  });
  await dbl.create({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: `${svc.name}-harness`,
      namespace: svc.namespace,
      labels: { 'kubernetes.io/service-name': svc.name },
    },
    addressType: 'IPv4',
    endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }],
    ports: [{ name: svc.portName, port: hook.port, protocol: 'TCP' }],
  });
  await until(() => hook.ready(), 'the webhook serving its certificate');
  return hook;
}

export async function startHarness(o: HarnessOptions = {}): Promise<Harness> {
  const dbl = await startKubeDouble(o.openelbWebhook ? { crdDirs: [] } : {});
  const client = new KubeClient(dbl.kubeConfig(), { fieldManager: 'test' });
  let hook: WebhookHandle | undefined;
  if (o.openelbWebhook) {
    await dbl.create(readFileSync(OPENELB_MANIFEST, 'utf8'));
    hook = await serveWebhook(dbl);
  } else {
    await dbl.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'openelb-system' } });
  }
  const instances: Instance[] = [];
  const kubectl = async (...args: string[]): Promise<string> => {
    const r = await run('/usr/bin/kubectl', ['--kubeconfig', dbl.kubeconfigPath, ...args]);
    return r.stdout;
  };
  const apply = async (yaml: string): Promise<string> => {
    const { spawn } = await import('node:child_process');
    return new Promise((resolve, reject) => {
      const p = spawn('/usr/bin/kubectl', ['--kubeconfig', dbl.kubeconfigPath, 'apply', '-f', '-'], {
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      p.stdout.on('data', (d: Buffer) => {
        out += d.toString();
      });
      p.stderr.on('data', (d: Buffer) => {
        err += d.toString();
      });
      p.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`kubectl apply: ${err}`))));
      p.stdin.end(yaml);
    });
  };
  const startInstance = async (
    id: string,
    opts: AllocatorOptions = {},
    extraFlags: string[] = [],
  ): Promise<Instance> => {
    const parsed = parseConfig(
      [
        '--node-name',
        id,
        '--pod-name',
        id,
        '--lease-duration',
        '2s',
        '--lease-renew-deadline',
        '1500ms',
        '--lease-retry-period',
        '300ms',
        '--backoff-max',
        '1s',
        ...extraFlags,
      ],
      {},
    );
    if (parsed.kind !== 'config') throw new Error('config');
    const cfg = parsed.config;
    const c = new KubeClient(dbl.kubeConfig(), { fieldManager: 'openelb-manager' });
    const caches = createCaches(c, { backoff: { initialMs: 100, maxMs: 1000 } });
    const events = new TrackedEventRecorder(c, { component: 'openelb-manager', host: id });
    const ctx: ManagerContext = {
      cfg,
      kubeConfig: dbl.kubeConfig(),
      client: c,
      caches,
      health: new HealthServer({ host: '127.0.0.1', port: 0 }),
      events,
      writer: new ObjectWriter(c, 'openelb-manager'),
    };
    let ticks = 0;
    const allocator = new Allocator(ctx, {
      resyncMs: 3000,
      leaseMarginMs: 300,
      ...opts,
      onTick: () => {
        ticks += 1;
        opts.onTick?.();
      },
    });
    caches.start();
    await allocator.start();
    const inst: Instance = {
      id,
      allocator,
      caches,
      client: c,
      events,
      ticks: () => ticks,
      stop: async () => {
        await allocator.stop();
        await caches.stop();
        const i = instances.indexOf(inst);
        if (i >= 0) instances.splice(i, 1);
      },
    };
    instances.push(inst);
    return inst;
  };
  return {
    dbl,
    client,
    kubectl,
    apply,
    startInstance,
    close: async () => {
      for (const i of [...instances]) await i.stop();
      await hook?.close();
      await dbl.close();
    },
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls until fn answers a truthy value. */
export async function until<T>(
  fn: () => T | undefined | false | Promise<T | undefined | false>,
  what: string,
  ms = 15_000,
): Promise<T> {
  const end = performance.now() + ms;
  let lastErr: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      lastErr = e;
    }
    if (performance.now() > end)
      throw new Error(`timed out waiting for ${what}${lastErr ? ` (last error: ${String(lastErr)})` : ''}`);
    await sleep(50);
  }
}
