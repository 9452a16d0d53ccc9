// announcementsFrom reuses the announcements of an Eip while the Eip object and every Service object
// its holders resolve to are the same; anything else recomputes. The order never depends on it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Eip } from '../../../src/api/v1alpha2.ts';
import type { Service } from '../../../src/kube/types.ts';
import { announcementsFrom, type Announcement } from '../../../src/announce/announcements.ts';

function eip(name: string, used: Record<string, string>, protocol: Eip['spec']['protocol'] = 'bgp'): Eip {
  return {
    apiVersion: 'network.kubesphere.io/v1alpha2',
    kind: 'Eip',
    metadata: { name },
    spec: { address: '10.0.0.0/16', protocol },
    status: { used },
  };
}
function svc(name: string, type: Service['spec']['type'] = 'LoadBalancer'): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'ns' }, spec: { type } };
}
function world(names: string[]): Map<string, Service> {
  return new Map(names.map((n) => [n, svc(n)]));
}
const lookupIn = (services: Map<string, Service>) => (ns: string, name: string) =>
  ns === 'ns' ? services.get(name) : undefined;

test('the same Eip and Service objects give the same announcement objects, in a fresh array', () => {
  const services = world(['a', 'b', 'c']);
  const eips = [eip('p1', { '10.0.0.2': 'ns/a', '10.0.0.1': 'ns/b' }), eip('p2', { '10.0.1.1': 'ns/c' })];
  const first = announcementsFrom(eips, lookupIn(services));
  const second = announcementsFrom(eips, lookupIn(services));
  assert.notEqual(second, first);
  assert.equal(second.length, 3);
  second.forEach((a, i) => assert.equal(a, first[i]));
  assert.deepEqual(
    second.map((a) => a.ip),
    ['10.0.0.1', '10.0.0.2', '10.0.1.1'],
  );
});

test('a replaced Eip object is recomputed; the other Eips keep their announcements', () => {
  const services = world(['a', 'c']);
  const p1 = eip('p1', { '10.0.0.1': 'ns/a' });
  const p2 = eip('p2', { '10.0.1.1': 'ns/c' });
  const [a1, c1] = announcementsFrom([p1, p2], lookupIn(services));
  const p1Next = eip('p1', { '10.0.0.1': 'ns/a', '10.0.0.9': 'ns/c' }, 'layer2');
  const after = announcementsFrom([p1Next, p2], lookupIn(services));
  assert.deepEqual(
    after.map((a) => [a.ip, a.eip, a.protocol]),
    [
      ['10.0.0.1', 'p1', 'layer2'],
      ['10.0.0.9', 'p1', 'layer2'],
      ['10.0.1.1', 'p2', 'bgp'],
    ],
  );
  assert.notEqual(after[0], a1);
  assert.equal(after[2], c1);
});

test('a replaced or removed holder Service recomputes its Eip', () => {
  const services = world(['a', 'b']);
  const eips = [eip('p1', { '10.0.0.1': 'ns/a', '10.0.0.2': 'ns/b' })];
  const lookup = lookupIn(services);
  const before = announcementsFrom(eips, lookup);

  const replaced = svc('a');
  services.set('a', replaced);
  const afterReplace = announcementsFrom(eips, lookup);
  assert.notEqual(afterReplace[0], before[0]);
  assert.equal(afterReplace[0]?.services[0], replaced);

  services.set('b', svc('b', 'ClusterIP'));
  assert.deepEqual(
    announcementsFrom(eips, lookup).map((a) => a.ip),
    ['10.0.0.1'],
  );
  services.delete('a');
  assert.deepEqual(announcementsFrom(eips, lookup), []);
  services.set('a', replaced);
  services.set('b', svc('b'));
  assert.deepEqual(
    announcementsFrom(eips, lookup).map((a) => a.ip),
    ['10.0.0.1', '10.0.0.2'],
  );
});

test('a holder that appears (no Service before) recomputes its Eip', () => {
  const services = world([]);
  const eips = [eip('p1', { '10.0.0.1': 'ns/a;ns/b' })];
  assert.deepEqual(announcementsFrom(eips, lookupIn(services)), []);
  services.set('b', svc('b'));
  const [only] = announcementsFrom(eips, lookupIn(services));
  assert.deepEqual(
    only?.services.map((s) => s.metadata.name),
    ['b'],
  );
});

test('the order is a stable sort by IP of the Eips in turn, memoised or not', () => {
  // a deterministic generator: IPs shared between pools (ties keep the pools' order)
  let seed = 7;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  const services = world(['s0', 's1', 's2', 's3']);
  const pools = () =>
    Array.from({ length: 5 }, (_, p) => {
      const used: Record<string, string> = {};
      for (let i = 0; i < 20; i++) used[`10.0.${rand(3)}.${rand(40)}`] = `ns/s${rand(5)}`;
      return eip(`p${p}`, used);
    });
  const reference = (eips: Eip[]): [string, string][] => {
    const flat: Announcement[] = [];
    for (const e of eips)
      for (const [ip, holder] of Object.entries(e.status?.used ?? {})) {
        const s = services.get(holder.slice(3));
        if (s) flat.push({ ip, family: 4, eip: e.metadata.name, protocol: 'bgp', services: [s] });
      }
    return flat.sort((x, y) => (x.ip < y.ip ? -1 : x.ip > y.ip ? 1 : 0)).map((a) => [a.ip, a.eip]);
  };
  for (let round = 0; round < 20; round++) {
    const eips = pools();
    const want = reference(eips);
    for (let again = 0; again < 2; again++)
      assert.deepEqual(
        announcementsFrom(eips, lookupIn(services)).map((a) => [a.ip, a.eip]),
        want,
      );
    // one pool replaced: the others come from the memo
    eips[2] = eip('p2', { '10.0.1.1': 'ns/s1', '10.0.0.1': 'ns/s0' });
    assert.deepEqual(
      announcementsFrom(eips, lookupIn(services)).map((a) => [a.ip, a.eip]),
      reference(eips),
    );
  }
});
