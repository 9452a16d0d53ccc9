// openelb-manager entry point: flags/env → config, wiring, and the shutdown order
// (readiness false → stop informers → close the health server → exit 0).
import { ConfigError, parseConfig, type ManagerConfig } from './config.ts';
import { createCaches, KubeClient, loadKubeConfig } from './kube/index.ts';
import { HealthServer } from './obs/health.ts';
import { logger, setLogLevel } from './obs/log.ts';
import { collectProcessMetrics } from './obs/metrics.ts';
import { VERSION } from './version.ts';

const log = logger('main');

async function run(cfg: ManagerConfig): Promise<void> {
  setLogLevel(cfg.logLevel);
  log.info('starting openelb-manager', { version: VERSION, node: cfg.nodeName, identity: cfg.podName, namespace: cfg.namespace });
  const kc = loadKubeConfig({ kubeconfigPath: cfg.kubeconfig, context: cfg.kubeContext });
  const client = new KubeClient(kc, { fieldManager: 'openelb-manager' });
  const caches = createCaches(client, {
    stallTimeoutMs: cfg.watchStallTimeoutMs,
    backoff: { initialMs: cfg.backoffInitialMs, maxMs: cfg.backoffMaxMs },
  });

  collectProcessMetrics();
  const health = new HealthServer(cfg.healthAddr);
  health.addReadinessCheck('informers', () => {
    const missing = caches.notSynced();
    return missing.length === 0 || `not synced: ${missing.join(', ')}`;
  });
  await health.start();
  caches.start();
  void caches.synced().then(() => log.info('all caches synced'));

  let stopping = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log.info('shutting down', { signal });
    const force = setTimeout(() => {
      log.error('shutdown timed out, exiting', { timeoutMs: cfg.shutdownTimeoutMs });
      process.exit(1);
    }, cfg.shutdownTimeoutMs);
    force.unref();
    health.setShuttingDown();
    await caches.stop();
    await health.close();
    log.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

function main(): void {
  let parsed;
  try {
    parsed = parseConfig(process.argv.slice(2));
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
  run(parsed.config).catch((e: unknown) => {
    log.error('fatal', { error: e instanceof Error ? e.message : String(e) });
    process.exit(1);
  });
}

main();
