import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BgpConf, BgpPeer, Eip } from '../../../src/api/v1alpha2.ts';
import type { EndpointSlice, Node, Service } from '../../../src/kube/types.ts';
import type { Family } from '../../../src/net/ip.ts';
import { announcementsFrom } from '../../../src/announce/announcements.ts';
import { desiredGlobal } from '../../../src/controllers/bgp/desired-global.ts';
import { ANNOTATION_NEXT_HOP, desiredPaths } from '../../../src/controllers/bgp/desired-paths.ts';
import { desiredPeers } from '../../../src/controllers/bgp/desired.ts';
import { labelsMatch } from '../../../src/controllers/bgp/selector.ts';
import {
  nextConditions,
  localPolicyFindings,
  CONDITION_ENDPOINTS_WITHOUT_REPLICA,
} from '../../../src/controllers/service/local-policy.ts';
import { bgpReady } from '../../../src/controllers/bgp/readiness.ts';
import type { Readiness } from '../../../src/obs/health.ts';

function reasonOf(r: Readiness): string {
  return r.ok ? '(ready)' : r.error;
}
import { peerEntry } from '../../../src/controllers/bgp/status.ts';

const node = (
  name: string,
  labels: Record<string, string> = {},
  annotations: Record<string, string> = {},
  addrs = ['10.0.0.11', 'fd00::11'],
): Node => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name, labels, annotations },
  status: {
    addresses: addrs.map((address) => ({ type: 'InternalIP' as const, address })),
    conditions: [{ type: 'Ready', status: 'True' }],
  },
});
const conf = (spec: BgpConf['spec']): BgpConf => ({
  apiVersion: 'network.kubesphere.io/v1alpha2',
  kind: 'BgpConf',
  metadata: { name: 'default' },
  spec,
});
const peer = (name: string, spec: BgpPeer['spec']): BgpPeer => ({
  apiVersion: 'network.kubesphere.io/v1alpha2',
  kind: 'BgpPeer',
  metadata: { name },
  spec,
});
const svc = (name: string, local = false): Service => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'ns' },
  spec: { type: 'LoadBalancer', externalTrafficPolicy: local ? 'Local' : 'Cluster' },
});
const eip = (name: string, used: Record<string, string>, extra: Partial<Eip['spec']> = {}): Eip => ({
  apiVersion: 'network.kubesphere.io/v1alpha2',
  kind: 'Eip',
  metadata: { name },
  spec: { address: '198.51.100.0/24', ...extra },
  status: { used },
});
const slice = (svcName: string, nodes: string[]): EndpointSlice => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name: `${svcName}-x`, namespace: 'ns', labels: { 'kubernetes.io/service-name': svcName } },
  addressType: 'IPv4',
  endpoints: nodes.map((n) => ({ addresses: ['10.244.0.1'], nodeName: n, conditions: { ready: true } })),
});

describe('BgpConf → DesiredGlobal', () => {
  it('router id defaults to the node InternalIP; listenPort -1 passes through; families map from codes', () => {
    const r = desiredGlobal(conf({ as: 64600, listenPort: -1, families: [65537, 131073] }), node('n1'), 2);
    assert.deepEqual(r.global, {
      asn: 64600,
      routerId: '10.0.0.11',
      listenPort: -1,
      listenAddresses: [],
      families: [4, 6],
    });
    assert.deepEqual(r.notes, []);
  });
  it('an explicit router id shared by several replicas is warned about; graceful restart too', () => {
    const r = desiredGlobal(
      conf({ as: 64600, routerId: '1.1.1.1', gracefulRestart: { enabled: true, restartTime: 15 } }),
      node('n1'),
      3,
    );
    assert.equal(r.global?.routerId, '1.1.1.1');
    assert.deepEqual(r.notes.map((n) => n.reason).sort(), ['GracefulRestartEnabled', 'SharedRouterId']);
    assert.equal(desiredGlobal(conf({ as: 64600, routerId: '1.1.1.1' }), node('n1'), 1).notes.length, 0);
  });
  it('asPerRack overrides the AS and forces the node router id', () => {
    const r = desiredGlobal(
      conf({ as: 64600, routerId: '1.1.1.1', asPerRack: { r7: 65007 } }),
      node('n1', { 'openelb.kubesphere.io/rack': 'r7' }),
      3,
    );
    assert.equal(r.global?.asn, 65007);
    assert.equal(r.global?.routerId, '10.0.0.11');
  });
  it('no BgpConf → unconfigured; unusable → error', () => {
    assert.equal(desiredGlobal(undefined, node('n1'), 1).global, undefined);
    assert.match(desiredGlobal(conf({}), node('n1'), 1).error ?? '', /spec.as/);
    assert.match(desiredGlobal(conf({ as: 1, families: [99] }), node('n1'), 1).error ?? '', /families/);
  });
});

describe('BgpPeer → DesiredPeer', () => {
  const secrets = (name: string, key: string) => (name === 'pw' && key === 'password' ? 's3cret' : undefined);
  it('selects by nodeSelector, parses string timers, reads the password from a Secret', () => {
    const r = desiredPeers(
      [
        peer('a', {
          conf: { neighborAddress: '10.0.0.1', peerAs: 64512, authPasswordSecretRef: { name: 'pw' } },
          timers: { config: { holdTime: '9', keepaliveInterval: 3 } },
          transport: { passiveMode: true, remotePort: 1790 },
        }),
        peer('b', {
          conf: { neighborAddress: '10.0.0.2', peerAs: 64513 },
          nodeSelector: { matchLabels: { rack: 'x' } },
        }),
      ],
      node('n1'),
      secrets,
    );
    assert.deepEqual(r.selected, ['a']);
    assert.deepEqual(r.peers, [
      {
        address: '10.0.0.1',
        peerAsn: 64512,
        password: 's3cret',
        holdTime: 9,
        keepaliveInterval: 3,
        passive: true,
        remotePort: 1790,
      },
    ]);
  });
  it('carries MRAI, mtuDiscovery and tcpMss; a fractional MRAI is an error for that peer', () => {
    const r = desiredPeers(
      [
        peer('a', {
          conf: { neighborAddress: '10.0.0.1', peerAs: 1 },
          timers: { config: { minimumAdvertisementInterval: '5' } },
          transport: { mtuDiscovery: true, tcpMss: 1400 },
        }),
        peer('b', {
          conf: { neighborAddress: '10.0.0.2', peerAs: 1 },
          timers: { config: { minimumAdvertisementInterval: '0.5' } },
        }),
      ],
      node('n1'),
      secrets,
    );
    assert.deepEqual(r.peers, [
      { address: '10.0.0.1', peerAsn: 1, minimumAdvertisementInterval: 5, mtuDiscovery: true, tcpMss: 1400 },
    ]);
    assert.match(r.errors.b ?? '', /whole seconds/);
  });
  it('plain authPassword works with a warning; a missing Secret is an error for that peer only', () => {
    const r = desiredPeers(
      [
        peer('a', { conf: { neighborAddress: '10.0.0.1', peerAs: 1, authPassword: 'x' } }),
        peer('b', {
          conf: { neighborAddress: '10.0.0.2', peerAs: 1, authPasswordSecretRef: { name: 'nope' } },
        }),
      ],
      node('n1'),
      secrets,
    );
    assert.equal(r.peers.length, 1);
    assert.equal(r.peers[0]?.password, 'x');
    assert.equal(r.notes[0]?.reason, 'PlainTextPassword');
    assert.match(r.errors.b ?? '', /Secret nope/);
  });
  it('afiSafis → families; an entry without config means the neighbour family', () => {
    const r = desiredPeers(
      [
        peer('a', {
          conf: { neighborAddress: '10.0.0.1', peerAs: 1 },
          afiSafis: [{}, { config: { family: { afi: 'AFI_IP6', safi: 'SAFI_UNICAST' }, enabled: true } }],
        }),
      ],
      node('n1'),
      secrets,
    );
    assert.deepEqual(r.peers[0]?.families, [4, 6]);
  });
  it('two BgpPeers for one neighbour (issue 12): the later-created one is left out with the reason; the first is untouched', () => {
    const at = (name: string, t: string, spec: BgpPeer['spec']): BgpPeer => ({
      ...peer(name, spec),
      metadata: { name, creationTimestamp: t },
    });
    const first = at('tor', '2026-01-01T00:00:00Z', {
      conf: { neighborAddress: '2001:db8::1', peerAs: 65001 },
    });
    // sorts first by name, created later, other AS, adminDown, another spelling of the address
    const copy = at('a-copy', '2026-01-01T00:05:00Z', {
      conf: { neighborAddress: '2001:DB8:0::1', peerAs: 65099, adminDown: true },
    });
    const alone = desiredPeers([first], node('n1'), secrets);
    const r = desiredPeers([copy, first], node('n1'), secrets);
    assert.deepEqual(
      r.peers,
      alone.peers,
      'gobgpd is asked for exactly what it had: no change, no session reset',
    );
    assert.deepEqual(r.selected, ['a-copy', 'tor'], 'both get a status entry on this node');
    assert.match(
      r.errors['a-copy'] ?? '',
      /^spec\.conf\.neighborAddress 2001:db8::1 is also the neighbour of BgpPeer "tor", created earlier/,
    );
    assert.equal(r.errors['tor'], undefined);
    assert.deepEqual(
      r.notes.map((n) => [n.kind, n.name, n.type, n.reason]),
      [['BgpPeer', 'a-copy', 'Warning', 'Conflict']],
    );
    // Same creation second: the name decides. Disjoint nodeSelectors: no conflict at all.
    const twin = at('tor-b', '2026-01-01T00:00:00Z', {
      conf: { neighborAddress: '2001:db8::1', peerAs: 65001 },
    });
    assert.deepEqual(Object.keys(desiredPeers([twin, first], node('n1'), secrets).errors), ['tor-b']);
    const rackB = at('rack-b', '2026-01-01T00:09:00Z', {
      conf: { neighborAddress: '2001:db8::1', peerAs: 65001 },
      nodeSelector: { matchLabels: { rack: 'b' } },
    });
    const rackA = { ...first, spec: { ...first.spec, nodeSelector: { matchLabels: { rack: 'a' } } } };
    const onB = desiredPeers([rackA, rackB], node('n2', { rack: 'b' }), secrets);
    assert.deepEqual(
      [onB.selected, Object.keys(onB.errors), onB.peers.map((p) => p.address)],
      [['rack-b'], [], ['2001:db8::1']],
    );
    // The first one deleted: the later one takes over.
    const gone = { ...first, metadata: { ...first.metadata, deletionTimestamp: '2026-01-02T00:00:00Z' } };
    assert.deepEqual(
      desiredPeers([copy, gone], node('n1'), secrets).peers.map((p) => [p.address, p.peerAsn, p.adminDown]),
      [['2001:DB8:0::1', 65099, true]],
    );
  });
  it('label selector operators', () => {
    const l = { a: '1', b: '2' };
    assert.ok(labelsMatch(undefined, l));
    assert.ok(
      labelsMatch(
        {
          matchExpressions: [
            { key: 'a', operator: 'In', values: ['1', '3'] },
            { key: 'c', operator: 'DoesNotExist' },
          ],
        },
        l,
      ),
    );
    assert.ok(!labelsMatch({ matchExpressions: [{ key: 'b', operator: 'NotIn', values: ['2'] }] }, l));
    assert.ok(!labelsMatch({ matchExpressions: [{ key: 'c', operator: 'Exists' }] }, l));
    assert.throws(() => labelsMatch({ matchExpressions: [{ key: 'a', operator: 'In' }] }, l));
  });
});

describe('announcements → DesiredPath', () => {
  const services = new Map([
    ['ns/web', svc('web')],
    ['ns/loc', svc('loc', true)],
    ['ns/web6', svc('web6')],
  ]);
  const lookup = (ns: string, n: string) => services.get(`${ns}/${n}`);
  const anns = announcementsFrom(
    [
      eip(
        'p4',
        { '198.51.100.1': 'ns/web', '198.51.100.2': 'ns/loc' },
        { bgp: { communities: ['65000:1'], localPref: 200 } },
      ),
      eip('p6', { '2001:db8::1': 'ns/web6' }, { address: '2001:db8::/64' }),
      eip('l2', { '10.0.0.200': 'ns/web' }, { protocol: 'layer2' }),
    ],
    lookup,
  );
  const v4peer = { address: '10.0.0.1', peerAsn: 1 };
  it('self next hop by default, pool attributes copied, layer2 and Local-without-endpoint left out', () => {
    const r = desiredPaths(anns, node('n1'), [slice('loc', ['n2'])], [v4peer], undefined);
    assert.deepEqual(r.paths, [
      { prefix: '198.51.100.1', family: 4, communities: ['65000:1'], localPref: 200 },
      { prefix: '2001:db8::1', family: 6 },
    ]);
  });
  it('IPv6 over an IPv4 session gets the node IPv6 address as next hop; the annotation overrides', () => {
    const v4both = { ...v4peer, families: [4, 6] as Family[] };
    const r = desiredPaths(anns, node('n1'), [slice('loc', ['n1'])], [v4both], undefined);
    assert.equal(r.paths.find((p) => p.family === 6)?.nextHop, 'fd00::11');
    assert.equal(r.paths.filter((p) => p.family === 4).length, 2);
    const a = desiredPaths(
      anns,
      node('n1', {}, { [ANNOTATION_NEXT_HOP]: '192.0.2.7, 2001:db8:ff::7' }),
      [],
      [v4both],
      undefined,
    );
    assert.deepEqual(
      a.paths.map((p) => p.nextHop),
      ['192.0.2.7', '2001:db8:ff::7'],
    );
  });
  it('IPv6 over IPv4 with no IPv6 address: not announced, with a warning', () => {
    const r = desiredPaths(
      anns,
      node('n1', {}, {}, ['10.0.0.11']),
      [],
      [{ ...v4peer, families: [4, 6] }],
      undefined,
    );
    assert.ok(!r.paths.some((p) => p.family === 6));
    assert.equal(r.notes[0]?.reason, 'NoIPv6NextHop');
  });
  it('eTP=Local endpoints only on nodes without a replica → condition naming them; cleared when fixed', () => {
    const f = localPolicyFindings(anns, [slice('loc', ['n3'])], new Set(['n1', 'n2']));
    assert.deepEqual(
      f.map((x) => [x.service.metadata.name, x.nodes]),
      [['loc', ['n3']]],
    );
    const set = nextConditions([], ['n3'], 't0');
    assert.equal(set?.[0]?.type, CONDITION_ENDPOINTS_WITHOUT_REPLICA);
    assert.equal(nextConditions(set, ['n3'], 't1'), undefined, 'unchanged → no write');
    assert.deepEqual(nextConditions(set, [], 't2'), []);
    assert.equal(nextConditions([], [], 't3'), undefined);
  });
});

describe('readiness and status entries', () => {
  const g = { asn: 1, routerId: '1.1.1.1', listenPort: 0, listenAddresses: [], families: [] };
  const st = (state: 'ESTABLISHED' | 'ACTIVE', advertised: number) => ({
    address: '10.0.0.1',
    peerAsn: 2,
    sessionState: state,
    adminState: 'UP' as const,
    negotiatedHoldTime: 9,
    remoteRouterId: '',
    advertised,
    received: 0,
    accepted: 0,
    flops: 0,
    notificationsReceived: 0,
    notificationsSent: 0,
  });
  it('ready when every session is Established and advertises what we want', () => {
    const peers = [{ address: '10.0.0.1', peerAsn: 2 }];
    assert.equal(bgpReady(peers, g, { 4: 2, 6: 5 }, [st('ESTABLISHED', 2)], true).ok, true);
    assert.match(
      reasonOf(bgpReady(peers, g, { 4: 2, 6: 0 }, [st('ESTABLISHED', 1)], true)),
      /advertised 1\/2/,
    );
    assert.match(reasonOf(bgpReady(peers, g, { 4: 0, 6: 0 }, [st('ACTIVE', 0)], true)), /ACTIVE/);
    assert.match(reasonOf(bgpReady(peers, g, { 4: 0, 6: 0 }, [], false)), /not applied/);
    assert.equal(bgpReady([{ ...peers[0]!, adminDown: true }], g, { 4: 1, 6: 0 }, [], true).ok, true);
  });
  it('status entry is stable between polls (uptime is the instant the session came up)', () => {
    const since = new Date('2026-01-01T00:00:00Z');
    const a = peerEntry(
      { ...st('ESTABLISHED', 3), establishedSince: since, uptimeSeconds: 5 },
      '10.0.0.1',
      undefined,
    );
    const b = peerEntry(
      { ...st('ESTABLISHED', 3), establishedSince: since, uptimeSeconds: 9 },
      '10.0.0.1',
      undefined,
    );
    assert.deepEqual(a, b);
    assert.equal(a.timersState?.uptime, '2026-01-01T00:00:00.000Z');
    assert.equal(peerEntry(undefined, '10.0.0.9', 'boom').lastError, 'boom');
  });
  it("a BgpPeer that is not applied shows no session, even when gobgpd has one at its address (another BgpPeer's)", () => {
    const other = {
      ...st('ESTABLISHED', 3),
      remoteRouterId: '192.0.2.1',
      establishedSince: new Date('2026-01-01T00:00:00Z'),
    };
    const e = peerEntry(
      other,
      '10.0.0.1',
      'spec.conf.neighborAddress 10.0.0.1 is also the neighbour of BgpPeer "tor"',
    );
    assert.equal(e.peerState?.sessionState, 'UNKNOWN');
    assert.equal(e.peerState?.routerId, '');
    assert.equal(e.timersState?.uptime, '');
    assert.equal(e.advertisedPrefixes, 0);
    assert.match(e.lastError ?? '', /BgpPeer "tor"/);
  });
});
