// From a checked pod template to what podman is told for each container — the translation a kubelet
// and its CRI runtime make: identity, capabilities, no_new_privs, read-only root, seccomp, memory and
// CPU, mounts, environment with the downward API and $(VAR) expansion, entrypoint/command, and the
// probes. Pure: the caller supplies the image configs and host paths.
import { expandVars } from './expand.ts';
import { parseQuantity } from './quantity.ts';
import type { Container, PodSpec, PodTemplate, Probe } from './types.ts';

/** The capabilities a CRI runtime (containerd, CRI-O) gives a container before drop/add. */
export const RUNTIME_DEFAULT_CAPS: readonly string[] = [
  'CHOWN',
  'DAC_OVERRIDE',
  'FSETID',
  'FOWNER',
  'MKNOD',
  'NET_RAW',
  'SETGID',
  'SETUID',
  'SETFCAP',
  'SETPCAP',
  'NET_BIND_SERVICE',
  'SYS_CHROOT',
  'KILL',
  'AUDIT_WRITE',
];
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
export const DEFAULT_GRACE_S = 30;

/** What the image says (podman image inspect): the defaults the pod spec may override. */
export interface ImageConfig {
  user: string;
  entrypoint: string[];
  cmd: string[];
  env: string[];
}

export interface PodIdentity {
  name: string;
  namespace: string;
  uid: string;
  labels: Readonly<Record<string, string>>;
  annotations: Readonly<Record<string, string>>;
  nodeName: string;
  /** hostNetwork: the pod's IPs are the node's */
  nodeIPs: readonly string[];
}

export interface PodHostPaths {
  /** network namespace the pod joins (hostNetwork = the node's) */
  netnsPath: string;
  /** per volume name: the host directory backing it */
  volumes: ReadonlyMap<string, string>;
  /** host directory mounted read-only at SERVICE_ACCOUNT_DIR in place of the token, holding `kubeconfig` */
  serviceAccountDir: string | undefined;
}

export type ProbeKind = 'startup' | 'liveness' | 'readiness';

export type ProbeHandler =
  { kind: 'exec'; command: string[] } | { kind: 'http'; url: string; headers: [string, string][] };

export interface ProbePlan {
  kind: ProbeKind;
  handler: ProbeHandler;
  initialDelayMs: number;
  periodMs: number;
  timeoutMs: number;
  successThreshold: number;
  failureThreshold: number;
  /** grace when this probe's failure kills the container */
  killGraceS: number;
}

export interface SecurityPlan {
  uid: number | undefined;
  gid: number | undefined;
  groups: number[];
  /** the container's capability set (bounding = permitted = effective for root) */
  caps: string[];
  noNewPrivs: boolean;
  readOnlyRoot: boolean;
  seccomp: 'RuntimeDefault' | 'Unconfined';
}

export interface ContainerPlan {
  name: string;
  sidecar: boolean;
  image: string;
  security: SecurityPlan;
  memoryLimitBytes: number | undefined;
  env: [string, string][];
  entrypoint: string[] | undefined;
  args: string[] | undefined;
  mounts: { source: string; destination: string; readOnly: boolean }[];
  terminationMessagePath: string;
  probes: Partial<Record<ProbeKind, ProbePlan>>;
  /** `podman run` options (before the image), minus the per-attempt ones (name, log path, termination log) */
  podmanOptions: string[];
}

export class PlanError extends Error {}

function capName(c: string): string {
  return c.toUpperCase().replace(/^CAP_/, '');
}

/** Capability set after the spec's drop and add, starting from the runtime default. */
export function capabilitySet(drop: readonly string[] = [], add: readonly string[] = []): string[] {
  const d = drop.map(capName);
  let set = d.includes('ALL') ? [] : RUNTIME_DEFAULT_CAPS.filter((c) => !d.includes(c));
  for (const a of add.map(capName)) {
    if (a === 'ALL') throw new PlanError('capabilities.add: ALL is not implemented');
    if (!set.includes(a)) set = [...set, a];
  }
  return set.sort();
}

function imageUid(user: string): number | undefined {
  const u = user.split(':')[0] ?? '';
  if (u === '') return 0;
  return /^\d+$/.test(u) ? Number(u) : undefined;
}

function fieldValue(path: string, id: PodIdentity, spec: PodSpec): string {
  const v4 = id.nodeIPs.find((ip) => !ip.includes(':')) ?? id.nodeIPs[0] ?? '';
  switch (path) {
    case 'metadata.name':
      return id.name;
    case 'metadata.namespace':
      return id.namespace;
    case 'metadata.uid':
      return id.uid;
    case 'spec.nodeName':
      return id.nodeName;
    case 'spec.serviceAccountName':
      return spec.serviceAccountName ?? 'default';
    case 'status.hostIP':
    case 'status.podIP':
      return v4;
    case 'status.hostIPs':
    case 'status.podIPs':
      return id.nodeIPs.join(',');
  }
  const m = /^metadata\.(labels|annotations)\['([^']+)'\]$/.exec(path);
  if (m?.[2] !== undefined) return (m[1] === 'labels' ? id.labels : id.annotations)[m[2]] ?? '';
  throw new PlanError(`fieldRef ${path} is not implemented`);
}

function resolveEnv(c: Container, id: PodIdentity, spec: PodSpec): [string, string][] {
  const vars = new Map<string, string>();
  for (const e of c.env ?? []) {
    const ref = e.valueFrom?.fieldRef?.fieldPath;
    vars.set(e.name, ref !== undefined ? fieldValue(ref, id, spec) : expandVars(e.value ?? '', vars));
  }
  return [...vars.entries()];
}

function portOf(c: Container, port: number | string, at: string): number {
  if (typeof port === 'number') return port;
  const p = (c.ports ?? []).find((x) => x.name === port);
  if (!p) throw new PlanError(`${at}: no container port named ${port}`);
  return p.containerPort;
}

function probePlan(
  kind: ProbeKind,
  p: Probe | undefined,
  c: Container,
  id: PodIdentity,
  podGraceS: number,
  at: string,
): ProbePlan | undefined {
  if (!p) return undefined;
  let handler: ProbeHandler;
  if (p.exec) handler = { kind: 'exec', command: p.exec.command };
  else if (p.httpGet) {
    const h = p.httpGet;
    const host = h.host ?? id.nodeIPs.find((ip) => !ip.includes(':')) ?? '127.0.0.1';
    const hostPart = host.includes(':') ? `[${host}]` : host;
    const path = h.path ?? '/';
    handler = {
      kind: 'http',
      url: `http://${hostPart}:${portOf(c, h.port, `${at}.httpGet.port`)}${path.startsWith('/') ? path : `/${path}`}`,
      headers: (h.httpHeaders ?? []).map((x) => [x.name, x.value]),
    };
  } else throw new PlanError(`${at}: no handler`);
  return {
    kind,
    handler,
    initialDelayMs: (p.initialDelaySeconds ?? 0) * 1000,
    periodMs: (p.periodSeconds ?? 10) * 1000,
    timeoutMs: (p.timeoutSeconds ?? 1) * 1000,
    successThreshold: p.successThreshold ?? 1,
    failureThreshold: p.failureThreshold ?? 3,
    killGraceS: p.terminationGracePeriodSeconds ?? podGraceS,
  };
}

function securityPlan(c: Container, spec: PodSpec, image: ImageConfig, at: string): SecurityPlan {
  const sc = c.securityContext ?? {};
  const psc = spec.securityContext ?? {};
  const uid = sc.runAsUser ?? psc.runAsUser;
  const gid = sc.runAsGroup ?? psc.runAsGroup;
  const effectiveUid = uid ?? imageUid(image.user);
  const nonRoot = sc.runAsNonRoot ?? psc.runAsNonRoot ?? false;
  if (nonRoot) {
    if (effectiveUid === undefined)
      throw new PlanError(
        `${at}: runAsNonRoot is set and image user "${image.user}" is not numeric, so it cannot be verified (as the kubelet refuses it)`,
      );
    if (effectiveUid === 0)
      throw new PlanError(`${at}: runAsNonRoot is set but the container would run as root (uid 0)`);
  }
  const caps = capabilitySet(sc.capabilities?.drop, sc.capabilities?.add);
  if (effectiveUid !== 0 && caps.length > 0) {
    throw new PlanError(
      `${at}.securityContext.capabilities: a non-root container (uid ${effectiveUid ?? image.user}) with capabilities [${caps.join(',')}] is not implemented: podman raises them as ambient (effective) capabilities, Kubernetes only bounds them — drop ALL`,
    );
  }
  const groups = [...(psc.supplementalGroups ?? []), ...(psc.fsGroup !== undefined ? [psc.fsGroup] : [])];
  return {
    uid,
    gid,
    groups: [...new Set(groups)],
    caps,
    noNewPrivs: sc.allowPrivilegeEscalation === false,
    readOnlyRoot: sc.readOnlyRootFilesystem === true,
    seccomp: (sc.seccompProfile ?? psc.seccompProfile)?.type ?? 'Unconfined',
  };
}

function userOption(s: SecurityPlan, image: ImageConfig): string[] {
  if (s.uid === undefined && s.gid === undefined) return [];
  const u = s.uid ?? image.user.split(':')[0] ?? '0';
  return ['--user', s.gid === undefined ? String(u) : `${u}:${s.gid}`];
}

export interface PlanInput {
  template: PodTemplate;
  identity: PodIdentity;
  host: PodHostPaths;
  /** per image reference */
  images: ReadonlyMap<string, ImageConfig>;
}

/** One plan per container, sidecars (init containers) first in spec order, then the main containers. */
export function planContainers(inp: PlanInput): ContainerPlan[] {
  const spec = inp.template.spec;
  const grace = spec.terminationGracePeriodSeconds ?? DEFAULT_GRACE_S;
  const all: [Container, boolean, string][] = [
    ...(spec.initContainers ?? []).map((c, i): [Container, boolean, string] => [
      c,
      true,
      `spec.initContainers[${i}]`,
    ]),
    ...spec.containers.map((c, i): [Container, boolean, string] => [c, false, `spec.containers[${i}]`]),
  ];
  const saMount = spec.automountServiceAccountToken !== false && inp.host.serviceAccountDir !== undefined;
  return all.map(([c, sidecar, at]) => {
    const image = inp.images.get(c.image);
    if (!image)
      throw new PlanError(
        `${at}.image: ${c.image} is not present (the runner never pulls: build it with \`make images\`)`,
      );
    const security = securityPlan(c, spec, image, at);
    const env = resolveEnv(c, inp.identity, spec);
    const vars = new Map(env);
    if (saMount) env.push(['KUBECONFIG', `${SERVICE_ACCOUNT_DIR}/kubeconfig`]);
    const mounts = (c.volumeMounts ?? []).map((m) => {
      const source = inp.host.volumes.get(m.name);
      if (source === undefined)
        throw new PlanError(`${at}.volumeMounts: no host directory for volume ${m.name}`);
      return { source, destination: m.mountPath, readOnly: m.readOnly === true };
    });
    if (saMount && inp.host.serviceAccountDir !== undefined)
      mounts.push({ source: inp.host.serviceAccountDir, destination: SERVICE_ACCOUNT_DIR, readOnly: true });
    const entrypoint = c.command?.map((s) => expandVars(s, vars));
    const args = c.args?.map((s) => expandVars(s, vars));
    const memoryLimitBytes =
      c.resources?.limits?.memory !== undefined
        ? parseQuantity(c.resources.limits.memory, 'memory')
        : undefined;
    const cpuLimit =
      c.resources?.limits?.cpu !== undefined ? parseQuantity(c.resources.limits.cpu, 'cpu') : undefined;
    const cpuRequest =
      c.resources?.requests?.cpu !== undefined ? parseQuantity(c.resources.requests.cpu, 'cpu') : cpuLimit;
    const specEnvNames = new Set(env.map(([k]) => k));
    const imageEnvNames = new Set(image.env.map((e) => e.split('=')[0] ?? ''));
    const o: string[] = [
      '--pull=never',
      '--systemd=false',
      `--network=ns:${inp.host.netnsPath}`,
      `--hostname=${inp.identity.nodeName}`,
      ...userOption(security, image),
      ...security.groups.map((g) => `--group-add=${g}`),
      '--cap-drop=ALL',
      ...(security.caps.length > 0 ? [`--cap-add=${security.caps.join(',')}`] : []),
      ...(security.noNewPrivs ? ['--security-opt=no-new-privileges'] : []),
      ...(security.seccomp === 'Unconfined' ? ['--security-opt=seccomp=unconfined'] : []),
      ...(security.readOnlyRoot ? ['--read-only', '--read-only-tmpfs=false'] : []),
      ...(memoryLimitBytes !== undefined
        ? [`--memory=${memoryLimitBytes}b`, `--memory-swap=${memoryLimitBytes}b`]
        : []),
      ...(cpuLimit !== undefined ? [`--cpus=${cpuLimit / 1000}`] : []),
      ...(cpuRequest !== undefined
        ? [`--cpu-shares=${Math.max(2, Math.floor((cpuRequest * 1024) / 1000))}`]
        : []),
      ...mounts.map(
        (m) =>
          `--mount=type=bind,source=${m.source},destination=${m.destination}${m.readOnly ? ',ro=true' : ''}`,
      ),
      // podman's own additions that a CRI runtime does not make, unless the image or spec sets them
      ...['TERM', 'container']
        .filter((k) => !specEnvNames.has(k) && !imageEnvNames.has(k))
        .map((k) => `--unsetenv=${k}`),
      ...env.map(([k, v]) => `--env=${k}=${v}`),
      ...(c.workingDir !== undefined ? [`--workdir=${c.workingDir}`] : []),
      ...(entrypoint !== undefined ? [`--entrypoint=${JSON.stringify(entrypoint)}`] : []),
    ];
    const pid = (k: ProbeKind, p: Probe | undefined): ProbePlan | undefined =>
      probePlan(k, p, c, inp.identity, grace, `${at}.${k}Probe`);
    const probes: Partial<Record<ProbeKind, ProbePlan>> = {};
    for (const [k, p] of [
      ['startup', c.startupProbe],
      ['liveness', c.livenessProbe],
      ['readiness', c.readinessProbe],
    ] as const) {
      const pp = pid(k, p);
      if (pp) probes[k] = pp;
    }
    return {
      name: c.name,
      sidecar,
      image: c.image,
      security,
      memoryLimitBytes,
      env,
      entrypoint,
      args,
      mounts,
      terminationMessagePath: c.terminationMessagePath ?? '/dev/termination-log',
      probes,
      podmanOptions: o,
    };
  });
}

/** The full `podman run` argv for one attempt of a container. */
export function runArgv(
  p: ContainerPlan,
  containerName: string,
  labels: Readonly<Record<string, string>>,
  logPath: string,
  terminationLogPath: string,
): string[] {
  return [
    'podman',
    'run',
    '--detach',
    `--name=${containerName}`,
    ...Object.entries(labels).map(([k, v]) => `--label=${k}=${v}`),
    '--log-driver=k8s-file',
    `--log-opt=path=${logPath}`,
    `--mount=type=bind,source=${terminationLogPath},destination=${p.terminationMessagePath}`,
    ...p.podmanOptions,
    p.image,
    // podman drops the image's CMD when --entrypoint is given, as Kubernetes does for `command`
    ...(p.args ?? []),
  ];
}
