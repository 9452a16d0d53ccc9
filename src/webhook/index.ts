// Entry point main.ts calls: the certificate first (Secret in the manager's namespace; only the API
// server is needed, never our own webhook), then the HTTPS server, then periodic rotation. Eip,
// BgpConf and BgpPeer lookups read the informer cache once it has synced and GET/LIST through the
// client before that, so the server never waits for the caches (which may themselves wait for
// conversion through this server).
import { HttpMethod, type KubeConfig } from '@kubernetes/client-node';
import { BGPCONF_DEFAULT_NAME, WEBHOOK_SERVICE } from '../api/names.ts';
import { Backoff, sleep } from '../core/backoff.ts';
import { KubeClient } from '../kube/client.ts';
import { KubeApiError, errorMessage } from '../kube/errors.ts';
import { Resources, resourcePath } from '../kube/resources.ts';
import { logger, type Logger } from '../obs/log.ts';
import { DEFAULT_CRD_NAMES, DEFAULT_WEBHOOK_CONFIG } from './cabundle.ts';
import { DEFAULT_SECRET_NAME, type CertMaterial } from './certs.ts';
import { CertRotator } from './rotation.ts';
import { WebhookServer } from './server.ts';
import type { BgpConfLike, BgpPeerLike, EipLike, NodeAddressesLike } from '../api/rules/index.ts';
import { OpenelbError } from '../core/errors.ts';

export type { CertMaterial } from './certs.ts';

/** What the Eip checks need from an informer (Informer<Eip> fits). */
export interface EipCache {
  readonly hasSynced: boolean;
  list(): readonly EipLike[];
}

/** What the BgpConf / BgpPeer cross-checks need from an informer (Informer<BgpConf>, Informer<BgpPeer> fit). */
export interface NamedCache<T> {
  readonly hasSynced: boolean;
  get(name: string): T | undefined;
  list(): readonly T[];
}

/**
 * Deadline for the BgpConf / BgpPeer reads during admission: short, because their only use is an
 * extra check (a failure allows the object with a warning) and the API server gives us 10 s in all.
 */
const CROSS_CHECK_TIMEOUT_MS = 3000;

export interface StartWebhookOptions {
  kubeConfig: KubeConfig;
  /** The manager's namespace: the certificate Secret lives here. */
  namespace: string;
  /** `host:port`, `:port` (every address), `[v6]:port`, or config's {host, port} (host '' = every address). Default `:9443`. */
  addr?: string | { host: string; port: number };
  /** The Eip informer once it exists; before it has synced, Eips are LISTed through the client. */
  eipCache?: () => EipCache | undefined;
  /** The BgpConf informer once it exists (BgpPeer iBGP checks); before it has synced, a GET. */
  bgpConfCache?: () => NamedCache<BgpConfLike> | undefined;
  /** The BgpPeer informer once it exists (BgpConf AS-change warnings); before it has synced, a LIST. */
  bgpPeerCache?: () => NamedCache<BgpPeerLike> | undefined;
  /** The Node informer once it exists (Eips covering node addresses); before it has synced, a LIST. */
  nodeCache?: () => NamedCache<NodeAddressesLike> | undefined;
  /** Service the API server calls; default openelb-webhook in `namespace`. */
  serviceName?: string;
  serviceNamespace?: string;
  secretName?: string;
  /** ValidatingWebhookConfiguration whose webhooks get the caBundle. Default openelb-admission. */
  webhookConfigName?: string;
  /** CRDs whose conversion webhook gets the caBundle (when their strategy is Webhook). */
  crdNames?: readonly string[];
  /** Default 10 minutes. */
  checkIntervalMs?: number;
  caValidityMs?: number;
  certValidityMs?: number;
  now?: () => Date;
  /** Default: a client on kubeConfig. */
  client?: KubeClient;
  log?: Logger;
  /** Aborts the start (while waiting for the API server) and, later, nothing: use close(). */
  signal?: AbortSignal;
}

export interface WebhookHandle {
  /** Stops rotation and the server (open requests get up to 2 s). */
  close(): Promise<void>;
  /** Serving a certificate whose CA the webhook configuration and CRDs carry. */
  ready(): boolean;
  /** The bound port (useful with port 0). */
  readonly port: number;
  /** The material being served. */
  certificate(): CertMaterial | undefined;
  /** Run a certificate/caBundle pass now. */
  resync(): Promise<void>;
}

export function parseAddr(addr: string): { host: string | undefined; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*))?:(\d+)$/.exec(addr) ?? /^()()(\d+)$/.exec(addr);
  const port = Number(m?.[3]);
  if (!m || !Number.isInteger(port) || port < 0 || port > 65535)
    throw new OpenelbError(
      'OE_WEBHOOK_ADDRESS',
      `webhook address ${JSON.stringify(addr)}: expected host:port, :port or [ipv6]:port`,
      { context: { address: addr } },
    );
  const host = m[1] ?? m[2];
  return { host: host === '' || host === undefined ? undefined : host, port };
}

/**
 * Obtains the certificate (retrying until the API server answers or close() is called), starts the
 * HTTPS server, and keeps certificate and caBundle current. Rejects on a bind error, or when closed
 * before it could start.
 */
export async function startWebhook(o: StartWebhookOptions): Promise<WebhookHandle> {
  const log = o.log ?? logger('webhook');
  const { host, port } =
    typeof o.addr === 'object'
      ? { host: o.addr.host || undefined, port: o.addr.port }
      : parseAddr(o.addr ?? ':9443');
  const client =
    o.client ?? new KubeClient(o.kubeConfig, { fieldManager: 'openelb-manager', requestTimeoutMs: 10_000 });
  const svc = o.serviceName ?? WEBHOOK_SERVICE;
  const svcNs = o.serviceNamespace ?? o.namespace;
  const closing = new AbortController();
  o.signal?.addEventListener('abort', () => closing.abort(), { once: true });
  // Until the server exists the newest certificate waits here; afterwards it goes straight in.
  let pending: CertMaterial | undefined;
  let load = (m: CertMaterial): void => {
    pending = m;
  };

  const rotator = new CertRotator({
    client,
    namespace: o.namespace,
    secretName: o.secretName ?? DEFAULT_SECRET_NAME,
    policy: {
      dnsNames: [`${svc}.${svcNs}.svc`, `${svc}.${svcNs}.svc.cluster.local`],
      ...(o.caValidityMs !== undefined ? { caValidityMs: o.caValidityMs } : {}),
      ...(o.certValidityMs !== undefined ? { certValidityMs: o.certValidityMs } : {}),
    },
    targets: {
      webhookConfigName: o.webhookConfigName ?? DEFAULT_WEBHOOK_CONFIG,
      crdNames: o.crdNames ?? DEFAULT_CRD_NAMES,
    },
    onCertificate: (m) => load(m),
    ...(o.now ? { now: o.now } : {}),
    ...(o.checkIntervalMs !== undefined ? { checkIntervalMs: o.checkIntervalMs } : {}),
    log,
  });

  // First pass: retry until there is a certificate; a caBundle failure does not stop the start.
  const retry = new Backoff({ initialMs: 500, maxMs: 30_000, jitter: 0 });
  while (rotator.current === undefined) {
    if (closing.signal.aborted)
      throw new OpenelbError('OE_WEBHOOK_ABORTED', 'webhook start aborted before a certificate was obtained');
    try {
      await rotator.sync();
    } catch (e) {
      if (rotator.current !== undefined) {
        log.warn('caBundle not patched yet; will retry', { error: errorMessage(e) });
        break;
      }
      const delay = retry.next();
      log.warn('cannot obtain the webhook certificate yet; retrying', {
        error: errorMessage(e),
        retryInMs: delay,
      });
      await sleep(delay, closing.signal);
    }
  }
  const first = pending ?? rotator.current;
  if (!first) throw new OpenelbError('OE_INTERNAL', 'internal: no certificate after the first pass');

  const eips = async (): Promise<readonly EipLike[]> => {
    const cache = o.eipCache?.();
    if (cache?.hasSynced) return cache.list();
    // Bounded well inside the API server's 10 s webhook timeout, so a slow LIST becomes a clear denial.
    return (
      await client.list<EipLike & { apiVersion: string; kind: string }>(Resources.Eip, {
        limit: 0,
        signal: AbortSignal.timeout(5000),
      })
    ).items;
  };
  const bgpConf = async (): Promise<BgpConfLike | undefined> => {
    const cache = o.bgpConfCache?.();
    if (cache?.hasSynced) return cache.get(BGPCONF_DEFAULT_NAME);
    try {
      const path = resourcePath(Resources.BgpConf, { name: BGPCONF_DEFAULT_NAME });
      return await client.request<BgpConfLike>(HttpMethod.GET, path, { timeoutMs: CROSS_CHECK_TIMEOUT_MS });
    } catch (e) {
      if (e instanceof KubeApiError && e.httpStatus === 404) return undefined;
      throw e;
    }
  };
  const bgpPeers = async (): Promise<readonly BgpPeerLike[]> => {
    const cache = o.bgpPeerCache?.();
    if (cache?.hasSynced) return cache.list();
    return (
      await client.list<BgpPeerLike & { apiVersion: string; kind: string }>(Resources.BgpPeer, {
        limit: 0,
        signal: AbortSignal.timeout(CROSS_CHECK_TIMEOUT_MS),
      })
    ).items;
  };
  const nodes = async (): Promise<readonly NodeAddressesLike[]> => {
    const cache = o.nodeCache?.();
    if (cache?.hasSynced) return cache.list();
    return (
      await client.list<NodeAddressesLike & { apiVersion: string; kind: string }>(Resources.Node, {
        limit: 0,
        signal: AbortSignal.timeout(CROSS_CHECK_TIMEOUT_MS),
      })
    ).items;
  };
  const srv = new WebhookServer({
    ...(host !== undefined ? { host } : {}),
    port,
    tls: first,
    eips,
    bgpConf,
    bgpPeers,
    nodes,
    log,
  });
  await srv.listen();
  load = (m) => srv.setCertificate(m);
  if (pending && pending.cert !== first.cert) srv.setCertificate(pending);
  log.info('webhook serving', { host: host ?? '*', port: srv.port, service: `${svc}.${svcNs}.svc` });
  rotator.start();

  return {
    port: srv.port,
    ready: () => srv.listening && rotator.ready,
    certificate: () => rotator.current,
    resync: () => rotator.sync(),
    close: async () => {
      closing.abort();
      rotator.stop();
      await srv.close();
    },
  };
}
