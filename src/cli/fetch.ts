// What the plugin reads from the API server, with errors that say what is missing: the cluster (cannot
// connect), a CRD (the kind is not served), a Service (not found), or the permission to read.
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { WEBHOOK_SERVICE } from '../api/names.ts';
import type { BgpPeer, Eip } from '../api/v1alpha2.ts';
import { OpenelbError, errorMessage } from '../core/errors.ts';
import { isKubeApiError, KubeClient, loadKubeConfig, Resources, type ResourceRef } from '../kube/index.ts';
import type { EndpointSlice, KubeObject, Lease, Service } from '../kube/types.ts';
import { REPLICA_LABEL } from '../layer2/speaker/lease-io.ts';
import { VERSION } from '../version.ts';

export interface Connection {
  client: KubeClient;
  /** The context's namespace, else "default" (what kubectl uses without -n). */
  namespace: string;
  context: string;
}

export function connect(o: { kubeconfig?: string; context?: string; inCluster: boolean }): Connection {
  const path = o.kubeconfig ?? (o.inCluster ? undefined : join(homedir(), '.kube', 'config'));
  let kc: KubeConfig;
  try {
    kc = loadKubeConfig({ ...(path !== undefined ? { kubeconfigPath: path } : {}), inCluster: o.inCluster });
  } catch (e) {
    throw new OpenelbError(
      'OE_CLI_KUBECONFIG',
      `no cluster to talk to: ${errorMessage(e)} (set KUBECONFIG or pass --kubeconfig)`,
      { cause: e, context: { path } },
    );
  }
  if (o.context !== undefined) {
    if (!kc.getContexts().some((c) => c.name === o.context))
      throw new OpenelbError(
        'OE_CLI_CONTEXT',
        `context ${JSON.stringify(o.context)} does not exist in kubeconfig ${path ?? '(in-cluster)'}`,
        { context: { path, context: o.context } },
      );
    kc.setCurrentContext(o.context);
  }
  const context = kc.getCurrentContext();
  const namespace = kc.getContextObject(context)?.namespace || 'default';
  const client = new KubeClient(kc, {
    userAgent: `kubectl-openelb/${VERSION}`,
    fieldManager: 'kubectl-openelb',
    requestTimeoutMs: 15_000,
  });
  return { client, namespace, context };
}

function resourceName(r: ResourceRef): string {
  return r.group === '' ? r.plural : `${r.plural}.${r.group}`;
}

/** Turns a failed read into an error that names what is missing. */
function explain(e: unknown, c: Connection, r: ResourceRef, what: string): OpenelbError {
  const server = (() => {
    try {
      return c.client.server;
    } catch {
      return '(no server)';
    }
  })();
  const ctx = { resource: resourceName(r), server, context: c.context };
  if (isKubeApiError(e)) {
    if (e.httpStatus === 404 && r.group !== '')
      return new OpenelbError(
        'OE_CLI_CRD_MISSING',
        `${resourceName(r)} is not served by ${server}: the ${r.kind} CRD is not installed (apply deploy/crds/ or install the chart)`,
        { cause: e, context: ctx },
      );
    if (e.httpStatus === 401 || e.httpStatus === 403)
      return new OpenelbError(
        'OE_CLI_FORBIDDEN',
        `not allowed to ${what} (${resourceName(r)}) as context ${c.context}: ${e.reason}`,
        { cause: e, context: ctx },
      );
    return new OpenelbError('OE_CLI_READ', `cannot ${what}: ${e.message}`, { cause: e, context: ctx });
  }
  return new OpenelbError(
    'OE_CLI_UNREACHABLE',
    `cannot reach the Kubernetes API server ${server} (context ${c.context}) to ${what}: ${errorMessage(e)}`,
    { cause: e, context: ctx },
  );
}

async function listAll<T extends KubeObject>(
  c: Connection,
  r: ResourceRef,
  what: string,
  opts: { namespace?: string; labelSelector?: string } = {},
): Promise<T[]> {
  try {
    return (await c.client.list<T>(r, opts)).items;
  } catch (e) {
    throw explain(e, c, r, what);
  }
}

export function listEips(c: Connection): Promise<Eip[]> {
  return listAll<Eip>(c, Resources.Eip, 'list Eips');
}

export function listBgpPeers(c: Connection): Promise<BgpPeer[]> {
  return listAll<BgpPeer>(c, Resources.BgpPeer, 'list BgpPeers');
}

/** The Layer 2 replica Leases, wherever the manager runs (every namespace, by their label). */
export function listReplicaLeases(c: Connection): Promise<Lease[]> {
  return listAll<Lease>(c, Resources.Lease, 'list the Layer 2 replica Leases', {
    labelSelector: REPLICA_LABEL,
  });
}

/**
 * The nodes where a manager replica runs and serves: the endpoints of the managers' webhook Service
 * (every replica serves the webhook; the Service publishes not-ready pods too, so `serving` is what
 * follows the pod's readiness). Undefined when no such endpoints exist (not installed that way, or a
 * lab without them): then nothing is judged.
 */
export async function listManagerNodes(c: Connection): Promise<Set<string> | undefined> {
  const slices = await listAll<EndpointSlice>(c, Resources.EndpointSlice, "list the managers' endpoints", {
    labelSelector: `kubernetes.io/service-name=${WEBHOOK_SERVICE}`,
  });
  if (slices.length === 0) return undefined;
  const nodes = new Set<string>();
  for (const s of slices)
    for (const e of s.endpoints ?? []) {
      const serving = e.conditions?.serving ?? e.conditions?.ready ?? true;
      if (serving && e.nodeName) nodes.add(e.nodeName);
    }
  return nodes;
}

/** LoadBalancer candidates: one Service by name (must exist), or all in a namespace (undefined: all). */
export async function readServices(c: Connection, namespace?: string, name?: string): Promise<Service[]> {
  if (name === undefined)
    return listAll<Service>(c, Resources.Service, `list Services`, namespace ? { namespace } : {});
  let svc: Service | undefined;
  try {
    svc = await c.client.getOrUndefined<Service>(Resources.Service, name, namespace);
  } catch (e) {
    throw explain(e, c, Resources.Service, `read Service ${namespace}/${name}`);
  }
  if (svc === undefined)
    throw new OpenelbError(
      'OE_CLI_NO_SERVICE',
      `Service ${JSON.stringify(name)} not found in namespace ${JSON.stringify(namespace)}`,
      { context: { namespace, name } },
    );
  if (svc.spec.type !== 'LoadBalancer')
    throw new OpenelbError(
      'OE_CLI_NOT_LOADBALANCER',
      `Service ${namespace}/${name} is of type ${svc.spec.type ?? 'ClusterIP'}, not LoadBalancer: openelb-ts gives it no address`,
      { context: { namespace, name } },
    );
  return [svc];
}
