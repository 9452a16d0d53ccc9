// Static checks of deploy/crds: structural schemas, descriptions, printer columns, conversion,
// a decision written for every OpenELB field, and the examples validating against the schemas.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { Ajv } from 'ajv';

type Schema = {
  type?: string;
  description?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  additionalProperties?: Schema | boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  [k: string]: unknown;
};
type Column = { name: string; type: string; jsonPath: string; priority?: number };
type Version = {
  name: string;
  served: boolean;
  storage: boolean;
  schema: { openAPIV3Schema: Schema };
  subresources?: { status?: object };
  additionalPrinterColumns?: Column[];
};
type Crd = {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec: {
    group: string;
    scope: string;
    names: { kind: string; plural: string; singular: string; shortNames?: string[]; categories?: string[] };
    conversion?: {
      strategy: string;
      webhook?: { clientConfig: { service: { namespace: string; name: string; path: string } } };
    };
    versions: Version[];
  };
};

const root = new URL('../../../', import.meta.url).pathname;
const crdDir = join(root, 'deploy/crds');
const files = readdirSync(crdDir).filter((f) => f.endsWith('.yaml'));
const crds = new Map<string, Crd>();
for (const f of files) {
  const doc = yaml.load(readFileSync(join(crdDir, f), 'utf8')) as Crd;
  crds.set(doc.spec.names.kind, doc);
}

function crd(kind: string): Crd {
  const c = crds.get(kind);
  assert.ok(c, `no CRD for ${kind} in deploy/crds`);
  return c;
}

function version(kind: string, name: string): Version {
  const v = crd(kind).spec.versions.find((x) => x.name === name);
  assert.ok(v, `${kind} has no version ${name}`);
  return v;
}

// Structural schema (apiextensions v1): every node specifies a type (or int-or-string /
// preserve-unknown-fields), properties and additionalProperties never together.
function checkStructural(s: Schema, path: string, errors: string[], needDescription: boolean): void {
  if (
    s.type === undefined &&
    !s['x-kubernetes-int-or-string'] &&
    !s['x-kubernetes-preserve-unknown-fields']
  ) {
    errors.push(`${path}: no type`);
  }
  if (s.properties && s.additionalProperties !== undefined)
    errors.push(`${path}: properties and additionalProperties`);
  for (const banned of ['$ref', 'definitions', 'dependencies', 'patternProperties', 'oneOf'] as const) {
    if (banned in s) errors.push(`${path}: ${banned} is not allowed`);
  }
  if (needDescription && !(typeof s.description === 'string' && s.description.length > 0)) {
    errors.push(`${path}: no description`);
  }
  for (const [k, child] of Object.entries(s.properties ?? {})) {
    const isMeta = path === '' && k === 'metadata';
    if (isMeta) {
      if (child.type !== 'object' || child.properties) errors.push('metadata must be a bare object');
      continue;
    }
    checkStructural(child, `${path}.${k}`, errors, true);
  }
  if (s.items) checkStructural(s.items, `${path}[]`, errors, false);
  if (typeof s.additionalProperties === 'object')
    checkStructural(s.additionalProperties, `${path}{}`, errors, false);
}

function at(s: Schema, dotted: string): Schema {
  let cur: Schema | undefined = s;
  for (const part of dotted.split('.')) {
    if (part === '[]') cur = cur?.items;
    else if (part === '{}')
      cur = typeof cur?.additionalProperties === 'object' ? cur.additionalProperties : undefined;
    else cur = cur?.properties?.[part];
    assert.ok(cur, `schema has no ${dotted}`);
  }
  return cur;
}

test('three CRDs, group, scope, names, categories, versions', () => {
  assert.deepEqual([...crds.keys()].sort(), ['BgpConf', 'BgpPeer', 'Eip']);
  for (const c of crds.values()) {
    assert.equal(c.apiVersion, 'apiextensions.k8s.io/v1');
    assert.equal(c.kind, 'CustomResourceDefinition');
    assert.equal(c.spec.group, 'network.kubesphere.io');
    assert.equal(c.metadata.name, `${c.spec.names.plural}.network.kubesphere.io`);
    assert.equal(c.spec.scope, 'Cluster');
    assert.ok(c.spec.names.categories?.includes('networking'));
    assert.ok((c.spec.names.shortNames ?? []).length > 0);
    const stored = c.spec.versions.filter((v) => v.storage).map((v) => v.name);
    assert.deepEqual(stored, ['v1alpha2']);
    assert.deepEqual(c.spec.versions.map((v) => v.name).sort(), ['v1alpha1', 'v1alpha2']);
    for (const v of c.spec.versions) {
      assert.equal(v.served, true);
      assert.ok(v.subresources?.status, `${c.spec.names.kind} ${v.name} status subresource`);
    }
  }
});

test('every schema is structural and every field has a description', () => {
  for (const c of crds.values()) {
    for (const v of c.spec.versions) {
      const errors: string[] = [];
      checkStructural(v.schema.openAPIV3Schema, '', errors, false);
      assert.deepEqual(errors, [], `${c.spec.names.kind} ${v.name}`);
    }
  }
});

test('kubectl get eip prints exactly NAME CIDR USAGE TOTAL', () => {
  for (const name of ['v1alpha2', 'v1alpha1']) {
    const cols = (version('Eip', name).additionalPrinterColumns ?? []).filter((c) => (c.priority ?? 0) === 0);
    assert.deepEqual(
      cols.map((c) => [c.name.toUpperCase(), c.jsonPath, c.type]),
      [
        ['CIDR', '.spec.address', 'string'],
        ['USAGE', '.status.usage', 'integer'],
        ['TOTAL', '.status.poolSize', 'integer'],
      ],
    );
  }
});

test('BgpConf and BgpPeer print NAME AGE like OpenELB', () => {
  for (const kind of ['BgpConf', 'BgpPeer']) {
    for (const v of crd(kind).spec.versions) {
      const cols = (v.additionalPrinterColumns ?? []).filter((c) => (c.priority ?? 0) === 0);
      assert.deepEqual(
        cols.map((c) => [c.name, c.jsonPath]),
        [['age', '.metadata.creationTimestamp']],
      );
    }
  }
});

test('conversion: Eip None with identical schemas; BgpConf/BgpPeer webhook /convert', () => {
  const eip = crd('Eip');
  assert.equal(eip.spec.conversion?.strategy ?? 'None', 'None');
  assert.deepEqual(version('Eip', 'v1alpha1').schema, version('Eip', 'v1alpha2').schema);
  for (const kind of ['BgpConf', 'BgpPeer']) {
    const conv = crd(kind).spec.conversion;
    assert.equal(conv?.strategy, 'Webhook');
    assert.deepEqual(conv?.webhook?.clientConfig.service, {
      namespace: 'openelb-system',
      name: 'openelb-webhook',
      path: '/convert',
      port: 443,
    });
    assert.ok(!('caBundle' in (conv?.webhook?.clientConfig ?? {})), 'caBundle is filled in at run time');
  }
});

// Every OpenELB v1alpha2 field (openelb.md §2) states its decision.
const decision = /\b(Supported|Accepted and ignored|Accepted with a warning|Rejected)\b/;
const openelbFields: Record<string, string[]> = {
  Eip: [
    'spec.address',
    'spec.protocol',
    'spec.interface',
    'spec.disable',
    'spec.usingKnownIPs',
    'spec.priority',
    'spec.namespaces',
    'spec.namespaceSelector',
  ],
  BgpConf: [
    'spec.as',
    'spec.asPerRack',
    'spec.routerId',
    'spec.listenPort',
    'spec.listenAddresses',
    'spec.families',
    'spec.useMultiplePaths',
    'spec.gracefulRestart',
    'spec.policy',
    ...[
      'enabled',
      'restartTime',
      'helperOnly',
      'deferralTime',
      'notificationEnabled',
      'longlivedEnabled',
      'staleRoutesTime',
      'peerRestartTime',
      'peerRestarting',
      'localRestarting',
      'mode',
    ].map((f) => `spec.gracefulRestart.${f}`),
  ],
  BgpPeer: [
    ...[
      'peerAs',
      'neighborAddress',
      'authPassword',
      'description',
      'localAs',
      'peerGroup',
      'peerType',
      'removePrivateAs',
      'routeFlapDamping',
      'sendCommunity',
      'neighborInterface',
      'vrf',
      'allowOwnAs',
      'replacePeerAs',
      'adminDown',
    ].map((f) => `spec.conf.${f}`),
    'spec.ebgpMultihop',
    'spec.ebgpMultihop.enabled',
    'spec.ebgpMultihop.multihopTtl',
    ...['connectRetry', 'holdTime', 'keepaliveInterval', 'minimumAdvertisementInterval'].map(
      (f) => `spec.timers.config.${f}`,
    ),
    ...['mtuDiscovery', 'passiveMode', 'remoteAddress', 'remotePort', 'tcpMss'].map(
      (f) => `spec.transport.${f}`,
    ),
    'spec.gracefulRestart',
    'spec.afiSafis',
    'spec.afiSafis.[].config',
    'spec.afiSafis.[].addPaths',
    'spec.afiSafis.[].mpGracefulRestart',
    'spec.nodeSelector',
  ],
};

test('every OpenELB field carries its decision; BgpConf fields their edit class', () => {
  for (const [kind, fields] of Object.entries(openelbFields)) {
    const schema = version(kind, 'v1alpha2').schema.openAPIV3Schema;
    for (const f of fields) {
      const d = at(schema, f).description ?? '';
      assert.match(d, decision, `${kind} ${f}: ${d}`);
    }
  }
  const conf = version('BgpConf', 'v1alpha2').schema.openAPIV3Schema;
  for (const f of [
    'as',
    'asPerRack',
    'routerId',
    'listenPort',
    'listenAddresses',
    'families',
    'useMultiplePaths',
    'gracefulRestart',
    'policy',
  ]) {
    assert.match(
      at(conf, `spec.${f}`).description ?? '',
      /Edit class: (live|per-peer reset|full restart \+ resync)/,
      f,
    );
  }
  for (const f of ['as', 'routerId', 'listenPort']) {
    assert.match(at(conf, `spec.${f}`).description ?? '', /full restart \+ resync/, f);
  }
  const v1 = version('BgpPeer', 'v1alpha1').schema.openAPIV3Schema;
  for (const f of [
    'spec.config.peerAs',
    'spec.config.neighborAddress',
    'spec.addPaths',
    'spec.transport.passiveMode',
    'spec.transport.remotePort',
    'spec.usingPortForward',
  ]) {
    assert.match(at(v1, f).description ?? '', decision, f);
  }
});

// Drop the Kubernetes extensions and int formats ajv does not know, keep the rest.
function toJsonSchema(s: unknown): unknown {
  if (Array.isArray(s)) return s.map(toJsonSchema);
  if (s === null || typeof s !== 'object') return s;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s)) {
    if (k.startsWith('x-kubernetes-') || k === 'format' || k === 'default') continue;
    out[k] =
      k === 'properties'
        ? Object.fromEntries(Object.entries(v as object).map(([pk, pv]) => [pk, toJsonSchema(pv)]))
        : toJsonSchema(v);
  }
  if (out['properties'] && !('additionalProperties' in out)) out['additionalProperties'] = false; // pruning = unknown fields fail here
  return out;
}

test('examples validate against the v1alpha2 schemas (unknown fields fail)', () => {
  const ajv = new Ajv({ strict: false, allErrors: true });
  const exDir = join(root, 'examples');
  let checked = 0;
  for (const f of readdirSync(exDir).filter((x) => x.endsWith('.yaml'))) {
    for (const doc of yaml.loadAll(readFileSync(join(exDir, f), 'utf8')) as Array<{
      apiVersion: string;
      kind: string;
    }>) {
      if (!doc.apiVersion.startsWith('network.kubesphere.io/')) continue;
      const schema = toJsonSchema(
        version(doc.kind, doc.apiVersion.split('/')[1] ?? '').schema.openAPIV3Schema,
      ) as Record<string, unknown>;
      (schema['properties'] as Record<string, unknown>)['metadata'] = { type: 'object' };
      const ok = ajv.validate(schema, doc);
      assert.ok(ok, `${f}: ${ajv.errorsText(ajv.errors)}`);
      checked++;
    }
  }
  assert.ok(checked >= 4);
});
