// Kubernetes protobuf request bodies (application/vnd.kubernetes.protobuf), for the kinds kubectl's
// generator commands send that way — `kubectl create namespace|secret|configmap|serviceaccount`.
// A real apiserver decodes them; kubectl has no JSON fallback. Body: the magic "k8s\0", then a
// runtime.Unknown {typeMeta{apiVersion, kind}, raw} whose raw is the object's message. Field
// numbers are those of k8s.io/api's generated.proto.
import type { Obj } from './json.ts';

type FieldType = 'string' | 'bytes' | 'bool' | 'int' | 'strings' | 'mapString' | 'mapBytes' | 'message';

interface Field {
  name: string;
  type: FieldType;
  message?: MessageSpec;
}

type MessageSpec = Record<number, Field>;

const OBJECT_META: MessageSpec = {
  1: { name: 'name', type: 'string' },
  2: { name: 'generateName', type: 'string' },
  3: { name: 'namespace', type: 'string' },
  11: { name: 'labels', type: 'mapString' },
  12: { name: 'annotations', type: 'mapString' },
  14: { name: 'finalizers', type: 'strings' },
};

const META: Field = { name: 'metadata', type: 'message', message: OBJECT_META };

const KINDS: Record<string, MessageSpec> = {
  'v1/Namespace': {
    1: META,
    2: { name: 'spec', type: 'message', message: { 1: { name: 'finalizers', type: 'strings' } } },
  },
  'v1/Secret': {
    1: META,
    2: { name: 'data', type: 'mapBytes' },
    3: { name: 'type', type: 'string' },
    4: { name: 'stringData', type: 'mapString' },
    5: { name: 'immutable', type: 'bool' },
  },
  'v1/ConfigMap': {
    1: META,
    2: { name: 'data', type: 'mapString' },
    3: { name: 'binaryData', type: 'mapBytes' },
    4: { name: 'immutable', type: 'bool' },
  },
  'v1/ServiceAccount': {
    1: META,
    3: { name: 'imagePullSecrets', type: 'message', message: { 1: { name: 'name', type: 'string' } } },
    4: { name: 'automountServiceAccountToken', type: 'bool' },
  },
};

const ENVELOPE: MessageSpec = {
  1: {
    name: 'typeMeta',
    type: 'message',
    message: { 1: { name: 'apiVersion', type: 'string' }, 2: { name: 'kind', type: 'string' } },
  },
  2: { name: 'raw', type: 'bytes' },
};

class Reader {
  pos = 0;
  readonly buf: Buffer;
  constructor(buf: Buffer) {
    this.buf = buf;
  }
  varint(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = this.buf[this.pos++];
      if (b === undefined) throw new Error('truncated varint');
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
      shift += 7;
    }
  }
  bytes(): Buffer {
    const n = this.varint();
    const out = this.buf.subarray(this.pos, this.pos + n);
    if (out.length !== n) throw new Error('truncated field');
    this.pos += n;
    return out;
  }
}

/** Decode a message into JSON field values; `repeated` messages become arrays. */
function decode(buf: Buffer, spec: MessageSpec, repeatedMessages = new Set(['imagePullSecrets'])): Obj {
  const r = new Reader(buf);
  const out: Obj = {};
  while (r.pos < buf.length) {
    const tag = r.varint();
    const no = Math.floor(tag / 8);
    const wire = tag % 8;
    const f = spec[no];
    let value: unknown;
    if (wire === 0) value = r.varint();
    else if (wire === 2) value = r.bytes();
    else if (wire === 5) r.pos += 4;
    else if (wire === 1) r.pos += 8;
    else throw new Error(`unsupported wire type ${wire}`);
    if (!f || value === undefined) continue;
    const set = (v: unknown): void => {
      out[f.name] = v;
    };
    if (f.type === 'string' && Buffer.isBuffer(value)) {
      if (value.length > 0) set(value.toString('utf8'));
    } else if (f.type === 'bytes' && Buffer.isBuffer(value)) set(value);
    else if (f.type === 'bool' && typeof value === 'number') {
      if (value !== 0) set(true);
    } else if (f.type === 'int' && typeof value === 'number') set(value);
    else if (f.type === 'strings' && Buffer.isBuffer(value))
      set([...((out[f.name] as string[] | undefined) ?? []), value.toString('utf8')]);
    else if ((f.type === 'mapString' || f.type === 'mapBytes') && Buffer.isBuffer(value)) {
      const entry = decode(value, { 1: { name: 'k', type: 'string' }, 2: { name: 'v', type: 'bytes' } });
      const v = Buffer.isBuffer(entry.v) ? entry.v : Buffer.alloc(0);
      const m = (out[f.name] as Obj | undefined) ?? {};
      m[String(entry.k ?? '')] = f.type === 'mapString' ? v.toString('utf8') : v.toString('base64');
      set(m);
    } else if (f.type === 'message' && f.message && Buffer.isBuffer(value)) {
      const msg = decode(value, f.message);
      if (repeatedMessages.has(f.name)) set([...((out[f.name] as Obj[] | undefined) ?? []), msg]);
      else if (Object.keys(msg).length > 0) set(msg);
    }
  }
  return out;
}

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

/** The JSON object a protobuf body carries, or undefined when its kind is not one the double decodes. */
export function decodeProtobufObject(body: Buffer): Obj | undefined {
  if (!body.subarray(0, 4).equals(MAGIC)) throw new Error('missing the k8s protobuf prefix');
  const env = decode(body.subarray(4), ENVELOPE);
  const tm = (env.typeMeta as Obj | undefined) ?? {};
  const apiVersion = String(tm.apiVersion ?? '');
  const kind = String(tm.kind ?? '');
  const spec = KINDS[`${apiVersion}/${kind}`];
  if (!spec || !Buffer.isBuffer(env.raw)) return undefined;
  return { apiVersion, kind, ...decode(env.raw, spec) };
}
