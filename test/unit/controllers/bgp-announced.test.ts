import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fastJsonPatch from 'fast-json-patch';
import type { Operation } from 'fast-json-patch';
import type { Eip } from '../../../src/api/v1alpha2.ts';
import { ANNOTATION_ANNOUNCED, decodeAnnounced } from '../../../src/api/announced.ts';
import { announcementsFrom } from '../../../src/announce/announcements.ts';
import { canonicalPrefix } from '../../../src/bgp/adj-out.ts';
import type { ReconcileReport } from '../../../src/bgp/index.ts';
import type { Family } from '../../../src/net/ip.ts';
import { speakerChanged } from '../../../src/controllers/bgp/announced-publisher.ts';
import type { EndpointSlice, Node, Service } from '../../../src/kube/types.ts';
import {
  announcedRows,
  carriedPrefixes,
  missingPathCount,
  rowIn,
  rowMatches,
  withRow,
  type PeerView,
} from '../../../src/controllers/bgp/announced-rows.ts';
import { ANNOUNCED_PATH, announcedPatch } from '../../../src/controllers/bgp/announced-patch.ts';

const node: Node = {
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name: 'node1' },
  status: {
    addresses: [{ type: 'InternalIP', address: '10.0.0.11' }],
    conditions: [{ type: 'Ready', status: 'True' }],
  },
};
const svc = (name: string, local = false): Service => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'demo' },
  spec: { type: 'LoadBalancer', externalTrafficPolicy: local ? 'Local' : 'Cluster' },
});
const eip = (name: string, address: string, used: Record<string, string>, bgp?: Eip['spec']['bgp']): Eip => ({
  apiVersion: 'network.kubesphere.io/v1alpha2',
  kind: 'Eip',
  metadata: { name },
  spec: { address, ...(bgp ? { bgp } : {}) },
  status: { used },
});
const noSlices: EndpointSlice[] = [];

function announcements(eips: Eip[], services: Service[]) {
  const byKey = new Map(services.map((s) => [`${s.metadata.namespace}/${s.metadata.name}`, s]));
  return announcementsFrom(eips, (ns, n) => byKey.get(`${ns}/${n}`));
}

function adj(v4: string[], v6: string[] = []): Map<Family, Set<string>> {
  return new Map<Family, Set<string>>([
    [4, new Set(v4)],
    [6, new Set(v6)],
  ]);
}

describe('announced rows from adj-RIB-out listings', () => {
  const anns = announcements(
    [
      eip('p4', '198.51.100.0/24', { '198.51.100.20': 'demo/web', '198.51.100.21': 'demo/api' }),
      eip('p6', '2001:db8:100::/120', { '2001:db8:100::20': 'demo/web' }),
    ],
    [svc('web'), svc('api')],
  );
  const carried = carriedPrefixes(anns, node, noSlices);

  it('each carried Service gets its host routes, canonical', () => {
    assert.deepEqual(carried.get('demo/web'), [
      { family: 4, prefix: '198.51.100.20/32' },
      { family: 6, prefix: '2001:db8:100::20/128' },
    ]);
    assert.deepEqual(carried.get('demo/api'), [{ family: 4, prefix: '198.51.100.21/32' }]);
  });

  it('true per peer when every prefix of the families it carries is in its adj-RIB-out', () => {
    const peers: PeerView[] = [
      { name: 'router2', families: [4], adjOut: adj(['198.51.100.20/32']) },
      { name: 'router1', families: [4, 6], adjOut: adj(['198.51.100.20/32', '198.51.100.21/32']) },
    ];
    const rows = announcedRows(carried, peers);
    // web's IPv6 route is missing towards router1; router2 carries IPv4 only
    assert.deepEqual(rows.get('demo/web'), { router1: false, router2: true });
    assert.deepEqual(rows.get('demo/api'), { router1: true, router2: false });
    assert.deepEqual(Object.keys(rows.get('demo/web') ?? {}), ['router1', 'router2'], 'sorted by peer');
    assert.equal(missingPathCount(rows), 2);
  });

  it('a session not Established (or gobgpd gone) reads false for every Service', () => {
    const rows = announcedRows(carried, [{ name: 'router1', families: [4, 6], adjOut: undefined }]);
    assert.deepEqual(rows.get('demo/web'), { router1: false });
    assert.deepEqual(rows.get('demo/api'), { router1: false });
  });

  it('a Service no peer carries a family of gets no row', () => {
    const rows = announcedRows(carried, [{ name: 'v6only', families: [6], adjOut: adj([], []) }]);
    assert.equal(rows.has('demo/api'), false);
    assert.deepEqual(rows.get('demo/web'), { v6only: false });
  });

  it('an aggregated pool counts its covering prefix in adj-RIB-out', () => {
    const agg = announcements(
      [eip('p4', '198.51.100.0/24', { '198.51.100.20': 'demo/web' }, { aggregationLength: 24 })],
      [svc('web')],
    );
    const c = carriedPrefixes(agg, node, noSlices);
    assert.deepEqual(c.get('demo/web'), [{ family: 4, prefix: '198.51.100.0/24' }]);
    const rows = announcedRows(c, [{ name: 'r', families: [4], adjOut: adj(['198.51.100.0/24']) }]);
    assert.deepEqual(rows.get('demo/web'), { r: true });
  });

  it('eTP=Local without a ready endpoint on this node: not carried, no row', () => {
    const local = announcements(
      [eip('p4', '198.51.100.0/24', { '198.51.100.30': 'demo/loc' })],
      [svc('loc', true)],
    );
    assert.equal(carriedPrefixes(local, node, noSlices).size, 0);
  });

  it('canonicalPrefix: bare addresses get their host length, IPv6 one spelling', () => {
    assert.equal(canonicalPrefix('10.0.0.1'), '10.0.0.1/32');
    assert.equal(canonicalPrefix('2001:DB8:0:0::1'), '2001:db8::1/128');
    assert.equal(canonicalPrefix('2001:db8::/64'), '2001:db8::/64');
    assert.equal(canonicalPrefix('FD00::/8'), 'fd00::/8');
    assert.equal(canonicalPrefix('::ffff:10.0.0.1'), '::ffff:a00:1/128');
    assert.equal(canonicalPrefix('not-an-ip'), 'not-an-ip');
  });
});

describe('merging a row into the annotation value', () => {
  it("sets this node's row and keeps every other replica's", () => {
    const other = JSON.stringify({ node2: { router1: true } });
    const v = withRow(other, 'node1', { router1: false });
    assert.deepEqual(decodeAnnounced(v ?? '').ok && decodeAnnounced(v ?? ''), {
      ok: true,
      value: { node1: { router1: false }, node2: { router1: true } },
    });
    assert.equal(rowMatches(v, 'node1', { router1: false }), true);
    assert.equal(rowMatches(v, 'node1', { router1: true }), false);
    assert.deepEqual(rowIn(v, 'node2'), { router1: true });
  });

  it('removing the last row removes the annotation; an unreadable value is replaced', () => {
    assert.equal(withRow(JSON.stringify({ node1: { r: true } }), 'node1', undefined), undefined);
    assert.equal(withRow('not json', 'node1', { r: true }), '{"node1":{"r":true}}');
    assert.equal(rowMatches(undefined, 'node1', undefined), true);
  });
});

describe('the conditioned JSON patch', () => {
  const apply = (doc: object, ops: unknown): object =>
    fastJsonPatch.applyPatch(structuredClone(doc), ops as Operation[], true, false).newDocument;
  const svcWith = (annotations: Record<string, string> | undefined, rv = '7') => ({
    metadata: { name: 'web', resourceVersion: rv, ...(annotations ? { annotations } : {}) },
  });

  it('replaces the value it tested; another replica’s write in between fails the test', () => {
    const old = '{"node2":{"r":true}}';
    const ops = announcedPatch({ annotations: { [ANNOTATION_ANNOUNCED]: old }, resourceVersion: '7' }, 'NEW');
    assert.deepEqual(ops, [
      { op: 'test', path: ANNOUNCED_PATH, value: old },
      { op: 'replace', path: ANNOUNCED_PATH, value: 'NEW' },
    ]);
    assert.equal(ANNOUNCED_PATH, '/metadata/annotations/openelb.kubesphere.io~1announced');
    assert.deepEqual(
      apply(svcWith({ [ANNOTATION_ANNOUNCED]: old, other: 'x' }), ops),
      svcWith({ [ANNOTATION_ANNOUNCED]: 'NEW', other: 'x' }),
    );
    assert.throws(() => apply(svcWith({ [ANNOTATION_ANNOUNCED]: '{"node2":{"r":false}}' }), ops), /test/i);
  });

  it('no value yet: conditioned on the resourceVersion read; creates the annotations map if missing', () => {
    const ops = announcedPatch({ annotations: undefined, resourceVersion: '7' }, 'V');
    assert.deepEqual(apply(svcWith(undefined), ops), svcWith({ [ANNOTATION_ANNOUNCED]: 'V' }));
    assert.throws(() => apply(svcWith(undefined, '8'), ops), /test/i);
    const ops2 = announcedPatch({ annotations: { a: 'b' }, resourceVersion: '7' }, 'V');
    assert.deepEqual(apply(svcWith({ a: 'b' }), ops2), svcWith({ a: 'b', [ANNOTATION_ANNOUNCED]: 'V' }));
  });

  it('removal tests then removes; nothing to do → no patch', () => {
    const ops = announcedPatch(
      { annotations: { [ANNOTATION_ANNOUNCED]: 'V' }, resourceVersion: '7' },
      undefined,
    );
    assert.deepEqual(apply(svcWith({ [ANNOTATION_ANNOUNCED]: 'V', a: 'b' }), ops), svcWith({ a: 'b' }));
    assert.equal(
      announcedPatch({ annotations: { [ANNOTATION_ANNOUNCED]: 'V' }, resourceVersion: '7' }, 'V'),
      undefined,
    );
    assert.equal(announcedPatch({ annotations: {}, resourceVersion: '7' }, undefined), undefined);
  });
});

describe('which speaker passes trigger a publisher pass', () => {
  const quiet: ReconcileReport = { global: 'none', sidecarRestarted: false, drift: [], policyChanged: [] };
  const paths = (added: number, withdrawn = 0) => ({
    added,
    replaced: 0,
    withdrawn,
    unchanged: 5,
    listed: false,
  });
  it('a health pass that changed nothing does not; paths, peers, a restarted or new server do', () => {
    assert.equal(speakerChanged(quiet), false);
    assert.equal(speakerChanged({ ...quiet, paths: paths(0) }), false);
    assert.equal(speakerChanged({ ...quiet, paths: paths(1) }), true);
    assert.equal(speakerChanged({ ...quiet, paths: paths(0, 2) }), true);
    assert.equal(
      speakerChanged({
        ...quiet,
        peers: { actions: [{ address: '10.0.0.1', action: 'add', changes: [] }], unchanged: 0, failed: [] },
      }),
      true,
    );
    assert.equal(speakerChanged({ ...quiet, global: 'started' }), true);
    assert.equal(speakerChanged({ ...quiet, sidecarRestarted: true }), true);
  });
});
