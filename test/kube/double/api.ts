// Shared state of one double: registry, storage, admission, open watches, options.
import { convertObjects } from './conversion.ts';
import { makeAdmission, type Admission } from './admission.ts';
import { clone, isObj, type Obj } from './json.ts';
import { Registry } from './registry.ts';
import { apiVersion, resourceKey, type ResourceDef } from './resource.ts';
import { Store } from './store.ts';
import type { WatchStream } from './watch-stream.ts';
import { makeServiceResolver, type ServiceMap, type ServiceResolver } from './service-resolver.ts';

export interface ApiOptions {
  eventLogSize: number;
  bookmarkIntervalMs: number;
  watchTimeoutSeconds: number;
  /** How long a deleted Namespace stays Terminating before it and its content go. */
  namespaceFinalizeMs: number;
}

export class KubeApi {
  readonly registry = new Registry();
  readonly store: Store;
  /** mapService() overrides: Service → a fixed host:port, ahead of its EndpointSlices. */
  readonly services: ServiceMap = new Map();
  /** Webhook Service → host:port, as kube-apiserver resolves it. */
  readonly resolveService: ServiceResolver;
  readonly admission: Admission;
  readonly watches = new Set<WatchStream>();
  readonly opts: ApiOptions;
  /** Set by faults.stallWatches(); new watches start stalled too. */
  stalled = false;

  constructor(opts: ApiOptions) {
    this.opts = opts;
    this.store = new Store(opts.eventLogSize);
    this.resolveService = makeServiceResolver(this.store, this.services);
    this.admission = makeAdmission(this.store, this.resolveService, (def, objs, version) =>
      this.toVersion(def, objs, version),
    );
    this.store.write('/namespaces', 'ADDED', namespaceObj('default'));
    this.store.write('/namespaces', 'ADDED', namespaceObj('kube-system'));
    this.store.write('/namespaces', 'ADDED', namespaceObj('kube-public'));
    this.store.write('/namespaces', 'ADDED', namespaceObj('kube-node-lease'));
    this.store.write('/services', 'ADDED', kubernetesService());
  }

  key(def: ResourceDef): string {
    return resourceKey(def);
  }

  /** Stored objects → the requested version (webhook conversion for CRDs that ask for it). */
  async toVersion(def: ResourceDef, objs: Obj[], version: string): Promise<Obj[]> {
    return convertObjects(def, objs, version, this.resolveService);
  }

  async toStorage(def: ResourceDef, obj: Obj): Promise<Obj> {
    const storage = def.versions.find((v) => v.storage)?.name ?? def.versions[0]?.name ?? 'v1';
    const [out] = await this.toVersion(def, [obj], storage);
    return out ?? obj;
  }

  /** A list item as served: built-ins without kind/apiVersion, custom resources with them. */
  listItem(def: ResourceDef, obj: Obj): Obj {
    if (!def.builtin) return obj;
    const o = clone(obj);
    delete o.kind;
    delete o.apiVersion;
    return o;
  }

  withTypeMeta(def: ResourceDef, version: string, obj: Obj): Obj {
    return { apiVersion: apiVersion(def.group, version), kind: def.kind, ...stripTypeMeta(obj) };
  }
}

function stripTypeMeta(o: Obj): Obj {
  const c = { ...o };
  delete c.apiVersion;
  delete c.kind;
  return c;
}

function namespaceObj(name: string): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name,
      uid: crypto.randomUUID(),
      creationTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      labels: { 'kubernetes.io/metadata.name': name },
    },
    spec: { finalizers: ['kubernetes'] },
    status: { phase: 'Active' },
  };
}

function kubernetesService(): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: 'kubernetes',
      namespace: 'default',
      uid: crypto.randomUUID(),
      creationTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      labels: { component: 'apiserver', provider: 'kubernetes' },
    },
    spec: {
      type: 'ClusterIP',
      clusterIP: '10.96.0.1',
      clusterIPs: ['10.96.0.1'],
      ipFamilies: ['IPv4'],
      ipFamilyPolicy: 'SingleStack',
      internalTrafficPolicy: 'Cluster',
      sessionAffinity: 'None',
      ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }],
    },
    status: { loadBalancer: {} },
  };
}

export function isNamespaceDef(def: ResourceDef): boolean {
  return def.group === '' && def.plural === 'namespaces';
}

export function metaOf(o: Obj): Obj {
  if (!isObj(o.metadata)) o.metadata = {};
  return o.metadata as Obj;
}
