// Offline schema validation of rendered objects with kubernetes-models (no API server needed).
//
// kubernetes-models reports type and required-field errors but ignores unknown fields (a typo like
// `publishNotReadyAddress` would pass). So each object is also run through the package's compiled
// validator wrapped in a Proxy that records which keys the validator looked at: a key it never
// read is not in the schema. This works for built-in kinds; CRD bodies (free-form JSONSchemaProps)
// only get the plain schema check.
import { isRecord, objectName, type KubeObject } from './render.ts';

interface Target {
  /** Module under kubernetes-models/ exporting a class named like the kind. */
  model: string;
  /** Compiled validator under kubernetes-models/_schemas/. */
  schema: string;
  strictFields: boolean;
}

// Also the allowlist of apiVersion/kind pairs the chart may render.
const TARGETS: Readonly<Record<string, Target>> = {
  'v1/Namespace': { model: 'v1/Namespace', schema: 'IoK8sApiCoreV1Namespace', strictFields: true },
  'v1/ServiceAccount': {
    model: 'v1/ServiceAccount',
    schema: 'IoK8sApiCoreV1ServiceAccount',
    strictFields: true,
  },
  'v1/Service': { model: 'v1/Service', schema: 'IoK8sApiCoreV1Service', strictFields: true },
  'v1/ConfigMap': { model: 'v1/ConfigMap', schema: 'IoK8sApiCoreV1ConfigMap', strictFields: true },
  'apps/v1/Deployment': {
    model: 'apps/v1/Deployment',
    schema: 'IoK8sApiAppsV1Deployment',
    strictFields: true,
  },
  'apps/v1/DaemonSet': { model: 'apps/v1/DaemonSet', schema: 'IoK8sApiAppsV1DaemonSet', strictFields: true },
  'policy/v1/PodDisruptionBudget': {
    model: 'policy/v1/PodDisruptionBudget',
    schema: 'IoK8sApiPolicyV1PodDisruptionBudget',
    strictFields: true,
  },
  'rbac.authorization.k8s.io/v1/ClusterRole': {
    model: 'rbac.authorization.k8s.io/v1/ClusterRole',
    schema: 'IoK8sApiRbacV1ClusterRole',
    strictFields: true,
  },
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': {
    model: 'rbac.authorization.k8s.io/v1/ClusterRoleBinding',
    schema: 'IoK8sApiRbacV1ClusterRoleBinding',
    strictFields: true,
  },
  'rbac.authorization.k8s.io/v1/Role': {
    model: 'rbac.authorization.k8s.io/v1/Role',
    schema: 'IoK8sApiRbacV1Role',
    strictFields: true,
  },
  'rbac.authorization.k8s.io/v1/RoleBinding': {
    model: 'rbac.authorization.k8s.io/v1/RoleBinding',
    schema: 'IoK8sApiRbacV1RoleBinding',
    strictFields: true,
  },
  'admissionregistration.k8s.io/v1/ValidatingWebhookConfiguration': {
    model: 'admissionregistration.k8s.io/v1/ValidatingWebhookConfiguration',
    schema: 'IoK8sApiAdmissionregistrationV1ValidatingWebhookConfiguration',
    strictFields: true,
  },
  'apiextensions.k8s.io/v1/CustomResourceDefinition': {
    model: 'apiextensions.k8s.io/v1/CustomResourceDefinition',
    schema: 'IoK8sApiextensionsApiserverPkgApisApiextensionsV1CustomResourceDefinition',
    strictFields: false,
  },
};

// prometheus-operator's ServiceMonitor is not in kubernetes-models: the fields the chart uses, checked by hand.
const SERVICE_MONITOR_FIELDS: Readonly<Record<string, readonly string[]>> = {
  '': ['apiVersion', 'kind', 'metadata', 'spec'],
  '/spec': ['selector', 'namespaceSelector', 'endpoints', 'jobLabel'],
  '/spec/selector': ['matchLabels'],
  '/spec/namespaceSelector': ['matchNames', 'any'],
  '/spec/endpoints/*': ['port', 'path', 'interval', 'scrapeTimeout', 'scheme'],
};

type ModelClass = new (data: unknown) => { validate(): void };
type SchemaFn = ((data: unknown) => boolean) & { errors?: unknown };

async function loadModel(t: Target, kind: string): Promise<ModelClass> {
  const mod = (await import(`kubernetes-models/${t.model}`)) as Record<string, unknown>;
  const cls = mod[kind];
  if (typeof cls !== 'function') throw new Error(`kubernetes-models/${t.model} has no export ${kind}`);
  return cls as ModelClass;
}

async function loadSchema(t: Target): Promise<SchemaFn> {
  const mod = (await import(`kubernetes-models/_schemas/${t.schema}`)) as { validate: SchemaFn };
  return mod.validate;
}

/** Paths of keys the compiled validator never read, i.e. fields outside the kind's schema. */
export async function unknownFields(o: KubeObject): Promise<string[]> {
  const t = TARGETS[`${o.apiVersion}/${o.kind}`];
  if (!t) throw new Error(`${objectName(o)}: ${o.apiVersion} ${o.kind} is not an allowed kind`);
  const validate = await loadSchema(t);
  const read = new Map<object, Set<string>>();
  const watch = (v: unknown): unknown => {
    if (v === null || typeof v !== 'object') return v;
    let keys = read.get(v);
    if (!keys) {
      keys = new Set();
      read.set(v, keys);
    }
    const seen = keys;
    return new Proxy(v, {
      get(target, key, receiver) {
        if (typeof key === 'string') seen.add(key);
        return watch(Reflect.get(target, key, receiver));
      },
    });
  };
  const copy = structuredClone(o);
  validate(watch(copy));
  const out: string[] = [];
  const walk = (v: unknown, path: string): void => {
    if (Array.isArray(v)) {
      v.forEach((x, i) => walk(x, `${path}/${i}`));
      return;
    }
    if (!isRecord(v)) return;
    const seen = read.get(v);
    for (const [k, x] of Object.entries(v)) {
      if (!seen?.has(k)) out.push(`${path}/${k}`);
      else walk(x, `${path}/${k}`);
    }
  };
  walk(copy, '');
  return out;
}

function serviceMonitorErrors(o: KubeObject): string[] {
  const errs: string[] = [];
  const check = (v: unknown, path: string, pattern: string): void => {
    const allowed = SERVICE_MONITOR_FIELDS[pattern];
    if (!allowed || !isRecord(v)) return;
    for (const [k, x] of Object.entries(v)) {
      if (!allowed.includes(k)) errs.push(`${path}/${k}: not a ServiceMonitor field the chart may use`);
      else if (Array.isArray(x))
        x.forEach((item, i) => check(item, `${path}/${k}/${i}`, `${pattern}/${k}/*`));
      else check(x, `${path}/${k}`, `${pattern}/${k}`);
    }
  };
  check(o, '', '');
  const spec = isRecord(o.spec) ? o.spec : {};
  const endpoints = Array.isArray(spec.endpoints) ? spec.endpoints : [];
  if (endpoints.length === 0) errs.push('/spec/endpoints: must list at least one endpoint');
  for (const [i, e] of endpoints.entries()) {
    if (!isRecord(e) || typeof e.port !== 'string')
      errs.push(`/spec/endpoints/${i}/port: must be a port name`);
  }
  if (!isRecord(spec.selector) || !isRecord(spec.selector.matchLabels))
    errs.push('/spec/selector/matchLabels: required');
  return errs;
}

/** Schema errors of one object (empty when valid), each prefixed with the object's name. */
export async function schemaErrors(o: KubeObject): Promise<string[]> {
  const name = objectName(o);
  if (o.apiVersion === 'monitoring.coreos.com/v1' && o.kind === 'ServiceMonitor') {
    return serviceMonitorErrors(o).map((e) => `${name}: ${e}`);
  }
  const t = TARGETS[`${o.apiVersion}/${o.kind}`];
  if (!t) return [`${name}: ${o.apiVersion} ${o.kind} is not an allowed apiVersion/kind`];
  const errs: string[] = [];
  const Model = await loadModel(t, o.kind);
  try {
    new Model(structuredClone(o)).validate();
  } catch (e) {
    errs.push(`${name}: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (t.strictFields) {
    for (const p of await unknownFields(o)) errs.push(`${name}: unknown field ${p}`);
  }
  return errs;
}
