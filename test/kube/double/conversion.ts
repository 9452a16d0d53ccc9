// Converting custom resources between served versions (strategy None or Webhook).
import { randomUUID } from 'node:crypto';
import { clone, isObj, type Obj } from './json.ts';
import { apiVersion, type ResourceDef } from './resource.ts';
import { ApiError } from './status.ts';
import type { ServiceResolver } from './service-resolver.ts';
import { postJson } from './tls-client.ts';
import { resolveTarget } from './webhook-target.ts';

export async function convertObjects(
  def: ResourceDef,
  objs: Obj[],
  toVersion: string,
  services: ServiceResolver,
): Promise<Obj[]> {
  const desired = apiVersion(def.group, toVersion);
  const need = objs.filter((o) => o.apiVersion !== desired);
  if (def.builtin || need.length === 0) return objs;
  if (def.conversion?.strategy !== 'Webhook') {
    return objs.map((o) => ({ ...o, apiVersion: desired }));
  }
  const uid = randomUUID();
  const review = {
    kind: 'ConversionReview',
    apiVersion: 'apiextensions.k8s.io/v1',
    request: { uid, desiredAPIVersion: desired, objects: need },
  };
  // as the apiserver words it: the GroupVersionKind being converted from
  const from = `${String(need[0]?.apiVersion ?? '')}, Kind=${def.kind}`;
  const fail = (why: string): ApiError =>
    new ApiError(500, `conversion webhook for ${from} failed: ${why}`, 'InternalError');
  let t: ReturnType<typeof resolveTarget>;
  try {
    t = resolveTarget(def.conversion.clientConfig, services, 30);
  } catch (e) {
    throw fail((e as Error).message.replace(/^failed to call webhook: /, ''));
  }
  const opts: Parameters<typeof postJson>[0] = { url: t.url, timeoutMs: 30_000, body: review };
  if (t.caBundle) opts.caBundle = t.caBundle;
  if (t.serverName) opts.serverName = t.serverName;
  let answer: { status: number; body: unknown };
  try {
    answer = await postJson(opts);
  } catch (e) {
    throw fail(`Post "${t.display}": ${(e as Error).message}`);
  }
  const resp = isObj(answer.body) && isObj(answer.body.response) ? answer.body.response : undefined;
  if (!resp) throw fail('response is missing');
  if (resp.uid !== uid) throw fail(`expected response uid ${uid}, got ${String(resp.uid)}`);
  const result = isObj(resp.result) ? resp.result : {};
  if (result.status !== 'Success') throw fail(String(result.message ?? 'conversion failed'));
  const converted = Array.isArray(resp.convertedObjects) ? resp.convertedObjects.filter(isObj) : [];
  if (converted.length !== need.length)
    throw fail(`returned ${converted.length} objects, expected ${need.length}`);
  let i = 0;
  return objs.map((o) => {
    if (o.apiVersion === desired) return o;
    const c = clone(converted[i++] as Obj);
    // the apiserver keeps metadata it owns; a webhook may only change labels and annotations
    const m = isObj(c.metadata) ? c.metadata : {};
    c.metadata = { ...(isObj(o.metadata) ? o.metadata : {}), labels: m.labels, annotations: m.annotations };
    if (m.labels === undefined) delete (c.metadata as Obj).labels;
    if (m.annotations === undefined) delete (c.metadata as Obj).annotations;
    return c;
  });
}
