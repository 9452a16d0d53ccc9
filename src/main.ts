// openelb-manager entry point: flags/env → config, wiring, and the shutdown order
// (readiness false → stop components in reverse order: Layer 2 hands over, BGP withdraws, the
// allocator releases its Lease → stop informers → close the health server → exit 0).
import { ConfigError, environment, parseConfig, type ManagerConfig } from './config.ts';
import { errorMessage } from './core/errors.ts';
import { createCaches, EventRecorder, KubeClient, loadKubeConfig, ObjectWriter } from './kube/index.ts';
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { Component, ManagerContext, ManagerSeams } from './manager/component.ts';
import { COMPONENTS } from './manager/components.ts';
import { installLastResort } from './manager/last-resort.ts';
import { HealthServer, readyUnless } from './obs/health.ts';
import { logger, setLogLevel } from './obs/log.ts';
import { collectProcessMetrics, publishManagerInfo } from './obs/metrics.ts';
import { startMemoryTrimmer } from './obs/memory-trim.ts';
import { VERSION } from './version.ts';
import { bgpConfEntryCheck, bgpPeerEntryCheck } from './api/rules/index.ts';
import { Timer } from './core/timer.ts';

const log = logger('main');

async function run(cfg: ManagerConfig, seams: ManagerSeams): Promise<void> {
  setLogLevel(cfg.logLevel);
  log.info('starting openelb-manager', {
    version: VERSION,
    node: cfg.nodeName,
    identity: cfg.podName,
    namespace: cfg.namespace,
  });
  const kc = loadKubeConfig({
    kubeconfigPath: cfg.kubeconfig,
    context: cfg.kubeContext,
    inCluster: environment.inCluster(),
  });
  const client = new KubeClient(kc, { fieldManager: 'openelb-manager' });
  const caches = createCaches(
    client,
    {
      stallTimeoutMs: cfg.watchStallTimeoutMs,
      backoff: { initialMs: cfg.backoffInitialMs, maxMs: cfg.backoffMaxMs },
    },
    { bgpConf: bgpConfEntryCheck, bgpPeer: bgpPeerEntryCheck },
  );

  collectProcessMetrics();
  publishManagerInfo({ node: cfg.nodeName, pod: cfg.podName, version: VERSION });
  if (cfg.memoryTrimThresholdMiB > 0)
    startMemoryTrimmer({ thresholdBytes: cfg.memoryTrimThresholdMiB * 1024 * 1024 });
  const health = new HealthServer(cfg.healthAddr);
  health.addReadinessCheck('informers', () => {
    const missing = caches.notSynced();
    return readyUnless(missing.length === 0 ? undefined : `not synced: ${missing.join(', ')}`);
  });
  await health.start();

  const ctx: ManagerContext = {
    cfg,
    kubeConfig: kc,
    client,
    caches,
    health,
    events: new EventRecorder(client, { component: 'openelb-manager', host: cfg.nodeName }),
    writer: new ObjectWriter(client, 'openelb-manager'),
    seams,
  };
  const components = COMPONENTS.map((make) => make(ctx)).filter((c): c is Component => c !== undefined);
  const started: Component[] = [];
  // Handlers go in before any component starts: a signal during a slow start still shuts down cleanly.
  let stopping = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log.info('shutting down', { signal });
    new Timer(() => {
      log.error('shutdown timed out, exiting', { timeoutMs: cfg.shutdownTimeoutMs });
      process.exit(1);
    }).restart(cfg.shutdownTimeoutMs);
    health.setShuttingDown();
    for (const c of [...started].reverse()) {
      try {
        await c.stop();
      } catch (e) {
        log.error('component stop failed', {
          component: c.name,
          error: errorMessage(e),
        });
      }
    }
    await caches.stop();
    await health.close();
    log.info('stopped');
    process.exit(0);
  };
  installLastResort(health, log);
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  const startPhase = async (phase: Component['phase']): Promise<void> => {
    for (const c of components.filter((x) => x.phase === phase)) {
      if (stopping) return;
      started.push(c); // stop() must cope with a start cut short by a signal
      await c.start();
      log.info('component started', { component: c.name });
    }
  };
  await startPhase('early');
  caches.start();
  void caches.synced().then(() => log.info('all caches synced'));
  await startPhase('main');
}

/** Runs the manager with these flags; an embedding program (a test entry) may add its seams. */
export function main(argv: readonly string[], seams: ManagerSeams = {}): void {
  let parsed;
  try {
    parsed = parseConfig(argv);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`openelb-manager: ${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
  if (parsed.kind === 'help') {
    process.stdout.write(parsed.text);
    return;
  }
  if (parsed.kind === 'version') {
    process.stdout.write(`openelb-manager ${VERSION}\n`);
    return;
  }
  run(parsed.config, seams).catch((e: unknown) => {
    log.error('fatal', { error: errorMessage(e) });
    process.exit(1);
  });
}

/** Started as the program (`node src/main.ts`), not imported by an embedding one. */
function isProgram(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return pathToFileURL(realpathSync(script)).href === import.meta.url;
  } catch {
    return false;
  }
}

if (isProgram()) main(process.argv.slice(2));
