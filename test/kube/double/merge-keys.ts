// Strategic-merge list strategies of the built-in kinds (patchMergeKey / patchStrategy=merge).

interface Strategy {
  /** Merge key for lists of objects; absent for merged primitive lists. */
  key?: string;
}

/** Keyed by the last two path segments ("parent.field"), then by field name alone. */
const BY_CONTEXT: Record<string, Strategy> = {
  'spec.ports': { key: 'port' }, // Service; Endpoint(Slice) ports are atomic in practice
  'metadata.finalizers': {},
  'metadata.ownerReferences': { key: 'uid' },
};

const BY_FIELD: Record<string, Strategy> = {
  containers: { key: 'name' },
  initContainers: { key: 'name' },
  ephemeralContainers: { key: 'name' },
  env: { key: 'name' },
  volumes: { key: 'name' },
  volumeMounts: { key: 'mountPath' },
  volumeDevices: { key: 'devicePath' },
  imagePullSecrets: { key: 'name' },
  conditions: { key: 'type' },
  hostAliases: { key: 'ip' },
  addresses: { key: 'type' },
  taints: { key: 'key' },
  topologySpreadConstraints: { key: 'topologyKey' },
  resourceClaims: { key: 'name' },
};

export function mergeStrategy(kind: string, path: string[]): Strategy | undefined {
  const field = path[path.length - 1] ?? '';
  const parent = path[path.length - 2] ?? '';
  if (field === 'ports') {
    // containers[].ports merge on containerPort; Service spec.ports on port
    if (kind === 'Service' && parent === 'spec' && path.length === 2) return { key: 'port' };
    if (path.includes('containers') || path.includes('initContainers')) return { key: 'containerPort' };
    return undefined;
  }
  if (field === 'addresses' && kind !== 'Node') return undefined;
  return BY_CONTEXT[`${parent}.${field}`] ?? BY_FIELD[field];
}
