// storageVersionHash as kube-apiserver computes it for discovery: the first 8 bytes of
// sha256("<group>/<version>/<kind>") of the kind's *storage* version, base64 (std, padded).
// Checked against upstream's fixed table (pkg/controlplane/storageversionhashdata): "/v1/ConfigMap"
// gives qFsyl6wFWjQ=, and events.k8s.io/v1 events carry core v1 Event's hash because that is how
// they are stored.
import { createHash } from 'node:crypto';
import type { ResourceDef } from './resource.ts';
import { storageVersion } from './resource.ts';

/** Built-ins persisted as another group's kind (the hash follows the stored kind). */
const STORED_IN_GROUP: Record<string, string> = { 'events.k8s.io/Event': '' };

export function storageVersionHash(group: string, version: string, kind: string): string {
  const digest = createHash('sha256').update(`${group}/${version}/${kind}`).digest();
  return digest.subarray(0, 8).toString('base64');
}

/** The hash discovery shows for every served version of this resource (not its subresources). */
export function hashOf(def: ResourceDef): string {
  const group = STORED_IN_GROUP[`${def.group}/${def.kind}`] ?? def.group;
  return storageVersionHash(group, storageVersion(def), def.kind);
}
