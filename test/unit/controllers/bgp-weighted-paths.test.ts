import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Eip } from '../../../src/api/v1alpha2.ts';
import type { DesiredGlobal } from '../../../src/bgp/index.ts';
import type { EndpointSlice, Node, Service } from '../../../src/kube/types.ts';
import { announcementsFrom } from '../../../src/announce/announcements.ts';
import { ANNOTATION_WEIGHTED_ECMP } from '../../../src/announce/weighting.ts';
import { desiredPaths } from '../../../src/controllers/bgp/desired-paths.ts';
import { buildPath } from '../../../src/bgp/path-build.ts';

const node = (name: string): Node => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name },
  status: { conditions: [{ type: 'Ready', status: 'True' }] },
});
const svc = (name: string, annotations?: Record<string, string>): Service => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'ns', ...(annotations ? { annotations } : {}) },
  spec: { type: 'LoadBalancer', externalTrafficPolicy: 'Local' },
});
const slice = (svcName: string, nodes: string[]): EndpointSlice => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name: `${svcName}-x`, namespace: 'ns', labels: { 'kubernetes.io/service-name': svcName } },
  addressType: 'IPv4',
  endpoints: nodes.map((n, i) => ({
    addresses: [`10.244.0.${i + 1}`],
    nodeName: n,
    conditions: { ready: true },
  })),
});
const global = (asn: number): DesiredGlobal => ({
  asn,
  routerId: '10.0.0.11',
  listenPort: -1,
  listenAddresses: [],
  families: [],
});
const peers = [{ address: '10.0.0.1', peerAsn: 64512 }];

function announcements(bgp: Eip['spec']['bgp'], services: Service[]) {
  const used: Record<string, string> = {};
  services.forEach((s, i) => (used[`198.51.100.${i + 1}`] = `ns/${s.metadata.name}`));
  const eip: Eip = {
    apiVersion: 'network.kubesphere.io/v1alpha2',
    kind: 'Eip',
    metadata: { name: 'pool' },
    spec: { address: '198.51.100.0/24', bgp },
    status: { used },
  };
  const byName = new Map(services.map((s) => [s.metadata.name, s]));
  return announcementsFrom([eip], (_ns, n) => byName.get(n));
}

describe('desired paths with weighted ECMP', () => {
  const slices = [slice('web', ['n1', 'n2', 'n2', 'n2'])];

  it("each node's path carries its endpoints × 1 Mbit/s, with the local AS", () => {
    const a = announcements({ weightedEcmp: true }, [svc('web')]);
    const one = desiredPaths(a, node('n1'), slices, peers, global(64600));
    const three = desiredPaths(a, node('n2'), slices, peers, global(64600));
    assert.deepEqual(one.paths[0]?.linkBandwidth, { asn: 64600, bytesPerSecond: 125_000 });
    assert.deepEqual(three.paths[0]?.linkBandwidth, { asn: 64600, bytesPerSecond: 375_000 });
    assert.deepEqual([...one.notes, ...three.notes], []);
    // what the sink will send: validated, and distinct from the unweighted path
    assert.notEqual(
      buildPath(one.paths[0]!).fingerprint,
      buildPath({ prefix: '198.51.100.1', family: 4 }).fingerprint,
    );
  });

  it('a 4-octet local AS is sent as AS_TRANS', () => {
    const a = announcements({ weightedEcmp: true }, [svc('web')]);
    assert.equal(
      desiredPaths(a, node('n1'), slices, peers, global(4_200_000_000)).paths[0]?.linkBandwidth?.asn,
      23456,
    );
  });

  it('off by default; the Service annotation turns it on or off against the pool', () => {
    assert.equal(
      desiredPaths(announcements(undefined, [svc('web')]), node('n1'), slices, peers, global(64600)).paths[0]
        ?.linkBandwidth,
      undefined,
    );
    const on = announcements(undefined, [svc('web', { [ANNOTATION_WEIGHTED_ECMP]: 'true' })]);
    assert.equal(
      desiredPaths(on, node('n2'), slices, peers, global(64600)).paths[0]?.linkBandwidth?.bytesPerSecond,
      375_000,
    );
    const off = announcements({ weightedEcmp: true }, [svc('web', { [ANNOTATION_WEIGHTED_ECMP]: 'false' })]);
    assert.equal(
      desiredPaths(off, node('n2'), slices, peers, global(64600)).paths[0]?.linkBandwidth,
      undefined,
    );
  });

  it('a Service annotation inside an aggregated pool: the aggregate goes out plain, with a note on the Eip', () => {
    const a = announcements({ aggregationLength: 24 }, [svc('web', { [ANNOTATION_WEIGHTED_ECMP]: 'true' })]);
    const r = desiredPaths(a, node('n1'), slices, peers, global(64600));
    assert.deepEqual(
      r.paths.map((p) => [p.prefix, p.linkBandwidth]),
      [['198.51.100.0/24', undefined]],
    );
    assert.equal(r.notes.length, 1);
    assert.equal(r.notes[0]?.kind, 'Eip');
    assert.equal(r.notes[0]?.reason, 'WeightedEcmpIgnored');
    assert.match(
      r.notes[0]?.message ?? '',
      /inside the aggregate 198\.51\.100\.0\/24, which has no per-Service endpoint count/,
    );
  });

  it('a bad annotation value is told on the Eip; the pool setting applies', () => {
    const a = announcements({ weightedEcmp: true }, [svc('web', { [ANNOTATION_WEIGHTED_ECMP]: 'on' })]);
    const r = desiredPaths(a, node('n1'), slices, peers, global(64600));
    assert.equal(r.paths[0]?.linkBandwidth?.bytesPerSecond, 125_000);
    assert.match(
      r.notes.map((n) => n.message).join('\n'),
      /annotation bgp\.openelb\.kubesphere\.io\/weighted-ecmp is "on"/,
    );
  });
});
