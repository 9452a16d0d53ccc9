// Parse resource URLs: /api/v1/... and /apis/G/V/... (namespaced, cluster-wide, subresources).

export interface ResourcePath {
  group: string;
  version: string;
  plural: string;
  namespace?: string;
  name?: string;
  subresource?: string;
}

export type ParsedPath =
  | { type: 'resource'; path: ResourcePath }
  | { type: 'discovery'; group?: string; version?: string; legacy: boolean }
  | { type: 'openapi'; rest: string }
  | { type: 'version' }
  | { type: 'health' }
  | { type: 'unknown' };

export function parsePath(pathname: string): ParsedPath {
  const segs = pathname
    .split('/')
    .filter((s) => s !== '')
    .map(decodeURIComponent);
  const [head] = segs;
  if (head === 'version') return { type: 'version' };
  if (head === 'healthz' || head === 'readyz' || head === 'livez') return { type: 'health' };
  if (head === 'openapi') return { type: 'openapi', rest: segs.slice(1).join('/') };
  let group: string;
  let version: string | undefined;
  let rest: string[];
  if (head === 'api') {
    group = '';
    version = segs[1];
    rest = segs.slice(2);
    if (version === undefined) return { type: 'discovery', legacy: true };
  } else if (head === 'apis') {
    if (segs[1] === undefined) return { type: 'discovery', legacy: false };
    group = segs[1];
    version = segs[2];
    rest = segs.slice(3);
    if (version === undefined) return { type: 'discovery', group, legacy: false };
  } else return { type: 'unknown' };
  if (rest.length === 0) return { type: 'discovery', group, version, legacy: group === '' };
  let namespace: string | undefined;
  // namespaces/NS/<resource>... is a namespaced path; namespaces/NS[/status|/finalize] is the Namespace itself
  if (rest[0] === 'namespaces' && rest.length >= 3 && rest[2] !== 'status' && rest[2] !== 'finalize') {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [plural, name, subresource] = rest;
  if (plural === undefined || rest.length > 3) return { type: 'unknown' };
  const path: ResourcePath = { group, version, plural };
  if (namespace !== undefined) path.namespace = namespace;
  if (name !== undefined) path.name = name;
  if (subresource !== undefined) path.subresource = subresource;
  return { type: 'resource', path };
}
