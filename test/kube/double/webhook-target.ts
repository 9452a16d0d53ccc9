// Resolve a webhook clientConfig ({url} or {service}) to a URL the double can reach.
import { isObj, str, type Obj } from './json.ts';
import { decodeCaBundle } from './tls-client.ts';

export interface Target {
  url: string;
  /** URL as the real apiserver would print it in errors. */
  display: string;
  serverName?: string;
  caBundle?: string;
}

/** `ns/name` (optionally `ns/name:port`) → `host:port`. */
export type ServiceMap = Map<string, string>;

/** Answers whether a Service object exists (to tell "not found" from "no endpoints"). */
export type ServiceExists = (namespace: string, name: string) => boolean;

export function resolveTarget(clientConfig: unknown, services: ServiceMap, timeoutSeconds: number, exists?: ServiceExists): Target {
  const cc: Obj = isObj(clientConfig) ? clientConfig : {};
  const caBundle = decodeCaBundle(cc.caBundle);
  const url = str(cc.url);
  if (url) {
    const t: Target = { url, display: url };
    if (caBundle) t.caBundle = caBundle;
    return t;
  }
  const svc = isObj(cc.service) ? cc.service : {};
  const ns = str(svc.namespace) ?? 'default';
  const name = str(svc.name) ?? '';
  const port = typeof svc.port === 'number' ? svc.port : 443;
  const path = str(svc.path) ?? '';
  const hostPort = services.get(`${ns}/${name}:${port}`) ?? services.get(`${ns}/${name}`);
  const display = `https://${name}.${ns}.svc:${port}${path}?timeout=${timeoutSeconds}s`;
  if (!hostPort) {
    const why = exists?.(ns, name) ? `no endpoints available for service "${name}"` : `service "${name}" not found`;
    throw new Error(`failed to call webhook: Post "${display}": ${why}`);
  }
  const t: Target = { url: `https://${hostPort}${path}?timeout=${timeoutSeconds}s`, display, serverName: `${name}.${ns}.svc` };
  if (caBundle) t.caBundle = caBundle;
  return t;
}
