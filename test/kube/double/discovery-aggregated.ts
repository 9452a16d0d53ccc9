// Aggregated discovery (apidiscovery.k8s.io v2, and v2beta1 for 1.26–1.29 clients): /api and /apis
// answer every group, version and resource in one document when the client asks for it in Accept, as
// kubectl ≥ 1.26 does first. A client that asks only for application/json gets the legacy documents.
import type { Obj } from './json.ts';
import type { Registry } from './registry.ts';
import { SCALE_KIND } from './scale.ts';

const GROUP = 'apidiscovery.k8s.io';
const VERSIONS = ['v2', 'v2beta1'] as const;
export type AggregatedVersion = (typeof VERSIONS)[number];

/** The aggregated version the Accept header prefers, or undefined when its first usable type is plain JSON. */
export function wantsAggregated(accept: string): AggregatedVersion | undefined {
  for (const part of accept.split(',')) {
    const [type = '', ...params] = part.split(';').map((s) => s.trim());
    if (type !== 'application/json' && type !== '*/*' && type !== 'application/*') continue;
    const p = Object.fromEntries(params.map((kv) => kv.split('=').map((s) => s.trim())));
    if (p.g === undefined && p.as === undefined) return undefined;
    const v = VERSIONS.find((x) => x === p.v);
    if (p.g === GROUP && p.as === 'APIGroupDiscoveryList' && v) return v;
  }
  return undefined;
}

export function aggregatedContentType(v: AggregatedVersion): string {
  return `application/json;g=${GROUP};v=${v};as=APIGroupDiscoveryList`;
}

function versionDoc(reg: Registry, group: string, version: string): Obj {
  const served = reg.inGroupVersion(group, version);
  served.sort((a, b) => (a.def.plural < b.def.plural ? -1 : 1));
  const resources = served.map(({ def, version: v }) => {
    const responseKind = { group, version, kind: def.kind };
    const r: Obj = {
      resource: def.plural,
      responseKind,
      scope: def.namespaced ? 'Namespaced' : 'Cluster',
      singularResource: def.singular,
      verbs: def.verbs,
    };
    if (def.shortNames.length > 0) r.shortNames = def.shortNames;
    if (def.categories.length > 0) r.categories = def.categories;
    const subresources: Obj[] = [];
    if (v.hasStatus)
      subresources.push({ subresource: 'status', responseKind, verbs: ['get', 'patch', 'update'] });
    if (v.hasScale && def.builtin)
      subresources.push({
        subresource: 'scale',
        responseKind: { ...SCALE_KIND },
        verbs: ['get', 'patch', 'update'],
      });
    if (subresources.length > 0) r.subresources = subresources;
    return r;
  });
  return { version, resources, freshness: 'Current' };
}

/** /api (legacy: the core group alone) or /apis (every named group), preferred version first. */
export function aggregatedList(reg: Registry, legacy: boolean, v: AggregatedVersion): Obj {
  const items: Obj[] = [];
  const groups = [...reg.groups()].sort(([a], [b]) => (a < b ? -1 : 1));
  for (const [name, versions] of groups) {
    if ((name === '') !== legacy) continue;
    const metadata: Obj = name === '' ? { creationTimestamp: null } : { name, creationTimestamp: null };
    items.push({ metadata, versions: versions.map((ver) => versionDoc(reg, name, ver)) });
  }
  return { kind: 'APIGroupDiscoveryList', apiVersion: `${GROUP}/${v}`, metadata: {}, items };
}
