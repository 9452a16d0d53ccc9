// The Kubernetes layer's public surface.
export {
  Resources,
  OPENELB_GROUP,
  OPENELB_VERSION,
  apiVersionOf,
  isCustomResource,
  resourcePath,
} from './resources.ts';
export type { ResourceRef, PathOptions } from './resources.ts';
export type * from './types.ts';
export { objectKey } from './types.ts';
export { KubeClient, PatchType, normalize } from './client.ts';
export type {
  PatchKind,
  ClientOptions,
  ListOptions,
  WriteOptions,
  RequestOptions,
  JsonPatchOp,
  Query,
} from './client.ts';
export {
  KubeApiError,
  isKubeApiError,
  isNotFound,
  isConflict,
  isAlreadyExists,
  isGone,
  isTransient,
  isApiWeather,
  errorMessage,
} from './errors.ts';
export { Backoff, sleep } from '../core/backoff.ts';
export type { BackoffOptions } from '../core/backoff.ts';
export { Informer } from './informer.ts';
export { intentChanged, onlyReportsChanged } from './changes.ts';
export type { InformerEvent, InformerOptions, Refusal } from './informer.ts';
export { LeaseHolder } from './lease.ts';
export type { LeaseOptions } from './lease.ts';
export { ObjectWriter, mapDiffPatch, isEmptyPatch } from './writers.ts';
export type { MergePatch, WriteTarget, RetryOptions } from './writers.ts';
export { EventRecorder } from './events.ts';
export type { EventRecorderOptions, EventType } from './events.ts';
export { loadKubeConfig } from './kubeconfig.ts';
export type { KubeConfigSource } from './kubeconfig.ts';
export { createCaches } from './caches.ts';
export type { Caches, EntryChecks } from './caches.ts';
