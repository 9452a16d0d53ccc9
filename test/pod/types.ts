// The part of the Kubernetes pod spec the pod runner implements. schema.ts refuses everything else,
// so a value of these types has passed that check and holds nothing the runner would ignore.

export interface ObjectMeta {
  name?: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface PodTemplate {
  metadata?: ObjectMeta;
  spec: PodSpec;
}

export interface PodSpec {
  serviceAccountName?: string;
  automountServiceAccountToken?: boolean;
  hostNetwork: true;
  dnsPolicy?: 'ClusterFirstWithHostNet' | 'Default';
  enableServiceLinks?: false;
  priorityClassName?: string;
  terminationGracePeriodSeconds?: number;
  securityContext?: PodSecurityContext;
  nodeSelector?: Record<string, string>;
  affinity?: Affinity;
  tolerations?: Toleration[];
  initContainers?: Container[];
  containers: Container[];
  volumes?: Volume[];
  restartPolicy?: 'Always';
}

export interface SeccompProfile {
  type: 'RuntimeDefault' | 'Unconfined';
}

export interface PodSecurityContext {
  runAsUser?: number;
  runAsGroup?: number;
  runAsNonRoot?: boolean;
  supplementalGroups?: number[];
  fsGroup?: number;
  seccompProfile?: SeccompProfile;
}

export interface NodeSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[];
}

export interface PodAffinityTerm {
  topologyKey: 'kubernetes.io/hostname';
  labelSelector: { matchLabels: Record<string, string> };
}

export interface Affinity {
  nodeAffinity?: {
    requiredDuringSchedulingIgnoredDuringExecution: {
      nodeSelectorTerms: { matchExpressions: NodeSelectorRequirement[] }[];
    };
  };
  podAntiAffinity?: { requiredDuringSchedulingIgnoredDuringExecution: PodAffinityTerm[] };
}

export interface Toleration {
  key?: string;
  operator?: 'Exists' | 'Equal';
  value?: string;
  effect?: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}

export interface Volume {
  name: string;
  emptyDir: { medium?: '' | 'Memory'; sizeLimit?: string };
}

export interface VolumeMount {
  name: string;
  mountPath: string;
  readOnly?: boolean;
}

export interface FieldRef {
  fieldPath: string;
}

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { fieldRef: FieldRef };
}

export interface ContainerPort {
  name?: string;
  containerPort: number;
  protocol?: 'TCP' | 'UDP' | 'SCTP';
}

export interface Capabilities {
  add?: string[];
  drop?: string[];
}

export interface SecurityContext {
  runAsUser?: number;
  runAsGroup?: number;
  runAsNonRoot?: boolean;
  allowPrivilegeEscalation?: boolean;
  readOnlyRootFilesystem?: boolean;
  privileged?: false;
  capabilities?: Capabilities;
  seccompProfile?: SeccompProfile;
}

export interface ExecAction {
  command: string[];
}

export interface HttpGetAction {
  path?: string;
  port: number | string;
  host?: string;
  scheme?: 'HTTP';
  httpHeaders?: { name: string; value: string }[];
}

export interface Probe {
  exec?: ExecAction;
  httpGet?: HttpGetAction;
  initialDelaySeconds?: number;
  periodSeconds?: number;
  timeoutSeconds?: number;
  successThreshold?: number;
  failureThreshold?: number;
  terminationGracePeriodSeconds?: number;
}

export interface Resources {
  limits?: { memory?: string; cpu?: string };
  requests?: { memory?: string; cpu?: string };
}

export interface Container {
  name: string;
  image: string;
  imagePullPolicy?: 'IfNotPresent' | 'Never';
  /** only on init containers: 'Always' makes a native sidecar */
  restartPolicy?: 'Always';
  command?: string[];
  args?: string[];
  workingDir?: string;
  env?: EnvVar[];
  ports?: ContainerPort[];
  securityContext?: SecurityContext;
  startupProbe?: Probe;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  resources?: Resources;
  volumeMounts?: VolumeMount[];
  terminationMessagePath?: string;
  terminationMessagePolicy?: 'File';
}
