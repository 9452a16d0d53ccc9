// Legacy (unaggregated) discovery documents: /api, /api/v1, /apis, /apis/G, /apis/G/V.
import type { Obj } from './json.ts';
import type { Registry } from './registry.ts';
import { apiVersion } from './resource.ts';
import { hashOf } from './storage-hash.ts';
import { SCALE_KIND } from './scale.ts';

export const SERVER_VERSION = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.0',
  gitCommit: 'kube-double',
  gitTreeState: 'clean',
  buildDate: '2025-01-01T00:00:00Z',
  goVersion: 'go1.23.4',
  compiler: 'gc',
  platform: 'linux/amd64',
};

export function apiVersions(serverAddress: string): Obj {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

function groupDoc(name: string, versions: string[]): Obj {
  const vs = versions.map((v) => ({ groupVersion: apiVersion(name, v), version: v }));
  return { name, versions: vs, preferredVersion: vs[0] };
}

export function groupList(reg: Registry): Obj {
  const groups: Obj[] = [];
  for (const [name, versions] of [...reg.groups()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (name === '') continue;
    groups.push(groupDoc(name, versions));
  }
  return { kind: 'APIGroupList', apiVersion: 'v1', groups };
}

export function group(reg: Registry, name: string): Obj | undefined {
  const versions = reg.groups().get(name);
  if (!versions) return undefined;
  return { kind: 'APIGroup', apiVersion: 'v1', ...groupDoc(name, versions) };
}

export function resourceList(reg: Registry, groupName: string, version: string): Obj | undefined {
  const served = reg.inGroupVersion(groupName, version);
  if (served.length === 0) return undefined;
  const resources: Obj[] = [];
  for (const { def, version: v } of served.sort((a, b) => (a.def.plural < b.def.plural ? -1 : 1))) {
    const r: Obj = {
      name: def.plural,
      singularName: def.singular,
      namespaced: def.namespaced,
      kind: def.kind,
      verbs: def.verbs,
    };
    if (def.shortNames.length > 0) r.shortNames = def.shortNames;
    if (def.categories.length > 0) r.categories = def.categories;
    r.storageVersionHash = hashOf(def);
    resources.push(r);
    if (v.hasStatus)
      resources.push({
        name: `${def.plural}/status`,
        singularName: '',
        namespaced: def.namespaced,
        kind: def.kind,
        verbs: ['get', 'patch', 'update'],
      });
    if (v.hasScale && def.builtin)
      resources.push({
        name: `${def.plural}/scale`,
        singularName: '',
        namespaced: def.namespaced,
        group: SCALE_KIND.group,
        version: SCALE_KIND.version,
        kind: SCALE_KIND.kind,
        verbs: ['get', 'patch', 'update'],
      });
  }
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: apiVersion(groupName, version),
    resources,
  };
}
