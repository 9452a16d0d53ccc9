// PATCH: dispatch on Content-Type, apply to the current object, then the update pipeline.
import { jsonPatchApply, mergePatch, strategicMerge } from './patch.ts';
import { isObj, type Obj } from './json.ts';
import type { Req } from './request.ts';
import { ApiError, badRequest } from './status.ts';
import { current, updateWith, type WriteResult } from './write.ts';
import { applyPatch } from './ssa/apply.ts';
import { guaranteedUpdate } from './guaranteed.ts';

const JSON_PATCH = 'application/json-patch+json';
const MERGE = 'application/merge-patch+json';
const STRATEGIC = 'application/strategic-merge-patch+json';
const APPLY = 'application/apply-patch+yaml';

function unsupported(types: string[]): ApiError {
  return new ApiError(
    415,
    `the body of the request was in an unknown format - accepted media types include: ${types.join(', ')}`,
    'UnsupportedMediaType',
  );
}

/** PATCH, recomputed from the fresh object when a concurrent write lands first (GuaranteedUpdate). */
export function patch(r: Req, text: string): Promise<WriteResult> {
  return guaranteedUpdate({ group: r.def.group, plural: r.def.plural, name: r.path.name ?? '' }, () =>
    patchOnce(r, text),
  );
}

async function patchOnce(r: Req, text: string): Promise<WriteResult> {
  const ct = (r.contentType.split(';')[0] ?? '').trim().toLowerCase();
  const builtin = r.def.builtin;
  if (ct === APPLY) return applyPatch(r, text);
  if (ct === STRATEGIC && !builtin) throw unsupported([JSON_PATCH, MERGE, APPLY]);
  if (ct !== JSON_PATCH && ct !== MERGE && ct !== STRATEGIC) {
    throw unsupported(builtin ? [JSON_PATCH, MERGE, STRATEGIC, APPLY] : [JSON_PATCH, MERGE, APPLY]);
  }
  let body: unknown;
  try {
    body = JSON.parse(text) as unknown;
  } catch (e) {
    throw badRequest(`error decoding patch: ${(e as Error).message}`);
  }
  const name = r.path.name ?? '';
  const cur = await current(r, name);
  let next: Obj;
  if (ct === JSON_PATCH) next = jsonPatchApply(cur, body);
  else {
    if (!isObj(body))
      throw badRequest(
        `json: cannot unmarshal ${Array.isArray(body) ? 'array' : typeof body} into Go value of type map[string]interface {}`,
      );
    const merged = ct === MERGE ? mergePatch(cur, body) : strategicMerge(r.def.kind, cur, body);
    if (!isObj(merged)) throw badRequest('patch did not produce an object');
    next = merged;
  }
  return updateWith(r, cur, next, false);
}
