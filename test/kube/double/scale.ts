// The scale subresource (`kubectl scale`, HPA): an autoscaling/v1 Scale view of a Deployment,
// StatefulSet or ReplicaSet — spec.replicas, status.replicas and the label selector as text. GET
// reads it; PUT and PATCH (merge, JSON, strategic) edit the Scale and write only spec.replicas of
// the parent, through the parent's normal update pipeline (admission, validation, managedFields).
import { metaOf } from './api.ts';
import { guaranteedUpdate } from './guaranteed.ts';
import { isObj, type Obj } from './json.ts';
import { jsonPatchApply, mergePatch } from './patch.ts';
import type { Req } from './request.ts';
import { ApiError, badRequest, invalid } from './status.ts';
import { current, updateWith, type WriteResult } from './write.ts';

const SCALE_API = { group: 'autoscaling', version: 'v1', kind: 'Scale' } as const;

/** Discovery's view of the subresource, where a version has one. */
export const SCALE_KIND = SCALE_API;

function selectorText(spec: Obj): string {
  const sel = isObj(spec.selector) ? spec.selector : {};
  const labels = isObj(sel.matchLabels) ? sel.matchLabels : {};
  const parts = Object.entries(labels).map(([k, v]) => `${k}=${String(v)}`);
  for (const e of Array.isArray(sel.matchExpressions) ? sel.matchExpressions.filter(isObj) : []) {
    const values = Array.isArray(e.values) ? e.values.map(String).join(',') : '';
    const op = String(e.operator);
    if (op === 'In') parts.push(`${String(e.key)} in (${values})`);
    else if (op === 'NotIn') parts.push(`${String(e.key)} notin (${values})`);
    else if (op === 'Exists') parts.push(String(e.key));
    else if (op === 'DoesNotExist') parts.push(`!${String(e.key)}`);
  }
  return parts.join(',');
}

function toScale(obj: Obj): Obj {
  const m = metaOf(obj);
  const spec = isObj(obj.spec) ? obj.spec : {};
  const status = isObj(obj.status) ? obj.status : {};
  const meta: Obj = {};
  for (const k of ['name', 'namespace', 'uid', 'resourceVersion', 'creationTimestamp'])
    if (m[k] !== undefined) meta[k] = m[k];
  return {
    kind: SCALE_API.kind,
    apiVersion: `${SCALE_API.group}/${SCALE_API.version}`,
    metadata: meta,
    spec: { replicas: typeof spec.replicas === 'number' ? spec.replicas : 1 },
    status: {
      replicas: typeof status.replicas === 'number' ? status.replicas : 0,
      selector: selectorText(spec),
    },
  };
}

function parentOf(r: Req): Req {
  const path = { ...r.path };
  delete path.subresource;
  return { ...r, path };
}

function replicasOf(r: Req, scale: unknown): number {
  const spec = isObj(scale) && isObj(scale.spec) ? scale.spec : {};
  const n = spec.replicas;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0)
    throw invalid(SCALE_API.kind, SCALE_API.group, r.path.name ?? '', [
      {
        reason: 'FieldValueInvalid',
        field: 'spec.replicas',
        message: `Invalid value: ${JSON.stringify(n)}: must be greater than or equal to 0`,
      },
    ]);
  return n;
}

async function writeReplicas(r: Req, compute: (scale: Obj) => unknown): Promise<WriteResult> {
  const name = r.path.name ?? '';
  return guaranteedUpdate({ group: r.def.group, plural: r.def.plural, name }, async () => {
    const parent = parentOf(r);
    const cur = await current(parent, name);
    const wanted = compute(toScale(cur));
    const rv = isObj(wanted) && isObj(wanted.metadata) ? wanted.metadata.resourceVersion : undefined;
    if (typeof rv === 'string' && rv !== '' && rv !== metaOf(cur).resourceVersion)
      throw new ApiError(
        409,
        `Operation cannot be fulfilled on ${r.def.plural}.${r.def.group} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
        'Conflict',
        { name, group: r.def.group, kind: r.def.plural },
      );
    const replicas = replicasOf(r, wanted);
    const spec = isObj(cur.spec) ? cur.spec : {};
    // written as the subresource: admission and managedFields see deployments/scale
    const res = await updateWith(r, cur, { ...cur, spec: { ...spec, replicas } }, false);
    return { code: res.code, body: toScale(res.body) };
  });
}

export async function scaleRequest(r: Req, method: string, text: string): Promise<WriteResult> {
  if (method === 'GET') return { code: 200, body: toScale(await current(parentOf(r), r.path.name ?? '')) };
  let body: unknown;
  try {
    body = JSON.parse(text) as unknown;
  } catch (e) {
    throw badRequest(`error decoding body: ${(e as Error).message}`);
  }
  if (method === 'PUT') return writeReplicas(r, () => body);
  const ct = (r.contentType.split(';')[0] ?? '').trim().toLowerCase();
  if (ct === 'application/json-patch+json') return writeReplicas(r, (s) => jsonPatchApply(s, body));
  if (ct === 'application/merge-patch+json' || ct === 'application/strategic-merge-patch+json')
    return writeReplicas(r, (s) => mergePatch(s, body));
  throw new ApiError(
    415,
    'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json',
    'UnsupportedMediaType',
  );
}
