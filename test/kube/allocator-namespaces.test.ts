// Namespace-restricted pools against the API double (in-process allocator, kubectl for what a user
// sees): an Eip with spec.namespaces / spec.namespaceSelector never gives an address to a Service of
// another namespace — not automatically (issue 12: "assigned 203.0.113.160 from Eip
// mf-78-team-a-only" to team-b), not when the Service names the pool, not when it names an address —
// and the refused Service carries a Warning Event saying why.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, until, type Harness } from './allocator-harness.ts';
import { Resources } from '../../src/kube/resources.ts';
import type { Service } from '../../src/kube/types.ts';
import type { Eip } from '../../src/api/v1alpha2.ts';

let h: Harness;
before(async () => {
  h = await startHarness();
  await h.startInstance('node-a');
  for (const [ns, team] of [
    ['team-a', 'a'],
    ['team-b', 'b'],
  ] as const) {
    await h.dbl.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { team } } });
  }
});
after(async () => {
  await h?.close();
});

type Obj = Record<string, unknown>;

async function eip(name: string, spec: Obj): Promise<void> {
  await h.client.create(Resources.Eip, {
    apiVersion: 'network.kubesphere.io/v1alpha2',
    kind: 'Eip',
    metadata: { name },
    spec,
  });
}

async function svc(ns: string, name: string, annotations: Record<string, string> = {}): Promise<void> {
  await h.client.create(Resources.Service, {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name,
      namespace: ns,
      annotations: { 'lb.kubesphere.io/v1alpha1': 'openelb', ...annotations },
    },
    spec: { type: 'LoadBalancer', ports: [{ port: 80, protocol: 'TCP' }], selector: { app: name } },
  });
}

async function ips(ns: string, name: string): Promise<string[]> {
  const s = await h.client.get<Service>(Resources.Service, name, ns);
  return (s.status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? '');
}

interface EventRow {
  reason?: string;
  type?: string;
  message?: string;
  involvedObject?: { name?: string };
}

/** The Warning with `reason` on ns/name, as `kubectl get events` shows it. */
async function kubectlWarning(ns: string, name: string, reason: string): Promise<EventRow> {
  return until(async () => {
    const out = JSON.parse(await h.kubectl('get', 'events', '-n', ns, '-o', 'json')) as { items: EventRow[] };
    return out.items.find(
      (e) => e.involvedObject?.name === name && e.reason === reason && e.type === 'Warning',
    );
  }, `${reason} Warning on ${ns}/${name}`);
}

async function used(name: string): Promise<Record<string, string>> {
  return (await h.client.get<Eip>(Resources.Eip, name)).status?.used ?? {};
}

describe('namespace-restricted pools', () => {
  test("automatic selection: the only pool is team-a's, so a team-b Service waits with a reason instead of taking it", async () => {
    await eip('mf-78-team-a-only', { address: '203.0.113.160-203.0.113.169', namespaces: ['team-a'] });
    await svc('team-b', 'leak');
    const ev = await kubectlWarning('team-b', 'leak', 'NoMatchingPool');
    assert.match(ev.message ?? '', /namespace team-b/);
    await svc('team-a', 'own');
    assert.deepEqual(
      await until(
        async () => (await ips('team-a', 'own')).length === 1 && ips('team-a', 'own'),
        'team-a served',
      ),
      ['203.0.113.160'],
    );
  });

  test('naming the pool or an address in it is refused with NamespaceNotAllowed, naming the pool and its restriction', async () => {
    await svc('team-b', 'by-pool', { 'eip.openelb.kubesphere.io/v1alpha2': 'mf-78-team-a-only' });
    const byPool = await kubectlWarning('team-b', 'by-pool', 'NamespaceNotAllowed');
    assert.equal(
      byPool.message,
      'no IPv4 address: Eip mf-78-team-a-only serves only spec.namespaces [team-a], and namespace team-b is not selected',
    );

    await eip('labelled-a', {
      address: '203.0.113.170-203.0.113.179',
      namespaceSelector: { team: 'a' },
      autoAssign: false,
    });
    await svc('team-b', 'by-ip', { 'eip.openelb.kubesphere.io/v1alpha1': '203.0.113.172' });
    const byIp = await kubectlWarning('team-b', 'by-ip', 'NamespaceNotAllowed');
    assert.match(
      byIp.message ?? '',
      /requested address 203\.0\.113\.172: Eip labelled-a serves only spec\.namespaceSelector \{team=a\}, and namespace team-b is not selected/,
    );

    // The same requests from team-a are served, so the refusals above were the namespace rule alone.
    await svc('team-a', 'by-ip', { 'eip.openelb.kubesphere.io/v1alpha1': '203.0.113.171' });
    assert.deepEqual(
      await until(
        async () => (await ips('team-a', 'by-ip')).length === 1 && ips('team-a', 'by-ip'),
        'team-a by-ip served',
      ),
      ['203.0.113.171'],
    );
    for (const n of ['leak', 'by-pool', 'by-ip'])
      assert.deepEqual(await ips('team-b', n), [], `team-b/${n} has no address`);
    const records = [
      ...Object.values(await used('mf-78-team-a-only')),
      ...Object.values(await used('labelled-a')),
    ];
    assert.deepEqual(
      records.filter((v) => v.startsWith('team-b/')),
      [],
      'no Eip records a team-b Service',
    );
  });

  test('when the namespace comes to match the selector, the waiting Service is served; a pool open to all serves the rest', async () => {
    await h.client.patch(
      Resources.Namespace,
      'team-b',
      undefined,
      { metadata: { labels: { team: 'a' } } },
      'merge',
    );
    assert.deepEqual(
      await until(
        async () => (await ips('team-b', 'by-ip')).length === 1 && ips('team-b', 'by-ip'),
        'team-b/by-ip served once selected',
      ),
      ['203.0.113.172'],
    );
    await eip('open-to-all', { address: '198.51.100.1-198.51.100.9' });
    assert.deepEqual(
      await until(
        async () => (await ips('team-b', 'leak')).length === 1 && ips('team-b', 'leak'),
        'team-b/leak served',
      ),
      ['198.51.100.1'],
    );
    // spec.namespaces lists names, not labels: team-b is still not team-a.
    assert.deepEqual(await ips('team-b', 'by-pool'), []);
    assert.equal(
      Object.values(await used('mf-78-team-a-only')).some((v) => v.startsWith('team-b/')),
      false,
    );
  });
});
