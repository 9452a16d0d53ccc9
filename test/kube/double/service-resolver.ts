// A webhook's `service: {namespace, name, port}` → the `host:port` to call, the way kube-apiserver
// finds it: the Service and its port of that number, then the EndpointSlices labelled
// kubernetes.io/service-name=<name> in its namespace, then a ready endpoint (chosen at random, as
// kube-proxy would) on the slice port that carries the Service port's name. Whoever runs the
// webhook's processes publishes those slices (in a cluster the EndpointSlice controller does, from
// the pods). Entries of mapService() take precedence: tests that run a webhook in-process use them.
import { isObj, str, strMap, type Obj } from './json.ts';
import type { Store } from './store.ts';

/** `ns/name` (optionally `ns/name:port`) → `host:port`. */
export type ServiceMap = Map<string, string>;

/** `host:port` for Service ns/name port, or throws an Error whose message is the apiserver's reason. */
export type ServiceResolver = (namespace: string, name: string, port: number) => string;

const SERVICES = '/services';
const SLICES = 'discovery.k8s.io/endpointslices';
const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

function objs(v: unknown): Obj[] {
  return Array.isArray(v) ? v.filter(isObj) : [];
}

function hostPort(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/** Every ready address of the slices of Service ns/name, on the port named `portName`. */
export function readyEndpoints(store: Store, namespace: string, name: string, portName: string): string[] {
  const out: string[] = [];
  for (const slice of store.list(SLICES, namespace)) {
    if (strMap(isObj(slice.metadata) ? slice.metadata.labels : undefined)[SERVICE_NAME_LABEL] !== name)
      continue;
    const port = objs(slice.ports).find((p) => (str(p.name) ?? '') === portName);
    if (!port || typeof port.port !== 'number') continue;
    for (const ep of objs(slice.endpoints)) {
      // an absent ready condition means ready (discovery.k8s.io/v1)
      if (isObj(ep.conditions) && ep.conditions.ready === false) continue;
      const address = Array.isArray(ep.addresses) ? str(ep.addresses[0]) : undefined;
      if (address) out.push(hostPort(address, port.port));
    }
  }
  return out;
}

export function makeServiceResolver(store: Store, overrides: ServiceMap): ServiceResolver {
  return (namespace, name, port) => {
    const mapped = overrides.get(`${namespace}/${name}:${port}`) ?? overrides.get(`${namespace}/${name}`);
    if (mapped) return mapped;
    const svc = store.get(SERVICES, namespace, name);
    if (!svc) throw new Error(`service "${name}" not found`);
    const spec = isObj(svc.spec) ? svc.spec : {};
    const type = str(spec.type) ?? 'ClusterIP';
    if (!['ClusterIP', 'NodePort', 'LoadBalancer'].includes(type))
      throw new Error(`unsupported service type "${type}"`);
    const svcPort = objs(spec.ports).find((p) => p.port === port);
    if (!svcPort) throw new Error(`no service port ${port} found for service "${name}"`);
    const ready = readyEndpoints(store, namespace, name, str(svcPort.name) ?? '');
    const pick = ready[Math.floor(Math.random() * ready.length)];
    if (pick === undefined) throw new Error(`no endpoints available for service "${name}"`);
    return pick;
  };
}
