// The guard's inputs: who held an address (hand-over vs stranger), reserved addresses, and the routes
// parsers, on fixed text taken in the layout of /proc/net/route and /proc/net/ipv6_route.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PeerClaims } from '../../../src/layer2/guard/peer-claims.ts';
import { reservedAddresses } from '../../../src/layer2/guard/reserved.ts';
import { parseRouteV4, parseRouteV6 } from '../../../src/layer2/guard/routes.ts';

describe('PeerClaims', () => {
  const A_MAC = '02:00:00:00:00:0a';
  it('an answer from the replica that held the IP until just now is a hand-over; later, or for another IP, it is not', () => {
    const p = new PeerClaims(2000);
    p.observe(0, 'a', ['10.0.0.1'], [], [A_MAC.toUpperCase()]);
    assert.equal(p.replicaOf(A_MAC), 'a');
    assert.equal(p.isHandover(1500, '10.0.0.1', A_MAC), true);
    assert.equal(p.isHandover(2500, '10.0.0.1', A_MAC), false, 'window over');
    assert.equal(p.isHandover(100, '10.0.0.2', A_MAC), false, 'never claimed that one');
    assert.equal(p.isHandover(100, '10.0.0.1', '02:00:00:00:00:ee'), false, 'not a replica');
    assert.equal(p.heldByPeer(1000, '10.0.0.1', 'b'), true);
    assert.equal(p.heldByPeer(1000, '10.0.0.1', 'a'), false, 'ourselves do not count');
  });
  it('a replica refusing the IP is a stranger for it (its own kernel may hold it), and no takeover source', () => {
    const p = new PeerClaims(2000);
    p.observe(0, 'a', ['10.0.0.1'], ['10.0.0.1'], [A_MAC]);
    assert.equal(p.isHandover(10, '10.0.0.1', A_MAC), false);
    assert.equal(p.heldByPeer(10, '10.0.0.1', 'b'), false);
  });
  it('a MAC list is kept when an observation carries none', () => {
    const p = new PeerClaims(2000);
    p.observe(0, 'a', [], [], [A_MAC]);
    p.observe(5, 'a', ['10.0.0.1'], [], undefined);
    assert.equal(p.isHandover(10, '10.0.0.1', A_MAC), true);
  });
});

describe('reservedAddresses', () => {
  const local = new Map([
    [
      'eth0',
      [
        { address: '10.99.0.11', prefix: 24 },
        { address: '10.99.0.77', prefix: 32 },
      ],
    ],
    ['kube-ipvs0', [{ address: '10.99.0.200', prefix: 32 }]],
  ]);
  const r = reservedAddresses({
    self: 'node1',
    nodes: [
      {
        metadata: { name: 'node1' },
        status: {
          addresses: [
            { type: 'InternalIP', address: '10.99.0.11' },
            { type: 'Hostname', address: 'node1' },
          ],
        },
      },
      {
        metadata: { name: 'node2' },
        status: {
          addresses: [
            { type: 'InternalIP', address: 'FD99::12' },
            { type: 'ExternalIP', address: '203.0.113.2' },
          ],
        },
      },
    ],
    peers: [
      { metadata: { name: 'tor' }, spec: { conf: { neighborAddress: '10.99.0.254' } } },
      { metadata: { name: 'nothing' }, spec: {} },
    ],
    gateways: [
      { ip: '10.99.0.1', ifname: 'eth0', isDefault: true },
      { ip: 'fd99::1', ifname: 'eth0', isDefault: false },
    ],
    local,
    targets: [
      { ip: '10.99.0.77', ifname: 'eth0' },
      { ip: '10.99.0.200', ifname: 'eth0' },
      { ip: '10.99.0.201', ifname: undefined },
    ],
  });
  it('names every source, canonical IPv6', () => {
    assert.equal(r.get('10.99.0.1'), 'it is the default gateway of node node1 (via eth0)');
    assert.equal(r.get('fd99::1'), 'it is a route gateway of node node1 (via eth0)');
    assert.equal(r.get('10.99.0.11'), 'it is the InternalIP of Node node1');
    assert.equal(r.get('fd99::12'), 'it is the InternalIP of Node node2');
    assert.equal(r.get('203.0.113.2'), 'it is the ExternalIP of Node node2');
    assert.equal(r.get('10.99.0.254'), 'it is the neighborAddress of BgpPeer tor');
    assert.equal(r.get('10.99.0.77'), 'it is configured on interface eth0 of node node1');
  });
  it('an address on another interface (kube-proxy IPVS binds every LB IP to kube-ipvs0) is not reserved', () => {
    assert.equal(r.has('10.99.0.200'), false);
    assert.equal(r.has('node1'), false);
    assert.equal(r.size, 7);
  });
});

describe('route parsers', () => {
  it('IPv4: gateways of RTF_GATEWAY routes, little-endian hex, default flagged', () => {
    const text = [
      'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT',
      'eth0\t00000000\t0100630A\t0003\t0\t0\t0\t00000000\t0\t0\t0',
      'eth0\t0000630A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0',
      'eth1\t0064A8C0\t FE00A8C0\t0003\t0\t0\t0\t00FFFFFF\t0\t0\t0',
      'eth2\t00000000\t0100000A\t0001\t0\t0\t0\t00000000\t0\t0\t0',
      'garbage',
    ].join('\n');
    assert.deepEqual(parseRouteV4(text), [
      { ip: '10.99.0.1', ifname: 'eth0', isDefault: true },
      { ip: '192.168.0.254', ifname: 'eth1', isDefault: false },
    ]);
  });
  it('IPv6: next hops of RTF_GATEWAY routes, network order, canonical text', () => {
    const text = [
      '00000000000000000000000000000000 00 00000000000000000000000000000000 00 fd990000000000000000000000000001 00000400 00000001 00000000 00000003     eth0',
      'fd990000000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001     eth0',
      '20010db8000000000000000000000000 30 00000000000000000000000000000000 00 fe800000000000000000000000000001 00000400 00000001 00000000 00000003     eth1',
    ].join('\n');
    assert.deepEqual(parseRouteV6(text), [
      { ip: 'fd99::1', ifname: 'eth0', isDefault: true },
      { ip: 'fe80::1', ifname: 'eth1', isDefault: false },
    ]);
  });
});
