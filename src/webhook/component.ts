// The webhook as a manager component: 'early', so it answers admission and conversion calls while
// the informers are still syncing (the API server would otherwise wait on us while we wait on it).
import type { Component, ComponentFactory } from '../manager/component.ts';
import { startWebhook, type WebhookHandle } from './index.ts';
import { readyUnless } from '../obs/health.ts';

export const webhookComponent: ComponentFactory = (ctx) => {
  if (!ctx.cfg.enableWebhook) return undefined;
  let handle: WebhookHandle | undefined;
  const abort = new AbortController();
  const component: Component = {
    name: 'webhook',
    phase: 'early',
    async start() {
      ctx.health.addReadinessCheck('webhook', () =>
        readyUnless(handle?.ready() === true ? undefined : 'webhook certificate not in place yet'),
      );
      // startWebhook waits for its certificate, retrying until the API server answers; the
      // manager must not block on that, so it runs in the background.
      void startWebhook({
        kubeConfig: ctx.kubeConfig,
        namespace: ctx.cfg.namespace,
        addr: ctx.cfg.webhookAddr,
        eipCache: () => ctx.caches.eips,
        bgpConfCache: () => ctx.caches.bgpConfs,
        bgpPeerCache: () => ctx.caches.bgpPeers,
        nodeCache: () => ctx.caches.nodes,
        signal: abort.signal,
      })
        .then((h) => {
          handle = h;
        })
        .catch(() => {
          // aborted on shutdown; other failures are logged by the webhook itself
        });
    },
    async stop() {
      abort.abort();
      await handle?.close();
    },
  };
  return component;
};
