import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Eip } from '../../../src/api/v1alpha2.ts';
import type { EndpointSlice, Node, Service } from '../../../src/kube/types.ts';
import { announcementsFrom, eligibleNodes } from '../../../src/announce/announcements.ts';

function eip(
  name: string,
  protocol: Eip['spec']['protocol'],
  used: Record<string, string>,
  extra: Partial<Eip['spec']> = {},
): Eip {
  return {
    apiVersion: 'network.kubesphere.io/v1alpha2',
    kind: 'Eip',
    metadata: { name },
    spec: { address: '10.0.0.0/24', protocol, ...extra },
    status: { used },
  };
}
function svc(
  ns: string,
  name: string,
  opts: { type?: Service['spec']['type']; local?: boolean; deleting?: boolean } = {},
): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name,
      namespace: ns,
      ...(opts.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}),
    },
    spec: { type: opts.type ?? 'LoadBalancer', externalTrafficPolicy: opts.local ? 'Local' : 'Cluster' },
  };
}
const readyNode = (name: string): Node => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name },
  status: { conditions: [{ type: 'Ready', status: 'True' }] },
});

test('only live LoadBalancer holders make an announcement; protocol and attributes come from the Eip', () => {
  const services = new Map([
    ['default/web', svc('default', 'web')],
    ['default/gone', svc('default', 'gone', { deleting: true })],
    ['default/np', svc('default', 'np', { type: 'NodePort' })],
  ]);
  const lookup = (ns: string, n: string) => services.get(`${ns}/${n}`);
  const list = announcementsFrom(
    [
      eip(
        'pool-b',
        'bgp',
        { '10.0.0.2': 'default/web', '10.0.0.3': 'default/gone', '10.0.0.4': 'default/np;default/missing' },
        { bgp: { localPref: 200 } },
      ),
      eip('pool-l2', 'layer2', { 'fd00::1': 'default/web' }, { interface: 'eth0' }),
      eip('pool-v', 'vip', { '10.0.1.1': 'default/web' }),
    ],
    lookup,
  );
  assert.deepEqual(
    list.map((a) => [a.ip, a.protocol, a.family, a.eip]),
    [
      ['10.0.0.2', 'bgp', 4, 'pool-b'],
      ['fd00::1', 'layer2', 6, 'pool-l2'],
    ],
  );
  assert.equal(list[0]?.bgp?.localPref, 200);
  assert.equal(list[1]?.interface, 'eth0');
});

test('the family is the address family net/ip reads; a key that is not an address still announces (as 4)', () => {
  const lookup = (ns: string, n: string) =>
    ns === 'default' && n === 'web' ? svc('default', 'web') : undefined;
  const list = announcementsFrom(
    [
      eip('p', 'bgp', {
        'FD00::7': 'default/web',
        '::ffff:10.0.0.7': 'default/web',
        'not-an-ip': 'default/web',
      }),
    ],
    lookup,
  );
  assert.deepEqual(
    list.map((a) => [a.ip, a.family]),
    [
      ['::ffff:10.0.0.7', 6],
      ['FD00::7', 6],
      ['not-an-ip', 4],
    ],
  );
});

test('a shared IP is carried by a node eligible for any sharer', () => {
  const services = new Map([
    ['a/local', svc('a', 'local', { local: true })],
    ['a/cluster', svc('a', 'cluster')],
  ]);
  const lookup = (ns: string, n: string) => services.get(`${ns}/${n}`);
  const slices: EndpointSlice[] = [];
  const nodes = (n: string) => readyNode(n);
  const [onlyLocal] = announcementsFrom([eip('p', 'bgp', { '10.0.0.9': 'a/local' })], lookup);
  const [shared] = announcementsFrom([eip('p', 'bgp', { '10.0.0.9': 'a/local;a/cluster' })], lookup);
  assert.deepEqual(eligibleNodes(onlyLocal!, ['n1', 'n2'], nodes, slices), []);
  assert.deepEqual(eligibleNodes(shared!, ['n2', 'n1'], nodes, slices), ['n1', 'n2']);
});
