// Where the contract suite runs: the in-memory double (default) or the cluster named by
// KUBE_CONTRACT_KUBECONFIG. Against a real cluster it applies deploy/crds/ itself and creates (and
// later deletes) only objects whose names carry this run's unique prefix, in its own namespace.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KubeConfig } from '@kubernetes/client-node';
import yaml from 'js-yaml';
import { KubeClient } from '../../../src/kube/client.ts';
import { isAlreadyExists, isNotFound } from '../../../src/kube/errors.ts';
import { Resources, type ResourceRef } from '../../../src/kube/resources.ts';
import type { KubeObject } from '../../../src/kube/types.ts';

export const CRD_DIR = fileURLToPath(new URL('../../../deploy/crds', import.meta.url));

export interface Target {
  readonly kc: KubeConfig;
  readonly client: KubeClient;
  readonly isDouble: boolean;
  /** Unique per run: prefix every cluster-scoped name with it. */
  readonly prefix: string;
  /** A namespace created for this run. */
  readonly ns: string;
  /** Remember an object for cleanup (cluster-scoped ones; the namespace takes the rest). */
  track(ref: ResourceRef, name: string, namespace?: string): void;
  close(): Promise<void>;
}

const CRD_REF: ResourceRef = {
  group: 'apiextensions.k8s.io',
  version: 'v1',
  kind: 'CustomResourceDefinition',
  plural: 'customresourcedefinitions',
  namespaced: false,
  hasStatus: true,
};

async function applyCrds(client: KubeClient): Promise<void> {
  for (const f of readdirSync(CRD_DIR).filter((n) => n.endsWith('.yaml') || n.endsWith('.yml'))) {
    for (const doc of yaml.loadAll(readFileSync(join(CRD_DIR, f), 'utf8'))) {
      if (!doc || typeof doc !== 'object') continue;
      const crd = doc as KubeObject;
      try {
        await client.create(CRD_REF, crd);
      } catch (e) {
        if (!isAlreadyExists(e)) throw e;
        const cur = await client.get<KubeObject>(CRD_REF, crd.metadata.name);
        await client.replace(CRD_REF, {
          ...crd,
          metadata: { ...crd.metadata, resourceVersion: cur.metadata.resourceVersion },
        });
      }
    }
  }
  // A new CRD is served within a few seconds.
  const end = Date.now() + 30_000;
  for (const r of [Resources.Eip, Resources.BgpConf, Resources.BgpPeer]) {
    for (;;) {
      try {
        await client.list(r, { limit: 1 });
        break;
      } catch (e) {
        if (Date.now() > end) throw e;
        await new Promise((res) => setTimeout(res, 250));
      }
    }
  }
}

export async function openTarget(): Promise<Target> {
  const file = process.env.KUBE_CONTRACT_KUBECONFIG;
  const prefix = `ct-${process.pid}-${Math.random().toString(36).slice(2, 7)}`;
  const tracked: { ref: ResourceRef; name: string; namespace?: string }[] = [];
  let kc: KubeConfig;
  let closeDouble: (() => Promise<void>) | undefined;
  if (file) {
    kc = new KubeConfig();
    kc.loadFromFile(file);
  } else {
    const { startKubeDouble } = await import('../double.ts');
    const dbl = await startKubeDouble({ crdDirs: [CRD_DIR], bookmarkIntervalMs: 200 });
    kc = dbl.kubeConfig();
    closeDouble = () => dbl.close();
  }
  const client = new KubeClient(kc, { fieldManager: 'openelb-contract' });
  if (file) await applyCrds(client);
  const ns = prefix;
  await client.create(Resources.Namespace, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  return {
    kc,
    client,
    isDouble: !file,
    prefix,
    ns,
    track: (ref, name, namespace) => {
      tracked.push({ ref, name, namespace });
    },
    close: async () => {
      for (const t of tracked.reverse()) {
        try {
          await client.patch(t.ref, t.name, t.namespace, { metadata: { finalizers: null } }, 'merge');
        } catch {
          /* gone already */
        }
        try {
          await client.delete(t.ref, t.name, t.namespace);
        } catch (e) {
          if (!isNotFound(e))
            process.stderr.write(`contract cleanup: ${t.ref.kind} ${t.name}: ${String(e)}\n`);
        }
      }
      try {
        await client.delete(Resources.Namespace, ns);
      } catch {
        /* ignore */
      }
      await closeDouble?.();
    },
  };
}
