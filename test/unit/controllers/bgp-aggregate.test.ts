import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Eip } from '../../../src/api/v1alpha2.ts';
import type { EndpointSlice, Node, Service } from '../../../src/kube/types.ts';
import { announcementsFrom } from '../../../src/announce/announcements.ts';
import { desiredPaths } from '../../../src/controllers/bgp/desired-paths.ts';
import { eipOfPrefix } from '../../../src/controllers/bgp/aggregate.ts';
import { buildPath } from '../../../src/bgp/path-build.ts';
import { BgpValidationError } from '../../../src/bgp/validate.ts';
import { parseIp } from '../../../src/net/ip.ts';
import { prefixSpan } from '../../../src/net/prefix.ts';

const node = (name: string): Node => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name },
  status: {
    addresses: [{ type: 'InternalIP', address: '10.0.0.11' }],
    conditions: [{ type: 'Ready', status: 'True' }],
  },
});
const svc = (name: string, local = false): Service => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'ns' },
  spec: { type: 'LoadBalancer', externalTrafficPolicy: local ? 'Local' : 'Cluster' },
});
const eip = (name: string, address: string, used: Record<string, string>, bgp: Eip['spec']['bgp']): Eip => ({
  apiVersion: 'network.kubesphere.io/v1alpha2',
  kind: 'Eip',
  metadata: { name },
  spec: { address, bgp },
  status: { used },
});
const slice = (svcName: string, nodes: string[]): EndpointSlice => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name: `${svcName}-x`, namespace: 'ns', labels: { 'kubernetes.io/service-name': svcName } },
  addressType: 'IPv4',
  endpoints: nodes.map((n) => ({ addresses: ['10.244.0.1'], nodeName: n, conditions: { ready: true } })),
});
const peers = [{ address: '10.0.0.1', peerAsn: 1 }];

/** `count` Services holding consecutive addresses of 198.51.100.0/24 from .1, all announced. */
function pool(count: number, bgp: Eip['spec']['bgp'], local: (i: number) => boolean = () => false) {
  const services = new Map<string, Service>();
  const used: Record<string, string> = {};
  for (let i = 1; i <= count; i++) {
    services.set(`ns/s${i}`, svc(`s${i}`, local(i)));
    used[`198.51.100.${i}`] = `ns/s${i}`;
  }
  return announcementsFrom([eip('p4', '198.51.100.0/24', used, bgp)], (ns, n) => services.get(`${ns}/${n}`));
}

describe('aggregation per Eip (spec.bgp.aggregationLength)', () => {
  it('200 Services in a /24 with aggregationLength 24 → one /24 path with the pool attributes', () => {
    const anns = pool(200, { aggregationLength: 24, communities: ['65000:7'], localPref: 150 });
    assert.equal(anns.length, 200);
    const r = desiredPaths(anns, node('n1'), [], peers, undefined);
    assert.deepEqual(r.paths, [
      { prefix: '198.51.100.0/24', family: 4, communities: ['65000:7'], localPref: 150 },
    ]);
    assert.deepEqual(r.notes, []);
    assert.equal(buildPath(r.paths[0]!).cidr, '198.51.100.0/24');
  });

  it('no Service left → no path (the aggregate is withdrawn by the level-triggered sink)', () => {
    const r = desiredPaths(pool(0, { aggregationLength: 24 }), node('n1'), [], peers, undefined);
    assert.deepEqual(r.paths, []);
  });

  it('absent: one host route per address; 32: the same addresses written as /32', () => {
    assert.deepEqual(
      desiredPaths(pool(2, {}), node('n1'), [], peers, undefined).paths.map((p) => p.prefix),
      ['198.51.100.1', '198.51.100.2'],
    );
    assert.deepEqual(
      desiredPaths(pool(2, { aggregationLength: 32 }), node('n1'), [], peers, undefined).paths.map(
        (p) => p.prefix,
      ),
      ['198.51.100.1/32', '198.51.100.2/32'],
    );
  });

  it('a length between: one path per block holding an announced address', () => {
    const r = desiredPaths(pool(20, { aggregationLength: 28 }), node('n1'), [], peers, undefined);
    assert.deepEqual(
      r.paths.map((p) => p.prefix),
      ['198.51.100.0/28', '198.51.100.16/28'],
    );
  });

  it('eTP=Local: a node announces the aggregate when it carries at least one address inside it', () => {
    // s1..s4 are Local; s1 has its endpoint on n1, the others on n2
    const anns = pool(4, { aggregationLength: 30 }, () => true);
    const slices = [slice('s1', ['n1']), slice('s2', ['n2']), slice('s3', ['n2']), slice('s4', ['n2'])];
    assert.deepEqual(
      desiredPaths(anns, node('n1'), slices, peers, undefined).paths.map((p) => p.prefix),
      ['198.51.100.0/30'],
    );
    assert.deepEqual(
      desiredPaths(anns, node('n2'), slices, peers, undefined).paths.map((p) => p.prefix),
      ['198.51.100.0/30', '198.51.100.4/30'],
    );
    assert.deepEqual(desiredPaths(anns, node('n3'), slices, peers, undefined).paths, []);
  });

  it('IPv6 pools read aggregationLengthV6 (aggregationLength is for IPv4 only)', () => {
    const services = new Map([['ns/a', svc('a')]]);
    const anns = announcementsFrom(
      [
        eip(
          'p6',
          '2001:db8:100::/64',
          { '2001:db8:100::20': 'ns/a' },
          { aggregationLength: 24, aggregationLengthV6: 64 },
        ),
      ],
      (ns, n) => services.get(`${ns}/${n}`),
    );
    assert.deepEqual(desiredPaths(anns, node('n1'), [], peers, undefined).paths, [
      { prefix: '2001:db8:100::/64', family: 6 },
    ]);
  });

  it('two range pools sharing an aggregate: the first pool attributes, a warning on the second', () => {
    const services = new Map([
      ['ns/a', svc('a')],
      ['ns/b', svc('b')],
    ]);
    const anns = announcementsFrom(
      [
        eip('a', '198.51.100.1-198.51.100.9', { '198.51.100.1': 'ns/a' }, { aggregationLength: 24 }),
        eip(
          'b',
          '198.51.100.10-198.51.100.19',
          { '198.51.100.10': 'ns/b' },
          {
            aggregationLength: 24,
            communities: ['65000:2'],
          },
        ),
      ],
      (ns, n) => services.get(`${ns}/${n}`),
    );
    const r = desiredPaths(anns, node('n1'), [], peers, undefined);
    assert.deepEqual(r.paths, [{ prefix: '198.51.100.0/24', family: 4 }]);
    assert.equal(r.notes.length, 1);
    assert.equal(r.notes[0]?.reason, 'AggregateShared');
    assert.equal(r.notes[0]?.name, 'b');
    assert.match(r.notes[0]?.message ?? '', /198\.51\.100\.0\/24.*Eip a/);
  });

  it('an aggregate is validated like every path before gobgpd sees it', () => {
    const r = desiredPaths(pool(1, { aggregationLength: 0 }), node('n1'), [], peers, undefined);
    assert.deepEqual(
      r.paths.map((p) => p.prefix),
      ['0.0.0.0/0'],
    );
    assert.throws(() => buildPath(r.paths[0]!), BgpValidationError);
    // the RouteRefused Event goes to the Eip the aggregate came from
    assert.equal(eipOfPrefix(pool(1, { aggregationLength: 0 }), '0.0.0.0/0'), 'p4');
    assert.equal(eipOfPrefix(pool(1, {}), '198.51.100.1'), 'p4');
    assert.equal(eipOfPrefix(pool(1, {}), '203.0.113.1'), '');
  });

  it('property: every announced address is covered by exactly one path, one path per distinct block', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: 254 }), { minLength: 0, maxLength: 60 }),
        fc.integer({ min: 24, max: 32 }),
        (hosts, length) => {
          const services = new Map<string, Service>();
          const used: Record<string, string> = {};
          for (const h of hosts) {
            services.set(`ns/s${h}`, svc(`s${h}`));
            used[`198.51.100.${h}`] = `ns/s${h}`;
          }
          const anns = announcementsFrom(
            [eip('p4', '198.51.100.0/24', used, { aggregationLength: length })],
            (ns, n) => services.get(`${ns}/${n}`),
          );
          const paths = desiredPaths(anns, node('n1'), [], peers, undefined).paths;
          const spans = paths.map((p) => {
            const [addr, len] = p.prefix.split('/');
            const ip = parseIp(addr);
            assert.ok(ip.ok);
            assert.equal(Number(len), length);
            return prefixSpan(4, ip.value.value, length);
          });
          const blocks = new Set(hosts.map((h) => h >> (32 - length)));
          assert.equal(paths.length, blocks.size);
          for (const h of hosts) {
            const v = (198n << 24n) | (51n << 16n) | (100n << 8n) | BigInt(h);
            assert.equal(spans.filter((s) => s.first <= v && v <= s.last).length, 1);
          }
        },
      ),
    );
  });
});
