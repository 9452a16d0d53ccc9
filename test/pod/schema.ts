// Every key of a pod spec the runner implements, with the values it implements. The walk visits the
// whole spec and every container; any other key or value is refused with its field path, so nothing
// a manifest says is silently left out of what the runner starts.
import { parseQuantity } from './quantity.ts';
import type { PodTemplate } from './types.ts';

type Rule =
  | { t: 'str'; oneOf?: readonly string[]; why?: string }
  | { t: 'int'; min?: number; max?: number }
  | { t: 'bool'; only?: boolean; why?: string }
  | { t: 'quantity'; kind: 'memory' | 'cpu' }
  | { t: 'intOrStr' }
  | { t: 'obj'; fields: Readonly<Record<string, Rule>>; required?: readonly string[] }
  | { t: 'list'; of: Rule }
  | { t: 'strMap' };

/** Known Kubernetes fields the runner does not implement, with the reason shown in the refusal. */
const NOT_IMPLEMENTED: Readonly<Record<string, string>> = {
  lifecycle: 'postStart/preStop hooks are not implemented',
  tcpSocket: 'tcpSocket probes are not implemented (exec and httpGet are)',
  grpc: 'gRPC probes are not implemented (exec and httpGet are)',
  hostPort: 'host ports are not implemented (with hostNetwork the container port is the node port already)',
  hostIP: 'hostIP port bindings are not implemented',
  subPath: 'subPath mounts are not implemented',
  subPathExpr: 'subPath mounts are not implemented',
  mountPropagation: 'mount propagation is not implemented',
  envFrom: 'envFrom (ConfigMap/Secret) is not implemented',
  configMapKeyRef: 'ConfigMap env sources are not implemented',
  secretKeyRef: 'Secret env sources are not implemented',
  resourceFieldRef: 'resourceFieldRef env sources are not implemented',
  hostPID: 'host PID namespace is not implemented',
  hostIPC: 'host IPC namespace is not implemented',
  shareProcessNamespace: 'a shared PID namespace is not implemented',
  hostAliases: '/etc/hosts entries are not implemented',
  dnsConfig: 'DNS configuration is not implemented (the lab has no cluster DNS)',
  sysctls: 'pod sysctls are not implemented',
  seLinuxOptions: 'SELinux options are not implemented',
  appArmorProfile: 'AppArmor profiles are not implemented',
  procMount: 'procMount is not implemented',
  windowsOptions: 'Windows options do not apply',
  fsGroupChangePolicy: 'fsGroupChangePolicy is not implemented',
  supplementalGroupsPolicy: 'supplementalGroupsPolicy is not implemented',
  topologySpreadConstraints: 'topology spread is a scheduler feature the runner does not evaluate',
  preferredDuringSchedulingIgnoredDuringExecution: 'preferred (soft) affinity is not evaluated',
  podAffinity: 'pod affinity is not evaluated (podAntiAffinity is)',
  hostname: 'pod hostname is not implemented (hostNetwork pods get the node name)',
  subdomain: 'subdomain is not implemented',
  ephemeralContainers: 'ephemeral containers are not implemented',
  readinessGates: 'readiness gates are not implemented',
  runtimeClassName: 'runtime classes are not implemented',
  overhead: 'pod overhead is not implemented',
  schedulerName: 'the runner is not a scheduler',
  nodeName: 'the runner places the pod on the node it is given',
  activeDeadlineSeconds: 'activeDeadlineSeconds is not implemented',
  preemptionPolicy: 'preemption is not implemented',
  priority: 'priority values are not implemented (priorityClassName is accepted)',
  os: 'pod OS is not implemented',
  resourceClaims: 'dynamic resource claims are not implemented',
  schedulingGates: 'scheduling gates are not implemented',
  imagePullSecrets: 'the runner never pulls images',
  setHostnameAsFQDN: 'setHostnameAsFQDN is not implemented',
  stdin: 'stdin is not implemented',
  stdinOnce: 'stdin is not implemented',
  tty: 'a TTY is not implemented',
  volumeDevices: 'block devices are not implemented',
  resizePolicy: 'in-place resize is not implemented',
  hostPath: 'hostPath volumes are not implemented (emptyDir is)',
  configMap: 'configMap volumes are not implemented (emptyDir is)',
  secret: 'secret volumes are not implemented (emptyDir is)',
  projected: 'projected volumes are not implemented (the ServiceAccount token is substituted)',
  persistentVolumeClaim: 'PVC volumes are not implemented (emptyDir is)',
  downwardAPI: 'downwardAPI volumes are not implemented (downward API env is)',
  ephemeral: 'ephemeral volumes are not implemented (emptyDir is)',
  matchExpressions: 'matchExpressions in this selector are not implemented (matchLabels is)',
  matchFields: 'matchFields node selectors are not implemented (matchExpressions are)',
  namespaceSelector: 'namespaceSelector in affinity terms is not implemented',
  namespaces: 'namespaces in affinity terms are not implemented',
  tolerationSeconds: 'tolerationSeconds is not implemented',
  claims: 'resource claims are not implemented',
};

const str = (oneOf?: readonly string[], why?: string): Rule => ({
  t: 'str',
  ...(oneOf ? { oneOf } : {}),
  ...(why ? { why } : {}),
});
const int = (min = 0, max = Number.MAX_SAFE_INTEGER): Rule => ({ t: 'int', min, max });
const bool = (only?: boolean, why?: string): Rule => ({
  t: 'bool',
  ...(only === undefined ? {} : { only }),
  ...(why ? { why } : {}),
});
const obj = (fields: Record<string, Rule>, required: string[] = []): Rule => ({ t: 'obj', fields, required });
const list = (of: Rule): Rule => ({ t: 'list', of });
const strMap: Rule = { t: 'strMap' };

const seccomp = obj(
  { type: str(['RuntimeDefault', 'Unconfined'], 'Localhost profiles are not implemented') },
  ['type'],
);

const probe = obj({
  exec: obj({ command: list(str()) }, ['command']),
  httpGet: obj(
    {
      path: str(),
      port: { t: 'intOrStr' },
      host: str(),
      scheme: str(['HTTP'], 'HTTPS probes are not implemented'),
      httpHeaders: list(obj({ name: str(), value: str() }, ['name', 'value'])),
    },
    ['port'],
  ),
  initialDelaySeconds: int(),
  periodSeconds: int(1),
  timeoutSeconds: int(1),
  successThreshold: int(1),
  failureThreshold: int(1),
  terminationGracePeriodSeconds: int(1),
});

const resourceList = obj({ memory: { t: 'quantity', kind: 'memory' }, cpu: { t: 'quantity', kind: 'cpu' } });

const container = obj(
  {
    name: str(),
    image: str(),
    imagePullPolicy: str(['IfNotPresent', 'Never'], 'the runner never pulls: images come from `make images`'),
    restartPolicy: str(
      ['Always'],
      'only native sidecars (restartPolicy: Always) are implemented among init containers',
    ),
    command: list(str()),
    args: list(str()),
    workingDir: str(),
    env: list(
      obj(
        {
          name: str(),
          value: str(),
          valueFrom: obj({ fieldRef: obj({ fieldPath: str(), apiVersion: str(['v1']) }, ['fieldPath']) }),
        },
        ['name'],
      ),
    ),
    ports: list(
      obj({ name: str(), containerPort: int(1, 65535), protocol: str(['TCP', 'UDP', 'SCTP']) }, [
        'containerPort',
      ]),
    ),
    securityContext: obj({
      runAsUser: int(),
      runAsGroup: int(),
      runAsNonRoot: bool(),
      allowPrivilegeEscalation: bool(),
      readOnlyRootFilesystem: bool(),
      privileged: bool(false, 'privileged containers are not implemented'),
      capabilities: obj({ add: list(str()), drop: list(str()) }),
      seccompProfile: seccomp,
    }),
    startupProbe: probe,
    livenessProbe: probe,
    readinessProbe: probe,
    resources: obj({ limits: resourceList, requests: resourceList }),
    volumeMounts: list(obj({ name: str(), mountPath: str(), readOnly: bool() }, ['name', 'mountPath'])),
    terminationMessagePath: str(),
    terminationMessagePolicy: str(['File'], 'FallbackToLogsOnError is not implemented'),
  },
  ['name', 'image'],
);

const podSpec = obj(
  {
    serviceAccountName: str(),
    serviceAccount: str(),
    automountServiceAccountToken: bool(),
    hostNetwork: bool(
      true,
      "the runner starts pods in a lab node's network namespace only (hostNetwork: true)",
    ),
    dnsPolicy: str(['ClusterFirstWithHostNet', 'Default'], 'the lab has no cluster DNS'),
    enableServiceLinks: bool(false, 'Service environment variables are not implemented'),
    priorityClassName: str(),
    terminationGracePeriodSeconds: int(),
    restartPolicy: str(['Always'], "only restartPolicy Always (a Deployment's) is implemented"),
    securityContext: obj({
      runAsUser: int(),
      runAsGroup: int(),
      runAsNonRoot: bool(),
      supplementalGroups: list(int()),
      fsGroup: int(),
      seccompProfile: seccomp,
    }),
    nodeSelector: strMap,
    affinity: obj({
      nodeAffinity: obj({
        requiredDuringSchedulingIgnoredDuringExecution: obj(
          {
            nodeSelectorTerms: list(
              obj({
                matchExpressions: list(
                  obj(
                    {
                      key: str(),
                      operator: str(['In', 'NotIn', 'Exists', 'DoesNotExist']),
                      values: list(str()),
                    },
                    ['key', 'operator'],
                  ),
                ),
              }),
            ),
          },
          ['nodeSelectorTerms'],
        ),
      }),
      podAntiAffinity: obj({
        requiredDuringSchedulingIgnoredDuringExecution: list(
          obj(
            {
              topologyKey: str(['kubernetes.io/hostname'], 'only per-node anti-affinity is evaluated'),
              labelSelector: obj({ matchLabels: strMap }, ['matchLabels']),
            },
            ['topologyKey', 'labelSelector'],
          ),
        ),
      }),
    }),
    tolerations: list(
      obj({
        key: str(),
        operator: str(['Exists', 'Equal']),
        value: str(),
        effect: str(['NoSchedule', 'PreferNoSchedule', 'NoExecute']),
      }),
    ),
    initContainers: list(container),
    containers: list(container),
    volumes: list(
      obj(
        {
          name: str(),
          emptyDir: obj({
            medium: str(['', 'Memory'], 'hugepages media are not implemented'),
            sizeLimit: { t: 'quantity', kind: 'memory' },
          }),
        },
        ['name', 'emptyDir'],
      ),
    ),
  },
  ['containers', 'hostNetwork'],
);

const template = obj(
  { metadata: obj({ name: str(), namespace: str(), labels: strMap, annotations: strMap }), spec: podSpec },
  ['spec'],
);

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function walk(v: unknown, rule: Rule, path: string, out: string[]): void {
  const refuse = (why: string): void => void out.push(`${path}: ${why}`);
  switch (rule.t) {
    case 'str':
      if (typeof v !== 'string') return refuse(`must be a string, got ${JSON.stringify(v)}`);
      if (rule.oneOf && !rule.oneOf.includes(v))
        return refuse(
          `value ${JSON.stringify(v)} is not implemented (implemented: ${rule.oneOf.map((x) => JSON.stringify(x)).join(', ')})${rule.why ? `: ${rule.why}` : ''}`,
        );
      return;
    case 'int':
      if (typeof v !== 'number' || !Number.isInteger(v))
        return refuse(`must be an integer, got ${JSON.stringify(v)}`);
      if (v < (rule.min ?? 0) || v > (rule.max ?? Number.MAX_SAFE_INTEGER))
        return refuse(`${v} is out of range ${rule.min ?? 0}…${rule.max ?? 'max'}`);
      return;
    case 'bool':
      if (typeof v !== 'boolean') return refuse(`must be a boolean, got ${JSON.stringify(v)}`);
      if (rule.only !== undefined && v !== rule.only)
        return refuse(`value ${v} is not implemented${rule.why ? `: ${rule.why}` : ''}`);
      return;
    case 'quantity':
      if (typeof v !== 'string' && typeof v !== 'number')
        return refuse(`must be a quantity, got ${JSON.stringify(v)}`);
      try {
        parseQuantity(String(v), rule.kind);
      } catch (e) {
        refuse((e as Error).message);
      }
      return;
    case 'intOrStr':
      if (typeof v !== 'string' && !(typeof v === 'number' && Number.isInteger(v)))
        refuse(`must be an integer or a port name, got ${JSON.stringify(v)}`);
      return;
    case 'strMap':
      if (!isRecord(v)) return refuse('must be a map of strings');
      for (const [k, x] of Object.entries(v))
        if (typeof x !== 'string')
          out.push(`${path}[${JSON.stringify(k)}]: must be a string, got ${JSON.stringify(x)}`);
      return;
    case 'list':
      if (!Array.isArray(v)) return refuse('must be a list');
      v.forEach((x, i) => walk(x, rule.of, `${path}[${i}]`, out));
      return;
    case 'obj': {
      if (!isRecord(v)) return refuse('must be an object');
      for (const [k, x] of Object.entries(v)) {
        const sub = rule.fields[k];
        const p = path ? `${path}.${k}` : k;
        if (sub === undefined) {
          const why = NOT_IMPLEMENTED[k];
          out.push(
            `${p}: ${why ?? 'unknown field'}; the pod runner refuses the pod rather than ignoring the field`,
          );
        } else if (x !== null && x !== undefined) walk(x, sub, p, out);
      }
      for (const k of rule.required ?? [])
        if (v[k] === undefined || v[k] === null) out.push(`${path ? `${path}.` : ''}${k}: required`);
      return;
    }
  }
}

export class PodSpecRefused extends Error {
  readonly problems: readonly string[];
  constructor(problems: string[]) {
    super(`pod spec refused by the pod runner:\n  ${problems.join('\n  ')}`);
    this.problems = problems;
  }
}

const DOWNWARD_FIELDS = new Set([
  'metadata.name',
  'metadata.namespace',
  'metadata.uid',
  'spec.nodeName',
  'spec.serviceAccountName',
  'status.hostIP',
  'status.hostIPs',
  'status.podIP',
  'status.podIPs',
]);

/** Rules across fields (names, references, probe handlers) that the structural walk cannot express. */
function crossChecks(tpl: PodTemplate, out: string[]): void {
  const spec = tpl.spec;
  const volumes = new Set<string>();
  for (const [i, vol] of (spec.volumes ?? []).entries()) {
    if (volumes.has(vol.name)) out.push(`spec.volumes[${i}].name: duplicate volume ${vol.name}`);
    volumes.add(vol.name);
  }
  const names = new Set<string>();
  const groups: [string, typeof spec.containers][] = [
    ['initContainers', spec.initContainers ?? []],
    ['containers', spec.containers],
  ];
  for (const [group, list] of groups) {
    for (const [i, c] of list.entries()) {
      const at = `spec.${group}[${i}]`;
      if (names.has(c.name)) out.push(`${at}.name: duplicate container name ${c.name}`);
      names.add(c.name);
      if (group === 'initContainers' && c.restartPolicy !== 'Always')
        out.push(
          `${at}.restartPolicy: run-to-completion init containers are not implemented (only native sidecars, restartPolicy: Always)`,
        );
      if (group === 'containers' && c.restartPolicy !== undefined)
        out.push(`${at}.restartPolicy: not allowed on regular containers`);
      for (const [j, m] of (c.volumeMounts ?? []).entries())
        if (!volumes.has(m.name)) out.push(`${at}.volumeMounts[${j}].name: no volume named ${m.name}`);
      for (const [j, e] of (c.env ?? []).entries()) {
        const ref = e.valueFrom?.fieldRef?.fieldPath;
        if (e.value !== undefined && e.valueFrom !== undefined)
          out.push(`${at}.env[${j}]: value and valueFrom are exclusive`);
        if (
          ref !== undefined &&
          !DOWNWARD_FIELDS.has(ref) &&
          !/^metadata\.(labels|annotations)\['[^']+'\]$/.test(ref)
        ) {
          out.push(
            `${at}.env[${j}].valueFrom.fieldRef.fieldPath: ${ref} is not implemented (implemented: ${[...DOWNWARD_FIELDS].join(', ')}, metadata.labels['…'], metadata.annotations['…'])`,
          );
        }
      }
      const portNames = new Set((c.ports ?? []).flatMap((p) => (p.name ? [p.name] : [])));
      for (const kind of ['startupProbe', 'livenessProbe', 'readinessProbe'] as const) {
        const p = c[kind];
        if (!p) continue;
        const handlers = [p.exec, p.httpGet].filter((h) => h !== undefined).length;
        if (handlers !== 1)
          out.push(`${at}.${kind}: exactly one of exec, httpGet is required (implemented handlers)`);
        if (kind !== 'readinessProbe' && (p.successThreshold ?? 1) !== 1)
          out.push(`${at}.${kind}.successThreshold: must be 1 for ${kind}`);
        if (typeof p.httpGet?.port === 'string' && !portNames.has(p.httpGet.port))
          out.push(`${at}.${kind}.httpGet.port: no container port named ${p.httpGet.port}`);
      }
    }
  }
}

/** The template as the runner may run it, or PodSpecRefused listing every field path it does not implement. */
export function checkPodTemplate(raw: unknown): PodTemplate {
  const out: string[] = [];
  walk(raw, template, '', out);
  if (out.length === 0) crossChecks(raw as PodTemplate, out);
  if (out.length > 0) throw new PodSpecRefused(out);
  return raw as PodTemplate;
}
