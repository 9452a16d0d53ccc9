// How server-side apply treats lists and maps of a kind: list-map keys, sets, atomic lists and
// atomic maps. Custom resources say so in their schema (x-kubernetes-list-type …); built-ins carry
// it in their Go types, mirrored here from their strategic-merge keys.
import { isObj, type Obj } from '../json.ts';
import { mergeStrategy } from '../merge-keys.ts';
import type { ResourceDef, VersionDef } from '../resource.ts';

export interface ListType {
  type: 'atomic' | 'set' | 'map';
  keys?: string[];
}

export interface Shape {
  root: Obj | undefined;
  child(schema: Obj | undefined, key: string): Obj | undefined;
  items(schema: Obj | undefined): Obj | undefined;
  /** `names`: field names from the root, list indexes left out. */
  listType(names: string[], schema: Obj | undefined): ListType;
  atomicMap(names: string[], schema: Obj | undefined, value: Obj): boolean;
}

/** Built-in list maps whose keys are more than the strategic-merge key. */
const BUILTIN_KEYS: Record<string, string[]> = {
  'Service:spec.ports': ['port', 'protocol'],
  'containers.ports': ['containerPort', 'protocol'],
  'initContainers.ports': ['containerPort', 'protocol'],
  webhooks: ['name'],
  topologySpreadConstraints: ['topologyKey', 'whenUnsatisfiable'],
};

function builtinListType(kind: string, names: string[]): ListType {
  const dotted = names.join('.');
  const last2 = names.slice(-2).join('.');
  const keys =
    BUILTIN_KEYS[`${kind}:${dotted}`] ?? BUILTIN_KEYS[last2] ?? BUILTIN_KEYS[names[names.length - 1] ?? ''];
  if (keys) return { type: 'map', keys };
  const s = mergeStrategy(kind, names);
  if (!s) return { type: 'atomic' };
  return s.key === undefined ? { type: 'set' } : { type: 'map', keys: [s.key] };
}

const isLabelSelector = (v: Obj): boolean =>
  Object.keys(v).every((k) => k === 'matchLabels' || k === 'matchExpressions') && Object.keys(v).length > 0;

export function shapeOf(def: ResourceDef, version: VersionDef): Shape {
  if (def.builtin) {
    return {
      root: undefined,
      child: () => undefined,
      items: () => undefined,
      listType: (names) => builtinListType(def.kind, names),
      // Service spec.selector is an atomic map; LabelSelectors are atomic structs
      atomicMap: (names, _s, v) =>
        (def.kind === 'Service' && names.join('.') === 'spec.selector') ||
        (names[names.length - 1]?.endsWith('elector') === true && isLabelSelector(v)),
    };
  }
  return {
    root: version.schema,
    child: (s, key) => {
      if (!isObj(s)) return undefined;
      if (isObj(s.properties) && isObj(s.properties[key])) return s.properties[key];
      return isObj(s.additionalProperties) ? s.additionalProperties : undefined;
    },
    items: (s) => (isObj(s) && isObj(s.items) ? s.items : undefined),
    listType: (_n, s) => {
      const t = isObj(s) ? s['x-kubernetes-list-type'] : undefined;
      const keys =
        isObj(s) && Array.isArray(s['x-kubernetes-list-map-keys'])
          ? s['x-kubernetes-list-map-keys'].map(String)
          : undefined;
      if (t === 'map' && keys) return { type: 'map', keys };
      if (t === 'set') return { type: 'set' };
      return { type: 'atomic' };
    },
    atomicMap: (_n, s) => isObj(s) && s['x-kubernetes-map-type'] === 'atomic',
  };
}
