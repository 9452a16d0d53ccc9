// Applying YAML manifests from disk through the normal create pipeline (CRDs at start-up).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import type { KubeApi } from './api.ts';
import { isObj, type Obj } from './json.ts';
import type { Req } from './request.ts';
import { create } from './write.ts';

export function yamlFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
    .sort()
    .map((f) => join(dir, f))
    .filter((f) => statSync(f).isFile());
}

export function parseManifests(text: string): Obj[] {
  return yaml.loadAll(text).filter(isObj);
}

/** Create one object as a client would (POST); throws the ApiError a client would get. */
export async function applyObject(api: KubeApi, obj: Obj): Promise<Obj> {
  const [group, version] =
    typeof obj.apiVersion === 'string' && obj.apiVersion.includes('/')
      ? obj.apiVersion.split('/')
      : ['', String(obj.apiVersion ?? 'v1')];
  const def = api.registry.byKind(group ?? '', String(obj.kind ?? ''));
  const v = def?.versions.find((x) => x.name === version);
  if (!def || !v) throw new Error(`no resource for ${String(obj.apiVersion)} ${String(obj.kind)}`);
  const meta = isObj(obj.metadata) ? obj.metadata : {};
  const path: Req['path'] = { group: def.group, version: v.name, plural: def.plural };
  if (def.namespaced) path.namespace = typeof meta.namespace === 'string' ? meta.namespace : 'default';
  const r: Req = {
    api,
    def,
    version: v,
    path,
    query: new URLSearchParams(),
    contentType: 'application/json',
    accept: 'application/json',
    warnings: [],
    // the field manager of what the double installs at start-up (a real cluster's CRDs carry the
    // manager of whoever installed them; "unknown" would suggest an anonymous client)
    userAgent: 'kube-double-bootstrap',
  };
  return (await create(r, obj)).body;
}

export async function applyDirs(api: KubeApi, dirs: string[]): Promise<void> {
  for (const dir of dirs) {
    for (const file of yamlFiles(dir)) {
      for (const doc of parseManifests(readFileSync(file, 'utf8'))) {
        try {
          await applyObject(api, doc);
        } catch (e) {
          throw new Error(`kube-double: applying ${file}: ${(e as Error).message}`, { cause: e });
        }
      }
    }
  }
}
