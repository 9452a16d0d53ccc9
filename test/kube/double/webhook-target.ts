// Resolve a webhook clientConfig ({url} or {service}) to a URL the double can reach.
import { isObj, str, type Obj } from './json.ts';
import type { ServiceResolver } from './service-resolver.ts';
import { decodeCaBundle } from './tls-client.ts';

export interface Target {
  url: string;
  /** URL as the real apiserver would print it in errors. */
  display: string;
  serverName?: string;
  caBundle?: string;
}

export function resolveTarget(
  clientConfig: unknown,
  resolve: ServiceResolver,
  timeoutSeconds: number,
): Target {
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
  const display = `https://${name}.${ns}.svc:${port}${path}?timeout=${timeoutSeconds}s`;
  let hostPort: string;
  try {
    hostPort = resolve(ns, name, port);
  } catch (e) {
    throw new Error(`failed to call webhook: Post "${display}": ${(e as Error).message}`, { cause: e });
  }
  // the certificate must name the Service (name.ns.svc), whichever endpoint answers
  const t: Target = {
    url: `https://${hostPort}${path}?timeout=${timeoutSeconds}s`,
    display,
    serverName: `${name}.${ns}.svc`,
  };
  if (caBundle) t.caBundle = caBundle;
  return t;
}
