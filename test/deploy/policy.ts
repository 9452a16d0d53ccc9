// Policy rules for everything the chart renders. Each check returns violations (empty = pass) so the
// tests can also prove that a broken object is caught.
import { entries, isRecord, NAMESPACE, objectName, strings, type KubeObject } from './render.ts';

export const GROUP = 'network.kubesphere.io';
export const OUR_RESOURCES = ['eips', 'bgpconfs', 'bgppeers'];
export const WORKLOAD_NAME = 'openelb-manager';
export const WEBHOOK_SERVICE = 'openelb-webhook';
export const RUN_DIR = '/run/openelb';

/**
 * The RBAC the manager gets, one "group/resource[resourceName]:verb" string per grant. This set and
 * the chart's rbac.yaml are the single source of truth for what the code may do: when the code
 * starts using another verb, both change together (and this test says so until they do).
 */
export const RBAC_EXPECTED: Readonly<Record<'ClusterRole' | 'Role', readonly string[]>> = {
  ClusterRole: [
    ...grants(GROUP, ['eips'], ['get', 'list', 'watch', 'patch']),
    ...grants(GROUP, ['bgpconfs', 'bgppeers'], ['get', 'list', 'watch']),
    ...grants(GROUP, ['eips/status', 'bgpconfs/status', 'bgppeers/status'], ['patch']),
    ...grants('', ['services'], ['get', 'list', 'watch', 'patch']),
    ...grants('', ['services/status'], ['patch']),
    ...grants('discovery.k8s.io', ['endpointslices'], ['list', 'watch']),
    ...grants('', ['nodes'], ['get', 'list', 'watch']),
    ...grants('', ['namespaces'], ['list', 'watch']),
    ...grants('', ['events'], ['create', 'patch']),
    ...grants(
      'admissionregistration.k8s.io',
      ['validatingwebhookconfigurations[openelb-admission]'],
      ['get', 'patch'],
    ),
    ...grants(
      'apiextensions.k8s.io',
      OUR_RESOURCES.map((r) => `customresourcedefinitions[${r}.${GROUP}]`),
      ['get', 'patch'],
    ),
  ],
  Role: [
    // delete: a Layer 2 replica removes its own Lease when it hands over on SIGTERM
    ...grants('coordination.k8s.io', ['leases'], ['get', 'list', 'watch', 'create', 'update', 'delete']),
    ...grants('', ['secrets'], ['get', 'create']),
    ...grants('', ['secrets[openelb-webhook-cert]'], ['update']),
  ],
};

function grants(group: string, resources: readonly string[], verbs: readonly string[]): string[] {
  return resources.flatMap((r) => verbs.map((v) => `${group}/${r}:${v}`));
}

function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

function rec(v: unknown): Record<string, unknown> {
  return isRecord(v) ? v : {};
}

function strs(v: unknown): string[] {
  return list(v).filter((x): x is string => typeof x === 'string');
}

/** The grants of a Role/ClusterRole flattened like RBAC_EXPECTED; wildcards are reported, not expanded. */
export function flattenRules(role: KubeObject): string[] {
  const out: string[] = [];
  for (const rule of list(role.rules).map(rec)) {
    const names = strs(rule.resourceNames);
    for (const g of strs(rule.apiGroups)) {
      for (const r of strs(rule.resources)) {
        for (const v of strs(rule.verbs)) {
          if (names.length === 0) out.push(`${g}/${r}:${v}`);
          else for (const n of names) out.push(`${g}/${r}[${n}]:${v}`);
        }
      }
    }
    if (list(rule.nonResourceURLs).length > 0) out.push('nonResourceURLs');
  }
  return out.sort();
}

export function rbacViolations(objects: readonly KubeObject[]): string[] {
  const v: string[] = [];
  for (const kind of ['ClusterRole', 'Role'] as const) {
    const roles = objects.filter((o) => o.kind === kind);
    if (roles.length !== 1 || roles[0]?.metadata.name !== WORKLOAD_NAME) {
      v.push(
        `expected exactly one ${kind} ${WORKLOAD_NAME}, found ${roles.map(objectName).join(', ') || 'none'}`,
      );
      continue;
    }
    const got = flattenRules(roles[0]);
    const want = [...RBAC_EXPECTED[kind]].sort();
    const extra = got.filter((g) => !want.includes(g));
    const missing = want.filter((w) => !got.includes(w));
    if (extra.length) v.push(`${kind} grants more than expected: ${extra.join(', ')}`);
    if (missing.length) v.push(`${kind} lacks expected grants: ${missing.join(', ')}`);
    if (new Set(got).size !== got.length) v.push(`${kind} grants something twice`);
    if (got.some((g) => g.includes('*'))) v.push(`${kind} uses a wildcard`);
  }
  for (const o of objects.filter((x) => x.kind === 'ClusterRole')) {
    if (flattenRules(o).some((g) => g.startsWith('/secrets')))
      v.push(`${objectName(o)}: Secrets must only be granted in ${NAMESPACE}`);
  }
  for (const b of objects.filter((o) => o.kind === 'ClusterRoleBinding' || o.kind === 'RoleBinding')) {
    const roleRef = rec(b.roleRef);
    const subjects = list(b.subjects).map(rec);
    const wantKind = b.kind === 'ClusterRoleBinding' ? 'ClusterRole' : 'Role';
    if (roleRef.kind !== wantKind || roleRef.name !== WORKLOAD_NAME)
      v.push(`${objectName(b)}: must bind ${wantKind} ${WORKLOAD_NAME}`);
    if (
      subjects.length !== 1 ||
      subjects[0]?.kind !== 'ServiceAccount' ||
      subjects[0]?.name !== WORKLOAD_NAME ||
      subjects[0]?.namespace !== NAMESPACE
    ) {
      v.push(`${objectName(b)}: must bind only ServiceAccount ${NAMESPACE}/${WORKLOAD_NAME}`);
    }
  }
  return v;
}

export interface PodParts {
  workload: KubeObject;
  podSpec: Record<string, unknown>;
  podLabels: Record<string, string>;
  manager: Record<string, unknown>;
  gobgpd: Record<string, unknown>;
}

export function podParts(objects: readonly KubeObject[]): PodParts {
  const workloads = objects.filter((o) => o.kind === 'Deployment' || o.kind === 'DaemonSet');
  if (workloads.length !== 1 || !workloads[0])
    throw new Error(`expected one Deployment or DaemonSet, found ${workloads.length}`);
  const workload = workloads[0];
  const template = rec(rec(workload.spec).template);
  const podSpec = rec(template.spec);
  const containers = list(podSpec.containers).map(rec);
  const inits = list(podSpec.initContainers).map(rec);
  const manager = containers.find((c) => c.name === 'manager');
  const gobgpd = inits.find((c) => c.name === 'gobgpd') ?? containers.find((c) => c.name === 'gobgpd');
  if (!manager || !gobgpd) throw new Error(`${objectName(workload)}: needs containers manager and gobgpd`);
  return {
    workload,
    podSpec,
    podLabels: rec(rec(template.metadata).labels) as Record<string, string>,
    manager,
    gobgpd,
  };
}

/** `--flag=value` and `--flag value` pairs of a container's args (and the command after `exec`). */
export function flags(c: Record<string, unknown>): Map<string, string[]> {
  const argv = [...strs(c.command), ...strs(c.args)];
  const out = new Map<string, string[]>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (!a.startsWith('-')) continue;
    const eq = a.indexOf('=');
    const name = eq >= 0 ? a.slice(0, eq) : a;
    const next = argv[i + 1];
    const value = eq >= 0 ? a.slice(eq + 1) : next !== undefined && !next.startsWith('-') ? next : '';
    out.set(name, [...(out.get(name) ?? []), value]);
  }
  return out;
}

function caps(c: Record<string, unknown>): { drop: string[]; add: string[] } {
  const k = rec(rec(c.securityContext).capabilities);
  return { drop: strs(k.drop), add: strs(k.add).sort() };
}

export interface CapabilityExpectation {
  managerAdd: readonly string[];
  gobgpdAdd: readonly string[];
}

export function containerViolations(objects: readonly KubeObject[], want: CapabilityExpectation): string[] {
  const v: string[] = [];
  const { podSpec, manager, gobgpd } = podParts(objects);
  if (podSpec.hostNetwork !== true) v.push('pod: hostNetwork must be true');
  if (podSpec.dnsPolicy !== 'ClusterFirstWithHostNet')
    v.push('pod: dnsPolicy must be ClusterFirstWithHostNet with hostNetwork');
  if (podSpec.hostPID === true || podSpec.hostIPC === true) v.push('pod: no hostPID/hostIPC');
  if (rec(rec(podSpec.securityContext).seccompProfile).type !== 'RuntimeDefault')
    v.push('pod: seccompProfile RuntimeDefault');
  if (podSpec.serviceAccountName !== WORKLOAD_NAME)
    v.push(`pod: serviceAccountName must be ${WORKLOAD_NAME}`);

  for (const [name, c, add] of [
    ['manager', manager, want.managerAdd],
    ['gobgpd', gobgpd, want.gobgpdAdd],
  ] as const) {
    const sc = rec(c.securityContext);
    const k = caps(c);
    if (k.drop.join() !== 'ALL')
      v.push(`${name}: capabilities.drop must be [ALL], is [${k.drop.join(', ')}]`);
    if (k.add.join() !== [...add].sort().join())
      v.push(`${name}: capabilities.add must be [${add.join(', ')}], is [${k.add.join(', ')}]`);
    if (sc.privileged !== false) v.push(`${name}: privileged must be false`);
    if (sc.allowPrivilegeEscalation !== false) v.push(`${name}: allowPrivilegeEscalation must be false`);
    if (sc.readOnlyRootFilesystem !== true) v.push(`${name}: readOnlyRootFilesystem must be true`);
    const res = rec(c.resources);
    if (!rec(res.requests).cpu || !rec(res.requests).memory || !rec(res.limits).memory)
      v.push(`${name}: resources need cpu/memory requests and a memory limit`);
    const image = typeof c.image === 'string' ? c.image : '';
    if (!/:[^/:]+$/.test(image) || /:(latest|master)$/.test(image))
      v.push(`${name}: image "${image}" needs a pinned tag`);
    const mounts = list(c.volumeMounts).map(rec);
    if (!mounts.some((m) => m.name === 'run' && m.mountPath === RUN_DIR))
      v.push(`${name}: must mount the shared volume "run" at ${RUN_DIR}`);
  }
  // An unprivileged gobgpd runs as non-root; root only to bind a port below 1024.
  const gsc = rec(gobgpd.securityContext);
  if (want.gobgpdAdd.length === 0 && (gsc.runAsNonRoot !== true || gsc.runAsUser === 0))
    v.push('gobgpd: must run as non-root when it needs no capability');
  // The manager (root without CAP_DAC_OVERRIDE) needs write permission on gobgpd's socket: the same
  // user, or gobgpd's group as a supplemental group plus a group-writable umask.
  const msc = rec(manager.securityContext);
  if (gsc.runAsUser !== msc.runAsUser) {
    const groups = list(rec(podSpec.securityContext).supplementalGroups);
    if (!groups.includes(gsc.runAsGroup))
      v.push("pod: supplementalGroups must include gobgpd's runAsGroup so the manager can use its socket");
    const umask = /\bumask ([0-7]{3,4})\b/.exec(strs(gobgpd.command).join(' '))?.[1];
    if (umask === undefined || (parseInt(umask, 8) & 0o020) !== 0)
      v.push('gobgpd: its command must set a umask that leaves the socket group-writable');
  }

  const run = list(podSpec.volumes)
    .map(rec)
    .find((vol) => vol.name === 'run');
  if (!run || !isRecord(run.emptyDir)) v.push('pod: volume "run" must be an emptyDir');
  if (
    list(podSpec.volumes)
      .map(rec)
      .some((vol) => vol.hostPath !== undefined)
  )
    v.push('pod: no hostPath volumes');

  // gobgpd: gRPC only on the unix socket in the shared volume, pprof off, no config file.
  const gf = flags(gobgpd);
  const apiHosts = (gf.get('--api-hosts') ?? []).flatMap((h) => h.split(','));
  if (apiHosts.length === 0)
    v.push('gobgpd: --api-hosts must be set (its default is :50051 on every interface)');
  for (const h of apiHosts)
    if (!h.startsWith(`unix://${RUN_DIR}/`))
      v.push(`gobgpd: --api-hosts ${h} is not a unix socket in ${RUN_DIR}`);
  if (!gf.has('--pprof-disable'))
    v.push('gobgpd: --pprof-disable missing (pprof listens on localhost:6060 by default)');
  for (const f of ['--pprof-host', '-f', '--config-file', '--tls'])
    if (gf.has(f)) v.push(`gobgpd: ${f} must not be set`);
  const gobgpdPorts = list(gobgpd.ports).map(rec);
  if (gobgpdPorts.some((p) => p.name !== 'bgp')) v.push('gobgpd: the only port it may expose is bgp');

  // The manager talks to that socket, writes the heartbeat the gobgpd liveness probe reads.
  const mf = flags(manager);
  const socket = apiHosts[0]?.replace(/^unix:\/\//, '');
  if ((mf.get('--gobgp-socket') ?? [])[0] !== socket)
    v.push(`manager: --gobgp-socket must be gobgpd's socket ${socket ?? '?'}`);
  const heartbeat = (mf.get('--heartbeat-file') ?? [])[0];
  if (!heartbeat?.startsWith(`${RUN_DIR}/`)) v.push(`manager: --heartbeat-file must be in ${RUN_DIR}`);
  const live = strs(rec(rec(gobgpd.livenessProbe).exec).command).join(' ');
  if (!heartbeat || !live.includes(heartbeat))
    v.push('gobgpd: livenessProbe must test the manager heartbeat file');
  for (const [name, c] of [
    ['manager', manager],
    ['gobgpd', gobgpd],
  ] as const) {
    for (const [path, s] of strings([c.command, c.args])) {
      if (/:50051\b/.test(s)) v.push(`${name}${path}: "${s}" mentions gobgp's TCP gRPC port`);
    }
  }
  for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
    if (!isRecord(manager[probe])) v.push(`manager: ${probe} missing`);
  }
  if (!isRecord(gobgpd.livenessProbe)) v.push('gobgpd: livenessProbe missing');
  return v;
}

/** No Secret objects, no certificate/key material, no cert-generating Jobs, no caBundle values. */
export function keyMaterialViolations(objects: readonly KubeObject[]): string[] {
  const v: string[] = [];
  for (const o of objects) {
    const name = objectName(o);
    if (['Secret', 'Job', 'CronJob', 'CertificateSigningRequest'].includes(o.kind))
      v.push(`${name}: no ${o.kind} may be rendered`);
    for (const [path, s] of strings(o)) {
      if (/-----BEGIN [A-Z ]*(PRIVATE KEY|CERTIFICATE)-----/.test(s)) v.push(`${name}${path}: PEM material`);
    }
    for (const [path, key, value] of entries(o)) {
      if (key === 'caBundle' && value !== '') v.push(`${name}${path}: caBundle must be left to the manager`);
      if (/^(tls\.(crt|key)|ca\.crt|ca\.key)$/.test(key)) v.push(`${name}${path}: key material field`);
    }
  }
  return v;
}

/** Webhooks: only our CRDs, only through our Service, never on core objects. */
export function webhookViolations(objects: readonly KubeObject[]): string[] {
  const v: string[] = [];
  if (objects.some((o) => o.kind === 'MutatingWebhookConfiguration'))
    v.push('no MutatingWebhookConfiguration may be rendered');
  const vwcs = objects.filter((o) => o.kind === 'ValidatingWebhookConfiguration');
  if (vwcs.length !== 1 || vwcs[0]?.metadata.name !== 'openelb-admission')
    v.push('expected exactly one ValidatingWebhookConfiguration openelb-admission');
  for (const o of vwcs) {
    for (const w of list(o.webhooks).map(rec)) {
      const wn = `${objectName(o)} webhook ${String(w.name)}`;
      // failurePolicy defaults to Fail in admissionregistration/v1: it must be spelled out.
      if (w.failurePolicy !== 'Fail' && w.failurePolicy !== 'Ignore')
        v.push(`${wn}: failurePolicy must be explicit`);
      if (w.sideEffects !== 'None') v.push(`${wn}: sideEffects must be None`);
      const svc = rec(rec(w.clientConfig).service);
      if (rec(w.clientConfig).url !== undefined) v.push(`${wn}: must use the Service, not a URL`);
      if (svc.name !== WEBHOOK_SERVICE || svc.namespace !== NAMESPACE || svc.port !== 443)
        v.push(`${wn}: must call ${NAMESPACE}/${WEBHOOK_SERVICE}:443`);
      const rules = list(w.rules).map(rec);
      if (rules.length === 0) v.push(`${wn}: no rules`);
      for (const r of rules) {
        const groups = strs(r.apiGroups);
        const resources = strs(r.resources);
        if (groups.length !== 1 || groups[0] !== GROUP)
          v.push(`${wn}: may only match ${GROUP}, matches [${groups.join(', ')}]`);
        if (resources.length === 0 || resources.some((x) => !OUR_RESOURCES.includes(x)))
          v.push(`${wn}: may only match ${OUR_RESOURCES.join('/')}`);
        if (strs(r.operations).some((op) => op === '*' || op === 'DELETE' || op === 'CONNECT'))
          v.push(`${wn}: validates only CREATE/UPDATE`);
      }
    }
  }
  for (const crd of objects.filter((o) => o.kind === 'CustomResourceDefinition')) {
    const conv = rec(rec(crd.spec).conversion);
    if (conv.strategy !== 'Webhook') continue;
    const cc = rec(rec(conv.webhook).clientConfig);
    const svc = rec(cc.service);
    if (
      svc.name !== WEBHOOK_SERVICE ||
      svc.namespace !== NAMESPACE ||
      (svc.port !== undefined && svc.port !== 443)
    ) {
      v.push(`${objectName(crd)}: conversion webhook must call ${NAMESPACE}/${WEBHOOK_SERVICE}:443`);
    }
  }
  const service = objects.find((o) => o.kind === 'Service' && o.metadata.name === WEBHOOK_SERVICE);
  if (!service) v.push(`Service ${WEBHOOK_SERVICE} missing`);
  else {
    const spec = rec(service.spec);
    if (spec.publishNotReadyAddresses !== true)
      v.push(`Service ${WEBHOOK_SERVICE}: publishNotReadyAddresses must be true`);
    const ports = list(spec.ports).map(rec);
    const { manager } = podParts(objects);
    const webhookPort = list(manager.ports)
      .map(rec)
      .find((p) => p.name === 'webhook');
    if (ports.length !== 1 || ports[0]?.port !== 443 || ports[0]?.targetPort !== 'webhook' || !webhookPort) {
      v.push(`Service ${WEBHOOK_SERVICE}: must forward 443 to the manager's named port "webhook"`);
    }
  }
  return v;
}

function matches(selector: Record<string, unknown>, labels: Record<string, string>): boolean {
  const ml = rec(selector.matchLabels);
  return Object.keys(ml).length > 0 && Object.entries(ml).every(([k, x]) => labels[k] === x);
}

/** Shape of the workload: replicas, rollout, anti-affinity, selectors, PDB. */
export function workloadViolations(
  objects: readonly KubeObject[],
  mode: 'Deployment' | 'DaemonSet',
): string[] {
  const v: string[] = [];
  const { workload, podSpec, podLabels } = podParts(objects);
  const spec = rec(workload.spec);
  if (workload.kind !== mode) v.push(`workload must be a ${mode}, is a ${workload.kind}`);
  if (workload.metadata.name !== WORKLOAD_NAME || workload.metadata.namespace !== NAMESPACE)
    v.push(`workload must be ${NAMESPACE}/${WORKLOAD_NAME}`);
  const selector = rec(spec.selector);
  if (!matches(selector, podLabels)) v.push('workload selector must match the pod labels');
  for (const k of Object.keys(rec(selector.matchLabels))) {
    if (k === 'app.kubernetes.io/version' || k === 'helm.sh/chart')
      v.push(`selector must not use the changing label ${k}`);
  }
  if (!(typeof spec.minReadySeconds === 'number' && spec.minReadySeconds > 0))
    v.push('minReadySeconds must be > 0');
  if (typeof podSpec.priorityClassName !== 'string' || podSpec.priorityClassName === '')
    v.push('priorityClassName must be set by default');
  const rolling = rec(rec(mode === 'Deployment' ? spec.strategy : spec.updateStrategy).rollingUpdate);
  if (rolling.maxSurge !== 0 || rolling.maxUnavailable !== 1)
    v.push('rolling update must be maxSurge 0, maxUnavailable 1');
  const pdbs = objects.filter((o) => o.kind === 'PodDisruptionBudget');
  if (mode === 'Deployment') {
    if (spec.replicas !== 2) v.push(`replicas must default to 2, is ${String(spec.replicas)}`);
    const anti = list(
      rec(rec(podSpec.affinity).podAntiAffinity).requiredDuringSchedulingIgnoredDuringExecution,
    ).map(rec);
    if (
      !anti.some(
        (t) => t.topologyKey === 'kubernetes.io/hostname' && matches(rec(t.labelSelector), podLabels),
      )
    ) {
      v.push('replicas need a required pod anti-affinity on kubernetes.io/hostname');
    }
    if (pdbs.length !== 1 || !pdbs[0] || !matches(rec(rec(pdbs[0].spec).selector), podLabels))
      v.push('one PodDisruptionBudget selecting the pods');
  } else {
    if (spec.replicas !== undefined) v.push('a DaemonSet has no replicas');
    if (pdbs.length !== 0) v.push('no PodDisruptionBudget in DaemonSet mode');
  }
  for (const o of objects) {
    const namespaced = ![
      'Namespace',
      'CustomResourceDefinition',
      'ClusterRole',
      'ClusterRoleBinding',
      'ValidatingWebhookConfiguration',
    ].includes(o.kind);
    if (namespaced && o.metadata.namespace !== NAMESPACE) v.push(`${objectName(o)}: must be in ${NAMESPACE}`);
    if (!namespaced && o.metadata.namespace !== undefined)
      v.push(`${objectName(o)}: cluster-scoped, must have no namespace`);
  }
  return v;
}
