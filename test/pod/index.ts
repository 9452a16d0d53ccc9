// The pod runner: the manifest's pod template run with podman as a kubelet would (see README.md).
export {
  Pod,
  templateHash,
  type PodOptions,
  type PodNode,
  type ContainerStatus,
  type PodPhase,
  type Termination,
} from './pod.ts';
export { loadWorkload, editContainer, editPodSpec, withArgs, MANIFEST, type Workload } from './manifest.ts';
export { checkPodTemplate, PodSpecRefused } from './schema.ts';
export { planContainers, type ContainerPlan } from './plan.ts';
export type { Audit } from './audit.ts';
export { podmanSkipReason, requireImages } from './preflight.ts';
export { removeOrphanPods } from './cleanup.ts';
