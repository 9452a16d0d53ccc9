// In-memory Kubernetes API server double for tests: see test/kube/double/ for the parts.
import { existsSync, mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { KubeApi } from './double/api.ts';
import {
  endWatches,
  expireWatches,
  FaultState,
  resumeWatches,
  sendBookmarks,
  stallWatches,
  type RequestMatch,
} from './double/faults.ts';
import { writeKubeconfig } from './double/kubeconfig.ts';
import { applyDirs, applyObject, parseManifests } from './double/manifests.ts';
import type { Obj } from './double/json.ts';
import { handle } from './double/server.ts';

export type { RequestMatch } from './double/faults.ts';

export interface Faults {
  /** End every open watch stream cleanly (like a server-side timeout). */
  endWatches(): void;
  /** Destroy every open socket (like a crashed apiserver). */
  dropConnections(): void;
  /** "Compact": every RV older than now is too old; open watches get the 410 ERROR line, then end. */
  expireWatches(): void;
  /** Keep watch sockets open but deliver nothing (silent stall). */
  stallWatches(): void;
  /** Deliver again (events queued while stalled are delivered). */
  resumeWatches(): void;
  failNext(n: number, code: 409 | 429 | 500 | 503, match?: RequestMatch): void;
  delayNext(n: number, ms: number, match?: RequestMatch): void;
  /** "Restart": drop all connections and refuse new ones for ms; storage is kept. */
  refuseFor(ms: number): Promise<void>;
  /** BOOKMARK now on every watch that asked for allowWatchBookmarks=true. */
  sendBookmarks(): void;
}

export interface StartOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (any free port). */
  port?: number;
  /** Default [<repo>/deploy/crds] when it exists; every *.yaml in them is applied at start. */
  crdDirs?: string[];
  /** Default a file in a fresh tmp dir. */
  kubeconfigPath?: string;
  /** Default 10000. */
  eventLogSize?: number;
  /** Default 60000. */
  bookmarkIntervalMs?: number;
  /** Server-side watch timeout when the client sends no timeoutSeconds; default 1800. */
  watchTimeoutSeconds?: number;
  /** A deleted Namespace stays Terminating this long before it and its content go; default 500. */
  namespaceFinalizeMs?: number;
  /** Webhook services: `ns/name` (or `ns/name:port`) → `host:port` the double calls instead. */
  serviceHosts?: Record<string, string>;
}

export interface KubeDouble {
  readonly url: string;
  /** Accepted by kubectl AND client-node (kc.loadFromFile). */
  readonly kubeconfigPath: string;
  kubeConfig(): KubeConfig;
  readonly faults: Faults;
  /** Route webhook calls for Service ns/name[:port] to host:port (certificate must name name.ns.svc). */
  mapService(namespace: string, name: string, hostPort: string, port?: number): void;
  /** Create objects (YAML text or objects) as a client would; returns the created objects. */
  create(manifests: string | Obj | Obj[]): Promise<Obj[]>;
  /** Current global resourceVersion. */
  resourceVersion(): number;
  close(): Promise<void>;
}

const REPO = resolve(import.meta.dirname, '../..');

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((res, rej) => {
    server.once('error', rej);
    server.listen(port, host, () => {
      server.off('error', rej);
      res();
    });
  });
}

export async function startKubeDouble(opts: StartOptions = {}): Promise<KubeDouble> {
  const host = opts.host ?? '127.0.0.1';
  const api = new KubeApi({
    eventLogSize: opts.eventLogSize ?? 10000,
    bookmarkIntervalMs: opts.bookmarkIntervalMs ?? 60000,
    watchTimeoutSeconds: opts.watchTimeoutSeconds ?? 1800,
    namespaceFinalizeMs: opts.namespaceFinalizeMs ?? 500,
  });
  for (const [k, v] of Object.entries(opts.serviceHosts ?? {})) api.services.set(k, v);
  const defaultCrds = join(REPO, 'deploy', 'crds');
  await applyDirs(api, opts.crdDirs ?? (existsSync(defaultCrds) ? [defaultCrds] : []));

  const faultState = new FaultState();
  let address = '';
  const server = createServer({ keepAlive: true, requestTimeout: 0, headersTimeout: 60_000 }, (req, res) => {
    void handle(api, faultState, req, res, address);
  });
  server.on('connection', (s) => {
    faultState.sockets.add(s);
    s.on('close', () => faultState.sockets.delete(s));
  });
  await listen(server, opts.port ?? 0, host);
  const port = (server.address() as AddressInfo).port;
  address = `${host}:${port}`;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const kubeconfigPath =
    opts.kubeconfigPath ?? join(mkdtempSync(join(tmpdir(), 'kube-double-')), 'kubeconfig');
  writeKubeconfig(kubeconfigPath, url);

  let closed = false;
  const faults: Faults = {
    endWatches: () => endWatches(api),
    dropConnections: () => faultState.destroyAll(),
    expireWatches: () => expireWatches(api),
    stallWatches: () => stallWatches(api),
    resumeWatches: () => resumeWatches(api),
    failNext: (n, code, match) => faultState.add('fail', n, code, 0, match),
    delayNext: (n, ms, match) => faultState.add('delay', n, 0, ms, match),
    sendBookmarks: () => sendBookmarks(api),
    refuseFor: async (ms) => {
      const closing = new Promise<void>((res) => server.close(() => res()));
      faultState.destroyAll();
      await closing;
      await new Promise((res) => setTimeout(res, ms));
      if (!closed) await listen(server, port, host);
    },
  };

  return {
    url,
    kubeconfigPath,
    faults,
    kubeConfig: () => {
      const kc = new KubeConfig();
      kc.loadFromFile(kubeconfigPath);
      return kc;
    },
    mapService: (namespace, name, hostPort, svcPort) => {
      api.services.set(
        svcPort === undefined ? `${namespace}/${name}` : `${namespace}/${name}:${svcPort}`,
        hostPort,
      );
    },
    create: async (manifests) => {
      const objs =
        typeof manifests === 'string'
          ? parseManifests(manifests)
          : Array.isArray(manifests)
            ? manifests
            : [manifests];
      const out: Obj[] = [];
      for (const o of objs) out.push(await applyObject(api, o));
      return out;
    },
    resourceVersion: () => api.store.rv,
    close: async () => {
      if (closed) return;
      closed = true;
      for (const w of api.watches) w.end();
      const done = server.listening
        ? new Promise<void>((res) => server.close(() => res()))
        : Promise.resolve();
      faultState.destroyAll();
      await done;
    },
  };
}
