// The workload users install: the Deployment (or DaemonSet) in the rendered deploy/openelb.yaml, its
// pod template untouched; and explicit, printed edits for tests that break one thing on purpose.
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const MANIFEST = join(REPO_ROOT, 'deploy/openelb.yaml');

export interface Workload {
  kind: 'Deployment' | 'DaemonSet';
  name: string;
  namespace: string;
  /** the pod template as written (unchecked: the runner checks it) */
  template: Record<string, unknown>;
  /** the workload spec minus the template (replicas, strategy, minReadySeconds …) */
  spec: Record<string, unknown>;
}

interface Doc {
  kind?: string;
  metadata?: { name?: string; namespace?: string };
  spec?: Record<string, unknown>;
}

/** The manager workload of a manifest (default deploy/openelb.yaml). */
export async function loadWorkload(file = MANIFEST, name = 'openelb-manager'): Promise<Workload> {
  const docs = yaml.loadAll(await readFile(file, 'utf8')) as (Doc | null)[];
  const d = docs.find(
    (x) => (x?.kind === 'Deployment' || x?.kind === 'DaemonSet') && x.metadata?.name === name,
  );
  if (!d?.spec || (d.kind !== 'Deployment' && d.kind !== 'DaemonSet'))
    throw new Error(`${file}: no Deployment or DaemonSet named ${name}`);
  const { template, ...spec } = d.spec;
  if (typeof template !== 'object' || template === null)
    throw new Error(`${file}: ${d.kind} ${name} has no spec.template`);
  return {
    kind: d.kind,
    name,
    namespace: d.metadata?.namespace ?? 'default',
    template: template as Record<string, unknown>,
    spec,
  };
}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A deep copy of a template with `edit` applied to one container (init or main), found by name. */
export function editContainer(template: Obj, container: string, edit: (c: Obj) => void): Obj {
  const copy = structuredClone(template);
  const spec = copy.spec;
  if (!isObj(spec)) throw new Error('template has no spec');
  const all = [
    ...(Array.isArray(spec.initContainers) ? spec.initContainers : []),
    ...(Array.isArray(spec.containers) ? spec.containers : []),
  ];
  const c = all.find((x): x is Obj => isObj(x) && x.name === container);
  if (!c) throw new Error(`template has no container ${container}`);
  edit(c);
  return copy;
}

/** A deep copy of a template with `edit` applied to its pod spec. */
export function editPodSpec(template: Obj, edit: (spec: Obj) => void): Obj {
  const copy = structuredClone(template);
  if (!isObj(copy.spec)) throw new Error('template has no spec');
  edit(copy.spec);
  return copy;
}

/** Appends args to a container (what a Helm value for extra flags would render). */
export function withArgs(template: Obj, container: string, args: readonly string[]): Obj {
  return editContainer(template, container, (c) => {
    c.args = [...(Array.isArray(c.args) ? (c.args as string[]) : []), ...args];
  });
}
