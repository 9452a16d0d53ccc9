import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { BgpPeer, Eip } from '../../../src/api/v1alpha2.ts';
import { statusTables } from '../../../src/cli/status-table.ts';
import { serviceStatuses } from '../../../src/cli/status.ts';
import { renderTables } from '../../../src/cli/table.ts';
import type { Lease, Service } from '../../../src/kube/types.ts';

const NOW = Date.parse('2026-12-07T12:00:00Z');
const eip = (
  name: string,
  address: string,
  protocol: 'bgp' | 'layer2',
  used: Record<string, string>,
): Eip => ({
  apiVersion: 'network.kubesphere.io/v1alpha2',
  kind: 'Eip',
  metadata: { name },
  spec: { address, protocol },
  status: { used },
});
const svc = (ns: string, name: string, ip?: string, annotations?: Record<string, string>): Service => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: ns, ...(annotations ? { annotations } : {}) },
  spec: { type: 'LoadBalancer' },
  ...(ip ? { status: { loadBalancer: { ingress: [{ ip }] } } } : {}),
});
const peer = (name: string, states: Record<string, string>): BgpPeer => ({
  apiVersion: 'network.kubesphere.io/v1alpha2',
  kind: 'BgpPeer',
  metadata: { name },
  spec: { conf: { neighborAddress: `172.30.0.${name.length}` } },
  status: {
    nodesPeerStatus: Object.fromEntries(
      Object.entries(states).map(([n, s]) => [n, { peerState: { sessionState: s } }]),
    ),
  },
});
const lease = (node: string, claims: string, renewedSecondsAgo: number, durationMs = 10_000): Lease => {
  const t = new Date(NOW - renewedSecondsAgo * 1000).toISOString();
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: {
      name: `openelb-layer2-${node}`,
      namespace: 'openelb-system',
      labels: { 'layer2.openelb.kubesphere.io/replica': node },
      annotations: {
        'layer2.openelb.kubesphere.io/claims': claims,
        'layer2.openelb.kubesphere.io/lease-duration-ms': String(durationMs),
        'layer2.openelb.kubesphere.io/macs': `02:00:00:00:00:0${node.at(-1)}`,
      },
    },
    spec: { holderIdentity: node, leaseDurationSeconds: 10, acquireTime: t, renewTime: t },
  };
};

const eips = [
  eip('bgp', '192.168.0.0/24', 'bgp', { '192.168.0.1': 'app/web', '192.168.0.2': 'app/api' }),
  eip('l2', '10.0.0.0/24', 'layer2', { '10.0.0.5': 'app/store', '10.0.0.6': 'app/gone' }),
];
const peers = [
  peer('tor2', { node1: 'ESTABLISHED' }),
  peer('tor1', { node1: 'ESTABLISHED', node2: 'ACTIVE' }),
];
const leases = [lease('node1', '10.0.0.5', 3), lease('node2', '10.0.0.6', 45)];

describe('status: per-Service truth from objects', () => {
  const items = serviceStatuses({
    services: [
      svc('app', 'web', '192.168.0.1', {
        'openelb.kubesphere.io/announced': '{"node1":{"tor1":true,"tor2":false},"node3":{"tor1":true}}',
      }),
      svc('app', 'api', '192.168.0.2', { 'openelb.kubesphere.io/announced': 'nonsense' }),
      svc('app', 'store', '10.0.0.5'),
      svc('app', 'gone', '10.0.0.6'),
      svc('app', 'orphan', '10.0.0.7'),
      svc('app', 'new'),
      { ...svc('app', 'cluster-ip'), spec: { type: 'ClusterIP' } },
      { ...svc('app', 'metallb'), spec: { type: 'LoadBalancer', loadBalancerClass: 'metallb.io/metallb' } },
      {
        ...svc('app', 'classed'),
        spec: { type: 'LoadBalancer', loadBalancerClass: 'openelb.kubesphere.io/openelb' },
      },
    ],
    eips,
    peers,
    leases,
    now: NOW,
  });
  const byName = (n: string) => items.find((i) => i.name === n);

  it('BGP: replica × peer from nodesPeerStatus and the summary; unknown is null, not false', () => {
    assert.deepEqual(byName('web')?.bgp, [
      { replica: 'node1', peer: 'tor1', neighbor: '172.30.0.4', session: 'ESTABLISHED', advertised: true },
      { replica: 'node2', peer: 'tor1', neighbor: '172.30.0.4', session: 'ACTIVE', advertised: null },
      { replica: 'node3', peer: 'tor1', neighbor: '172.30.0.4', session: '-', advertised: true },
      { replica: 'node1', peer: 'tor2', neighbor: '172.30.0.4', session: 'ESTABLISHED', advertised: false },
    ]);
    assert.equal(
      byName('api')?.bgp?.every((p) => p.advertised === null),
      true,
    );
    assert.match(byName('api')?.warnings?.[0] ?? '', /openelb\.kubesphere\.io\/announced: not JSON/);
  });

  it("a replica whose node runs no manager (by the managers' endpoints): its last summary is no longer news", () => {
    const [web] = serviceStatuses({
      services: [
        svc('app', 'web', '192.168.0.1', {
          'openelb.kubesphere.io/announced': '{"node1":{"tor1":true},"node3":{"tor1":true}}',
        }),
      ],
      eips,
      peers: [peers[1]!],
      leases: [],
      now: NOW,
      managers: new Set(['node1', 'node2']),
    });
    assert.deepEqual(
      web?.bgp?.map((p) => [p.replica, p.advertised, p.running]),
      [
        ['node1', true, true],
        ['node2', null, true],
        ['node3', null, false],
      ],
    );
    assert.match(renderTables(statusTables([web!])), /node3 \(no manager\)\s+tor1\s+-\s+\?/);
  });

  it('Layer 2: the replica whose Lease claims the IP, its MAC, the Lease age, expiry', () => {
    assert.deepEqual(byName('store')?.layer2, [
      {
        ip: '10.0.0.5',
        owner: 'node1',
        macs: ['02:00:00:00:00:01'],
        renewTime: new Date(NOW - 3000).toISOString(),
        acquireTime: new Date(NOW - 3000).toISOString(),
        leaseAgeMs: 3000,
        leaseDurationMs: 10_000,
        expired: false,
      },
    ]);
    assert.equal(byName('gone')?.layer2?.[0]?.expired, true);
    assert.equal(byName('orphan')?.pool, '-');
    assert.equal(byName('cluster-ip'), undefined);
    assert.equal(byName('metallb'), undefined, "another load balancer's class is not listed");
    assert.equal(byName('classed')?.pool, '-', 'our class is listed, pending or not');
  });

  it('the tables', () => {
    assert.equal(
      renderTables(statusTables(items)),
      [
        'NAME   POOL   IP            MODE   REPLICA   PEER   SESSION       ADVERTISED',
        'api    bgp    192.168.0.2   bgp    node1     tor1   ESTABLISHED   ?',
        'api    bgp    192.168.0.2   bgp    node2     tor1   ACTIVE        ?',
        'api    bgp    192.168.0.2   bgp    node1     tor2   ESTABLISHED   ?',
        'web    bgp    192.168.0.1   bgp    node1     tor1   ESTABLISHED   yes',
        'web    bgp    192.168.0.1   bgp    node2     tor1   ACTIVE        ?',
        'web    bgp    192.168.0.1   bgp    node3     tor1   -             yes',
        'web    bgp    192.168.0.1   bgp    node1     tor2   ESTABLISHED   no',
        '',
        'NAME    POOL   IP         MODE     OWNER   MAC                 LEASE AGE',
        'gone    l2     10.0.0.6   layer2   node2   02:00:00:00:00:02   45s (expired)',
        'store   l2     10.0.0.5   layer2   node1   02:00:00:00:00:01   3s',
        '',
        'NAME      POOL   IP          MODE',
        'classed   -      <pending>   -',
        'new       -      <pending>   -',
        'orphan    -      10.0.0.7    -',
        '',
      ].join('\n'),
    );
    const wide = statusTables(items, { wide: true, allNamespaces: true });
    assert.deepEqual(wide[0]?.headers, [
      'namespace',
      'name',
      'pool',
      'ip',
      'mode',
      'replica',
      'peer',
      'session',
      'advertised',
      'neighbor',
      'traffic policy',
    ]);
    assert.deepEqual(wide[1]?.headers.slice(-2), ['lease duration', 'traffic policy']);
  });
});
