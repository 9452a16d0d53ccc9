import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  ConversionError,
  convertObject,
  reviewConversion,
  type Json,
  type JsonObject,
} from '../../../src/api/convert.ts';
import {
  ANNOTATION_CONVERSION_V1ALPHA1_SPEC,
  ANNOTATION_CONVERSION_V1ALPHA2_SPEC,
  API_VERSION_V1ALPHA1 as V1,
  API_VERSION_V1ALPHA2 as V2,
} from '../../../src/api/names.ts';

test('BgpConf v1alpha1 -> v1alpha2 renames routerID and port', () => {
  const v1 = {
    apiVersion: V1,
    kind: 'BgpConf',
    metadata: { name: 'default' },
    spec: { as: 50000, routerID: '10.0.0.1', port: 17900 },
  };
  const v2 = convertObject(v1, V2);
  assert.deepEqual(v2, {
    apiVersion: V2,
    kind: 'BgpConf',
    metadata: { name: 'default' },
    spec: { as: 50000, routerId: '10.0.0.1', listenPort: 17900 },
  });
  assert.deepEqual(convertObject(v2, V1), v1);
});

test('BgpConf v1alpha2 fields v1alpha1 cannot hold survive in an annotation', () => {
  const v2 = {
    apiVersion: V2,
    kind: 'BgpConf',
    metadata: { name: 'default', annotations: { a: 'b' } },
    spec: {
      as: 1,
      routerId: '1.1.1.1',
      listenPort: -1,
      policy: 'x',
      gracefulRestart: { enabled: true, restartTime: 30 },
    },
    status: { nodesConfStatus: { n1: { as: 1, routerId: '1.1.1.1' } } },
  };
  const v1 = convertObject(v2, V1);
  assert.deepEqual(v1['spec'], { as: 1, routerID: '1.1.1.1', port: -1 });
  const ann = (v1['metadata'] as { annotations: Record<string, string> }).annotations;
  assert.deepEqual(JSON.parse(ann[ANNOTATION_CONVERSION_V1ALPHA2_SPEC] ?? ''), {
    policy: 'x',
    gracefulRestart: { enabled: true, restartTime: 30 },
  });
  assert.deepEqual(v1['status'], v2.status);
  // an edit made through v1alpha1 wins for the fields it expresses
  (v1['spec'] as JsonObject)['port'] = 179;
  const back = convertObject(v1, V2);
  assert.deepEqual(back['spec'], { ...v2.spec, listenPort: 179 });
  assert.deepEqual(back['metadata'], v2.metadata);
});

test('BgpPeer v1alpha1 -> v1alpha2 maps config/transport, stashes addPaths and usingPortForward', () => {
  const v1 = {
    apiVersion: V1,
    kind: 'BgpPeer',
    metadata: { name: 'p' },
    spec: {
      config: { peerAs: 65001, neighborAddress: '192.168.0.5' },
      addPaths: { sendMax: 10 },
      transport: { passiveMode: true, remotePort: 179 },
      usingPortForward: true,
    },
  };
  const v2 = convertObject(v1, V2);
  assert.deepEqual(v2['spec'], {
    conf: { peerAs: 65001, neighborAddress: '192.168.0.5' },
    transport: { passiveMode: true, remotePort: 179 },
  });
  const ann = (v2['metadata'] as { annotations: Record<string, string> }).annotations;
  assert.deepEqual(JSON.parse(ann[ANNOTATION_CONVERSION_V1ALPHA1_SPEC] ?? ''), {
    addPaths: { sendMax: 10 },
    usingPortForward: true,
  });
  assert.deepEqual(convertObject(v2, V1), v1);
});

test('Eip converts by apiVersion only', () => {
  const e = {
    apiVersion: V2,
    kind: 'Eip',
    metadata: { name: 'eip-pool' },
    spec: { address: '192.168.0.100-192.168.0.108', protocol: 'layer2' },
    status: { usage: 0 },
  };
  assert.deepEqual(convertObject(e, V1), { ...e, apiVersion: V1 });
  // openelb-ts additions (spec.bgp, aggregation lengths and weightedEcmp included) travel unchanged both ways
  const agg = {
    ...e,
    spec: {
      address: '10.0.0.0/24',
      bgp: { aggregationLength: 24, aggregationLengthV6: 64, weightedEcmp: false },
    },
  };
  assert.deepEqual(convertObject(convertObject(agg, V1), V2), agg);
});

test('bad input names the object and the problem', () => {
  assert.throws(
    () => convertObject({ apiVersion: V1, kind: 'Foo', metadata: { name: 'x' } }, V2),
    /Foo x .*kind must be one of/,
  );
  assert.throws(
    () => convertObject({ apiVersion: 'v9', kind: 'Eip', metadata: { name: 'x' } }, V2),
    /apiVersion must be/,
  );
  assert.throws(
    () => convertObject({ apiVersion: V1, kind: 'Eip', metadata: { name: 'x' } }, 'network.kubesphere.io/v3'),
    /cannot convert to/,
  );
  assert.throws(
    () =>
      convertObject(
        {
          apiVersion: V1,
          kind: 'BgpConf',
          metadata: { name: 'x', annotations: { [ANNOTATION_CONVERSION_V1ALPHA2_SPEC]: '{' } },
        },
        V2,
      ),
    (e: unknown) => e instanceof ConversionError && /BgpConf x .*not valid JSON/.test(e.message),
  );
});

test('reviewConversion answers a ConversionReview', () => {
  const res = reviewConversion({
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'ConversionReview',
    request: {
      uid: 'u1',
      desiredAPIVersion: V2,
      objects: [{ apiVersion: V1, kind: 'BgpConf', metadata: { name: 'default' }, spec: { as: 1 } }],
    },
  });
  assert.equal(res.response.uid, 'u1');
  assert.deepEqual(res.response.result, { status: 'Success' });
  assert.equal(res.response.convertedObjects[0]?.['apiVersion'], V2);
  const bad = reviewConversion({
    request: { uid: 'u2', desiredAPIVersion: V2, objects: [{ kind: 'Nope' }] },
  });
  assert.equal(bad.response.result.status, 'Failure');
  assert.throws(() => reviewConversion({}), ConversionError);
});

// ---- property: any object survives a round trip through the other version ----

const reserved = new Set([ANNOTATION_CONVERSION_V1ALPHA1_SPEC, ANNOTATION_CONVERSION_V1ALPHA2_SPEC]);
const key = fc.constantFrom(
  'as',
  'routerID',
  'routerId',
  'port',
  'listenPort',
  'policy',
  'conf',
  'config',
  'transport',
  'addPaths',
  'usingPortForward',
  'afiSafis',
  'peerAs',
  'neighborAddress',
  'passiveMode',
  'remotePort',
  'timers',
  'x',
);
const leaf: fc.Arbitrary<Json> = fc.oneof(fc.integer(), fc.string(), fc.boolean(), fc.constant(null));
const jsonValue: fc.Arbitrary<Json> = fc.letrec<{ v: Json }>((tie) => ({
  v: fc.oneof(
    { maxDepth: 4 },
    leaf,
    fc.array(tie('v'), { maxLength: 3 }),
    fc.dictionary(key, tie('v'), { maxKeys: 4, noNullPrototype: true }),
  ),
})).v;
const spec = fc.dictionary(key, jsonValue, { maxKeys: 6, noNullPrototype: true });
const annotations = fc.option(
  fc.dictionary(
    fc.string({ minLength: 1 }).filter((k) => !reserved.has(k)),
    fc.string(),
    { minKeys: 1, maxKeys: 3, noNullPrototype: true },
  ),
  { nil: undefined },
);
const object = fc
  .record({
    apiVersion: fc.constantFrom(V1, V2),
    kind: fc.constantFrom('Eip', 'BgpConf', 'BgpPeer'),
    name: fc.string({ minLength: 1 }),
    annotations,
    labels: fc.option(fc.dictionary(fc.string(), fc.string(), { maxKeys: 2, noNullPrototype: true }), {
      nil: undefined,
    }),
    spec: fc.option(spec, { nil: undefined }),
    status: fc.option(fc.dictionary(key, jsonValue, { maxKeys: 3, noNullPrototype: true }), {
      nil: undefined,
    }),
  })
  .map((r) => {
    const metadata: JsonObject = { name: r.name, resourceVersion: '7' };
    if (r.annotations) metadata['annotations'] = r.annotations;
    if (r.labels) metadata['labels'] = r.labels;
    const o: JsonObject = { apiVersion: r.apiVersion, kind: r.kind, metadata };
    if (r.spec) o['spec'] = r.spec;
    if (r.status) o['status'] = r.status;
    return o;
  });

test('round trip through the other version is lossless (property)', () => {
  fc.assert(
    fc.property(object, (o) => {
      const other = o['apiVersion'] === V1 ? V2 : V1;
      const there = convertObject(o, other);
      assert.equal(there['apiVersion'], other);
      // only annotations may differ in metadata
      const { annotations: _a, ...metaThere } = there['metadata'] as JsonObject;
      const { annotations: _b, ...metaHere } = o['metadata'] as JsonObject;
      assert.deepEqual(metaThere, metaHere);
      assert.deepEqual(there['status'], o['status']);
      const back = convertObject(there, o['apiVersion'] as string);
      assert.deepEqual(back, o);
      // converting twice in the same direction is stable
      assert.deepEqual(convertObject(there, other), there);
    }),
    { numRuns: 2000 },
  );
});

test('the input object is never modified (property)', () => {
  fc.assert(
    fc.property(object, (o) => {
      const copy = structuredClone(o);
      convertObject(o, o['apiVersion'] === V1 ? V2 : V1);
      assert.deepEqual(o, copy);
    }),
    { numRuns: 500 },
  );
});
