// Pure, lossless conversion between network.kubesphere.io v1alpha1 and v1alpha2 (served by the
// webhook at /convert). Eip: identical schemas, only apiVersion changes. BgpConf and BgpPeer: fields
// both versions express are moved to their new names; everything else the target version cannot
// hold is stashed as JSON in an annotation and restored when converting back, so any object
// survives v1alpha1 -> v1alpha2 -> v1alpha1 and v1alpha2 -> v1alpha1 -> v1alpha2 unchanged.
// Only metadata.annotations may change (the API server rejects other metadata changes).
import {
  ANNOTATION_CONVERSION_V1ALPHA1_SPEC,
  ANNOTATION_CONVERSION_V1ALPHA2_SPEC,
  API_VERSION_V1ALPHA1,
  API_VERSION_V1ALPHA2,
  GROUP,
  KIND_BGPCONF,
  KIND_BGPPEER,
  KIND_EIP,
} from './names.ts';
import { OpenelbError } from '../core/errors.ts';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type JsonObject = { [k: string]: Json };

export class ConversionError extends OpenelbError {
  constructor(message: string) {
    super('OE_CONVERSION', message);
    this.name = 'ConversionError';
  }
}

/** [v1alpha1 path, v1alpha2 path] of the fields both versions express. */
type FieldMap = ReadonlyArray<readonly [string, string]>;

const FIELD_MAPS: Readonly<Record<string, FieldMap>> = {
  [KIND_BGPCONF]: [
    ['as', 'as'],
    ['routerID', 'routerId'],
    ['port', 'listenPort'],
  ],
  [KIND_BGPPEER]: [
    ['config.neighborAddress', 'conf.neighborAddress'],
    ['config.peerAs', 'conf.peerAs'],
    ['transport.passiveMode', 'transport.passiveMode'],
    ['transport.remotePort', 'transport.remotePort'],
  ],
};

export const CONVERTIBLE_KINDS: readonly string[] = [KIND_EIP, KIND_BGPCONF, KIND_BGPPEER];

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function clone<T extends Json>(v: T): T {
  return structuredClone(v);
}

function getPath(o: JsonObject, path: string[]): Json | undefined {
  let cur: Json | undefined = o;
  for (const p of path) {
    if (!isObject(cur)) return undefined;
    cur = cur[p];
  }
  return cur;
}

function setPath(o: JsonObject, path: string[], value: Json): void {
  let cur = o;
  for (const p of path.slice(0, -1)) {
    const next = cur[p];
    if (isObject(next)) cur = next;
    else {
      const created: JsonObject = {};
      cur[p] = created;
      cur = created;
    }
  }
  cur[path[path.length - 1] as string] = value;
}

/** Deletes the leaf, then every parent object the deletion left empty. */
function deletePath(o: JsonObject, path: string[]): void {
  const chain: JsonObject[] = [o];
  for (const p of path.slice(0, -1)) {
    const next = chain[chain.length - 1]?.[p];
    if (!isObject(next)) return;
    chain.push(next);
  }
  for (let i = path.length - 1; i >= 0; i--) {
    const parent = chain[i] as JsonObject;
    delete parent[path[i] as string];
    if (i > 0 && Object.keys(parent).length > 0) return;
    if (i === 0) return;
  }
}

/** Deep merge: objects merge key by key, anything else in `top` replaces `base`. */
function merge(base: JsonObject, top: JsonObject): JsonObject {
  const out: JsonObject = clone(base);
  for (const [k, v] of Object.entries(top)) {
    const b = out[k];
    out[k] = isObject(b) && isObject(v) ? merge(b, v) : clone(v);
  }
  return out;
}

/** Moves the mapped fields; returns them at their new paths and what is left of `spec`. */
function moveFields(spec: JsonObject, map: FieldMap, toV2: boolean): { moved: JsonObject; rest: JsonObject } {
  const moved: JsonObject = {};
  const rest = clone(spec);
  for (const [p1, p2] of map) {
    const from = (toV2 ? p1 : p2).split('.');
    const to = (toV2 ? p2 : p1).split('.');
    const v = getPath(spec, from);
    if (v === undefined) continue;
    setPath(moved, to, clone(v));
    deletePath(rest, from);
  }
  return { moved, rest };
}

function readStash(annotations: JsonObject, key: string, what: string): JsonObject {
  const raw = annotations[key];
  if (raw === undefined) return {};
  if (typeof raw !== 'string') throw new ConversionError(`${what}: annotation ${key} must be a string`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (e) {
    throw new ConversionError(`${what}: annotation ${key} is not valid JSON: ${(e as Error).message}`);
  }
  if (!isObject(parsed)) throw new ConversionError(`${what}: annotation ${key} must hold a JSON object`);
  return parsed;
}

function describe(obj: JsonObject): string {
  const meta = isObject(obj['metadata']) ? obj['metadata'] : {};
  const name = typeof meta['name'] === 'string' ? meta['name'] : '<unnamed>';
  return `${String(obj['kind'])} ${name} (${String(obj['apiVersion'])})`;
}

function convertSpec(obj: JsonObject, kind: string, toV2: boolean): JsonObject {
  const what = describe(obj);
  const out = clone(obj);
  const meta: JsonObject = isObject(out['metadata']) ? out['metadata'] : {};
  const annotations: JsonObject = isObject(meta['annotations']) ? meta['annotations'] : {};
  // The stash of the target version is consumed; what the target cannot hold goes to the other one.
  const consumeKey = toV2 ? ANNOTATION_CONVERSION_V1ALPHA2_SPEC : ANNOTATION_CONVERSION_V1ALPHA1_SPEC;
  const produceKey = toV2 ? ANNOTATION_CONVERSION_V1ALPHA1_SPEC : ANNOTATION_CONVERSION_V1ALPHA2_SPEC;
  const restored = readStash(annotations, consumeKey, what);
  delete annotations[consumeKey];
  delete annotations[produceKey];

  const spec = out['spec'];
  if (spec !== undefined) {
    if (!isObject(spec)) throw new ConversionError(`${what}: spec must be an object`);
    const { moved, rest } = moveFields(spec, FIELD_MAPS[kind] ?? [], toV2);
    out['spec'] = merge(restored, moved);
    if (Object.keys(rest).length > 0) annotations[produceKey] = JSON.stringify(rest);
  } else if (Object.keys(restored).length > 0) {
    out['spec'] = restored;
  }

  if (Object.keys(annotations).length > 0) meta['annotations'] = annotations;
  else delete meta['annotations'];
  if (isObject(out['metadata']) || Object.keys(meta).length > 0) out['metadata'] = meta;
  out['apiVersion'] = toV2 ? API_VERSION_V1ALPHA2 : API_VERSION_V1ALPHA1;
  return out;
}

/**
 * Converts one object of our group to `desiredAPIVersion`. Returns a new object; the input is not
 * changed. Throws ConversionError (message names the object and the problem) on bad input.
 */
export function convertObject(obj: unknown, desiredAPIVersion: string): JsonObject {
  if (!isObject(obj)) throw new ConversionError('object to convert must be a JSON object');
  const what = describe(obj);
  const kind = obj['kind'];
  const from = obj['apiVersion'];
  if (typeof kind !== 'string' || !CONVERTIBLE_KINDS.includes(kind)) {
    throw new ConversionError(`${what}: kind must be one of ${CONVERTIBLE_KINDS.join(', ')}`);
  }
  const known = [API_VERSION_V1ALPHA1, API_VERSION_V1ALPHA2];
  if (typeof from !== 'string' || !known.includes(from)) {
    throw new ConversionError(`${what}: apiVersion must be ${known.join(' or ')}`);
  }
  if (!known.includes(desiredAPIVersion)) {
    throw new ConversionError(
      `${what}: cannot convert to ${desiredAPIVersion}; ${GROUP} serves ${known.join(', ')}`,
    );
  }
  if (from === desiredAPIVersion) return clone(obj);
  if (kind === KIND_EIP) {
    const out = clone(obj);
    out['apiVersion'] = desiredAPIVersion;
    return out;
  }
  return convertSpec(obj, kind, desiredAPIVersion === API_VERSION_V1ALPHA2);
}

export interface ConversionReviewResponse {
  apiVersion: 'apiextensions.k8s.io/v1';
  kind: 'ConversionReview';
  response: {
    uid: string;
    convertedObjects: JsonObject[];
    result: { status: 'Success' } | { status: 'Failure'; message: string };
  };
}

/**
 * Answers an apiextensions.k8s.io/v1 ConversionReview. All objects convert or the whole review
 * fails (the API server requires one result per request). Throws ConversionError only when the
 * review itself is malformed (no request.uid), which the caller answers with HTTP 400.
 */
export function reviewConversion(review: unknown): ConversionReviewResponse {
  const request = isObject(review) && isObject(review['request']) ? review['request'] : undefined;
  const uid = request?.['uid'];
  if (!request || typeof uid !== 'string') throw new ConversionError('ConversionReview has no request.uid');
  const desired = request['desiredAPIVersion'];
  const objects = request['objects'];
  const base = { apiVersion: 'apiextensions.k8s.io/v1' as const, kind: 'ConversionReview' as const };
  try {
    if (typeof desired !== 'string') throw new ConversionError('request.desiredAPIVersion must be a string');
    if (!Array.isArray(objects)) throw new ConversionError('request.objects must be a list');
    const convertedObjects = objects.map((o) => convertObject(o, desired));
    return { ...base, response: { uid, convertedObjects, result: { status: 'Success' } } };
  } catch (e) {
    if (!(e instanceof ConversionError)) throw e;
    return {
      ...base,
      response: { uid, convertedObjects: [], result: { status: 'Failure', message: e.message } },
    };
  }
}
