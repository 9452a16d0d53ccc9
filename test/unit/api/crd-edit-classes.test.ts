// The "Edit class: ..." text in the BgpConf / BgpPeer CRD descriptions must say what the code does:
// GLOBAL_FIELD_CLASSES (src/bgp/global.ts) and PEER_FIELD_CLASSES (src/bgp/peer-fields.ts) are the
// source of truth. A newly classified field fails here until its CRD field(s) are named below.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { GLOBAL_FIELD_CLASSES, type ChangeClass } from '../../../src/bgp/global.ts';
import { PEER_FIELD_CLASSES, type PeerChangeClass } from '../../../src/bgp/peer-fields.ts';

type Schema = {
  description?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  additionalProperties?: Schema | boolean;
};
type Crd = { spec: { versions: { name: string; schema: { openAPIV3Schema: Schema } }[] } };

const CRDS = join(import.meta.dirname, '../../../deploy/crds');

function schemaOf(file: string, version: string): Schema {
  const crd = yaml.load(readFileSync(join(CRDS, file), 'utf8')) as Crd;
  const v = crd.spec.versions.find((x) => x.name === version);
  assert.ok(v, `${file}: no version ${version}`);
  return v.schema.openAPIV3Schema;
}

/** Every described node, by dotted path (`spec.conf.peerAs`, `spec.afiSafis.[].config`). */
function described(s: Schema, path = '', out = new Map<string, string>()): Map<string, string> {
  if (s.description && path) out.set(path, s.description);
  for (const [k, child] of Object.entries(s.properties ?? {}))
    described(child, path ? `${path}.${k}` : k, out);
  if (s.items) described(s.items, `${path}.[]`, out);
  if (typeof s.additionalProperties === 'object') described(s.additionalProperties, `${path}.{}`, out);
  return out;
}

// the words the CRDs use for each class
const GLOBAL_LABEL: Readonly<Record<ChangeClass, string>> = {
  live: 'live',
  'peer-reset': 'per-peer reset',
  restart: 'full restart + resync',
};
const PEER_LABEL: Readonly<Record<PeerChangeClass, string>> = {
  live: 'live',
  'next-session': 'next session',
  'peer-reset': 'per-peer reset',
  recreate: 'per-peer re-create',
};

// code field -> the CRD fields that set it, as `<version>:<path>`; [] = not settable from a CRD
const GLOBAL_CRD_FIELDS: Readonly<Record<keyof typeof GLOBAL_FIELD_CLASSES, readonly string[]>> = {
  asn: ['v1alpha2:spec.as', 'v1alpha2:spec.asPerRack', 'v1alpha1:spec.as'],
  routerId: ['v1alpha2:spec.routerId', 'v1alpha1:spec.routerID'],
  listenPort: ['v1alpha2:spec.listenPort', 'v1alpha1:spec.port'],
  listenAddresses: ['v1alpha2:spec.listenAddresses'],
  useMultiplePaths: ['v1alpha2:spec.useMultiplePaths'],
  families: ['v1alpha2:spec.families'],
  gracefulRestart: ['v1alpha2:spec.gracefulRestart'],
  bindToDevice: [],
};
// accepted and ignored, so an edit is trivially live; not a DesiredGlobal field
const GLOBAL_IGNORED: Readonly<Record<string, ChangeClass>> = { 'v1alpha2:spec.policy': 'live' };

const PEER_CRD_FIELDS: Readonly<Record<keyof typeof PEER_FIELD_CLASSES, readonly string[]>> = {
  peerAsn: ['v1alpha2:spec.conf.peerAs', 'v1alpha1:spec.config.peerAs'],
  localAsn: ['v1alpha2:spec.conf.localAs'],
  description: ['v1alpha2:spec.conf.description'],
  password: ['v1alpha2:spec.conf.authPassword', 'v1alpha2:spec.conf.authPasswordSecretRef'],
  adminDown: ['v1alpha2:spec.conf.adminDown'],
  allowOwnAs: ['v1alpha2:spec.conf.allowOwnAs'],
  replacePeerAs: ['v1alpha2:spec.conf.replacePeerAs'],
  removePrivateAs: ['v1alpha2:spec.conf.removePrivateAs'],
  ebgpMultihopTtl: ['v1alpha2:spec.ebgpMultihop'],
  holdTime: ['v1alpha2:spec.timers.config.holdTime'],
  keepaliveInterval: ['v1alpha2:spec.timers.config.keepaliveInterval'],
  connectRetry: ['v1alpha2:spec.timers.config.connectRetry'],
  minimumAdvertisementInterval: ['v1alpha2:spec.timers.config.minimumAdvertisementInterval'],
  families: ['v1alpha2:spec.afiSafis'],
  passive: ['v1alpha2:spec.transport.passiveMode', 'v1alpha1:spec.transport.passiveMode'],
  localAddress: ['v1alpha2:spec.transport.localAddress'],
  remotePort: ['v1alpha2:spec.transport.remotePort', 'v1alpha1:spec.transport.remotePort'],
  mtuDiscovery: ['v1alpha2:spec.transport.mtuDiscovery'],
  tcpMss: ['v1alpha2:spec.transport.tcpMss'],
  gracefulRestart: ['v1alpha2:spec.gracefulRestart'],
  // set by the manager (no CRD field yet)
  maxReceivedPrefixes: [],
};

function expected<C extends string>(
  classes: Readonly<Record<string, C | { class: C }>>,
  fields: Readonly<Record<string, readonly string[]>>,
  extra: Readonly<Record<string, C>>,
): Map<string, C> {
  const want = new Map<string, C>(Object.entries(extra));
  assert.deepEqual(
    Object.keys(fields).sort(),
    Object.keys(classes).sort(),
    'every classified field is mapped to its CRD field(s) above',
  );
  for (const [field, paths] of Object.entries(fields)) {
    const c = classes[field];
    assert.ok(c !== undefined);
    for (const p of paths) want.set(p, typeof c === 'string' ? c : c.class);
  }
  return want;
}

function check<C extends string>(
  file: string,
  labels: Readonly<Record<C, string>>,
  want: Map<string, C>,
): number {
  const byLabel = new Map(Object.entries(labels).map(([c, l]) => [l as string, c as C]));
  const alternatives = [...byLabel.keys()]
    .sort((a, b) => b.length - a.length)
    .map((l) => l.replace(/[+.]/g, '\\$&'));
  const re = new RegExp(`Edit class:? (${alternatives.join('|')})(?![\\w-])`, 'g');
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const version of ['v1alpha2', 'v1alpha1']) {
    for (const [path, text] of described(schemaOf(file, version))) {
      const key = `${version}:${path}`;
      const flat = text.replace(/\s+/g, ' ');
      const found = [...flat.matchAll(re)].map((m) => byLabel.get(m[1] as string));
      const mentions = (flat.match(/Edit class/g) ?? []).length;
      const c = want.get(key);
      if (c === undefined) {
        if (mentions)
          problems.push(`${key}: names an edit class but the code classifies no such field: ${flat}`);
        continue;
      }
      seen.add(key);
      if (mentions !== 1 || found.length !== 1)
        problems.push(`${key}: must say "Edit class: ${labels[c]}" exactly once: ${flat}`);
      else if (found[0] !== c)
        problems.push(`${key}: says ${labels[found[0] as C]}, the code says ${labels[c]} (${c})`);
    }
  }
  for (const key of want.keys())
    if (!seen.has(key)) problems.push(`${key}: no such described field in ${file}`);
  assert.deepEqual(problems, []);
  return seen.size;
}

test('BgpConf: each field names the edit class GLOBAL_FIELD_CLASSES gives it', () => {
  const n = check(
    'network.kubesphere.io_bgpconfs.yaml',
    GLOBAL_LABEL,
    expected(GLOBAL_FIELD_CLASSES, GLOBAL_CRD_FIELDS, GLOBAL_IGNORED),
  );
  assert.equal(n, 12);
});

test('BgpPeer: each field names the edit class PEER_FIELD_CLASSES gives it', () => {
  const n = check(
    'network.kubesphere.io_bgppeers.yaml',
    PEER_LABEL,
    expected(PEER_FIELD_CLASSES, PEER_CRD_FIELDS, {}),
  );
  assert.equal(n, 24);
});

test('the peer-reset class of families and gracefulRestart is what the CRD says (not a restart)', () => {
  assert.equal(GLOBAL_FIELD_CLASSES.families.class, 'peer-reset');
  assert.equal(GLOBAL_FIELD_CLASSES.gracefulRestart.class, 'peer-reset');
  const d = described(schemaOf('network.kubesphere.io_bgpconfs.yaml', 'v1alpha2'));
  for (const f of ['spec.families', 'spec.gracefulRestart'])
    assert.doesNotMatch(d.get(f) ?? '', /restart \+ resync/, f);
});
