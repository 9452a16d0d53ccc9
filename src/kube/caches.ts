// The set of informers every replica runs (Eip, BgpConf, BgpPeer, Service, EndpointSlice, Node).
import type { KubeClient } from './client.ts';
import { Informer, type InformerOptions } from './informer.ts';
import { Resources } from './resources.ts';
import type { BgpConf, BgpPeer, Eip } from '../api/v1alpha2.ts';
import type { EndpointSlice, KubeObject, Node, Service } from './types.ts';

export interface Caches {
  readonly eips: Informer<Eip>;
  readonly bgpConfs: Informer<BgpConf>;
  readonly bgpPeers: Informer<BgpPeer>;
  readonly services: Informer<Service>;
  readonly endpointSlices: Informer<EndpointSlice>;
  readonly nodes: Informer<Node>;
  readonly all: readonly Informer<KubeObject>[];
  start(): void;
  stop(): Promise<void>;
  /** Resolves when every informer has completed its first list. */
  synced(): Promise<void>;
  /** Names of informers that have not synced yet (empty = all synced). */
  notSynced(): string[];
}

/** Entry checks per kind (see InformerOptions.admit): the BGP objects go to gobgpd, so they are judged on entry. */
export interface EntryChecks {
  bgpConf?: (obj: BgpConf) => string | undefined;
  bgpPeer?: (obj: BgpPeer) => string | undefined;
}

/** Options shared by every informer; per-kind selectors are not needed by the manager today. */
export function createCaches(
  client: KubeClient,
  opts: Omit<InformerOptions, 'namespace' | 'labelSelector' | 'fieldSelector' | 'name' | 'admit'> = {},
  checks: EntryChecks = {},
): Caches {
  const eips = new Informer<Eip>(client, Resources.Eip, opts);
  const bgpConfs = new Informer<BgpConf>(client, Resources.BgpConf, {
    ...opts,
    admit: checks.bgpConf as InformerOptions['admit'],
  });
  const bgpPeers = new Informer<BgpPeer>(client, Resources.BgpPeer, {
    ...opts,
    admit: checks.bgpPeer as InformerOptions['admit'],
  });
  const services = new Informer<Service>(client, Resources.Service, opts);
  const endpointSlices = new Informer<EndpointSlice>(client, Resources.EndpointSlice, opts);
  const nodes = new Informer<Node>(client, Resources.Node, opts);
  const all = [
    eips,
    bgpConfs,
    bgpPeers,
    services,
    endpointSlices,
    nodes,
  ] as unknown as readonly Informer<KubeObject>[];
  return {
    eips,
    bgpConfs,
    bgpPeers,
    services,
    endpointSlices,
    nodes,
    all,
    start: () => {
      for (const i of all) i.start();
    },
    stop: async () => {
      await Promise.all(all.map((i) => i.stop()));
    },
    synced: async () => {
      await Promise.all(all.map((i) => i.synced()));
    },
    notSynced: () => all.filter((i) => !i.hasSynced).map((i) => i.name),
  };
}
