// Contract suite, discovery: what kubectl and client-go read before anything else. Holds for the double
// and for any server ≥ 1.29 (KUBE_CONTRACT_KUBECONFIG): storageVersionHash on every resource, computed
// from the storage version's group/version/kind, and aggregated discovery (apidiscovery.k8s.io v2, or
// v2beta1 on 1.29) when the client asks for it the way kubectl 1.32 does.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { openTarget, type Target } from './contract/target.ts';
import { rawGet } from './contract/raw-get.ts';

const G = 'network.kubesphere.io';
/** kubectl 1.32's Accept for /api and /apis (seen with -v=8). */
const KUBECTL_DISCOVERY_ACCEPT =
  'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json';

const hash = (group: string, version: string, kind: string): string =>
  createHash('sha256').update(`${group}/${version}/${kind}`).digest().subarray(0, 8).toString('base64');

type Resource = { name: string; kind: string; storageVersionHash?: string };
type ResourceDiscovery = {
  resource: string;
  scope: string;
  responseKind: { group: string; version: string; kind: string };
  subresources?: { subresource: string }[];
};
type GroupDiscovery = {
  metadata: { name?: string };
  versions: { version: string; resources: ResourceDiscovery[] }[];
};

describe('Kubernetes API contract: discovery', () => {
  let t: Target;
  before(async () => {
    t = await openTarget();
  });
  after(() => t.close());

  const resources = async (path: string): Promise<Resource[]> => {
    const r = await rawGet(t.kc, path, 'application/json');
    assert.equal(r.status, 200, path);
    return r.body.resources as Resource[];
  };

  test('storageVersionHash on our kinds is the hash of their storage version (v1alpha2), in every served version', async () => {
    const kinds = { eips: 'Eip', bgpconfs: 'BgpConf', bgppeers: 'BgpPeer' };
    for (const version of ['v1alpha2', 'v1alpha1']) {
      const served = await resources(`/apis/${G}/${version}`);
      for (const [plural, kind] of Object.entries(kinds)) {
        const r = served.find((x) => x.name === plural);
        assert.equal(r?.storageVersionHash, hash(G, 'v1alpha2', kind), `${version} ${plural}`);
        const status = served.find((x) => x.name === `${plural}/status`);
        assert.ok(status, `${version} ${plural}/status is listed`);
        assert.equal(status.storageVersionHash, undefined, 'subresources carry no hash');
      }
    }
  });

  test('storageVersionHash on the built-ins the manager uses (events.k8s.io Events are stored as core Events)', async () => {
    const expect: [string, string, string, string][] = [
      ['/api/v1', 'services', '', 'Service'],
      ['/api/v1', 'nodes', '', 'Node'],
      ['/api/v1', 'secrets', '', 'Secret'],
      ['/api/v1', 'events', '', 'Event'],
      ['/apis/coordination.k8s.io/v1', 'leases', 'coordination.k8s.io', 'Lease'],
      ['/apis/discovery.k8s.io/v1', 'endpointslices', 'discovery.k8s.io', 'EndpointSlice'],
      ['/apis/events.k8s.io/v1', 'events', '', 'Event'],
    ];
    for (const [path, plural, storedGroup, kind] of expect) {
      const r = (await resources(path)).find((x) => x.name === plural);
      assert.equal(r?.storageVersionHash, hash(storedGroup, 'v1', kind), `${path} ${plural}`);
    }
    // the recipe against upstream's own fixed value for services
    assert.equal(hash('', 'v1', 'Service'), '0/CO1lhkEBI=');
  });

  test("/apis answers kubectl's Accept with an aggregated APIGroupDiscoveryList", async () => {
    const r = await rawGet(t.kc, '/apis', KUBECTL_DISCOVERY_ACCEPT);
    assert.equal(r.status, 200);
    assert.match(
      r.contentType,
      /^application\/json;\s*g=apidiscovery\.k8s\.io;\s*v=v2(beta1)?;\s*as=APIGroupDiscoveryList/,
    );
    const v = /v=(v2(?:beta1)?)/.exec(r.contentType)?.[1];
    assert.equal(r.body.apiVersion, `apidiscovery.k8s.io/${v}`);
    assert.equal(r.body.kind, 'APIGroupDiscoveryList');
    const groups = r.body.items as GroupDiscovery[];
    const net = groups.find((g) => g.metadata.name === G);
    assert.deepEqual(
      net?.versions.map((x) => x.version),
      ['v1alpha2', 'v1alpha1'],
      'preferred version first',
    );
    const eips = net?.versions[0]?.resources.find((x) => x.resource === 'eips');
    assert.equal(eips?.scope, 'Cluster');
    assert.deepEqual(eips?.responseKind, { group: G, version: 'v1alpha2', kind: 'Eip' });
    assert.ok(eips?.subresources?.some((s) => s.subresource === 'status'));
    const leases = groups
      .find((g) => g.metadata.name === 'coordination.k8s.io')
      ?.versions.find((x) => x.version === 'v1')
      ?.resources.find((x) => x.resource === 'leases');
    assert.equal(leases?.scope, 'Namespaced');
    assert.ok(!groups.some((g) => (g.metadata.name ?? '') === ''), 'the core group is served at /api');
  });

  test('/api aggregated holds the core group alone; plain JSON still gets the legacy documents', async () => {
    const agg = await rawGet(t.kc, '/api', KUBECTL_DISCOVERY_ACCEPT);
    assert.equal(agg.body.kind, 'APIGroupDiscoveryList');
    const items = agg.body.items as GroupDiscovery[];
    assert.equal(items.length, 1);
    assert.equal(items[0]?.metadata.name ?? '', '');
    const services = items[0]?.versions
      .find((x) => x.version === 'v1')
      ?.resources.find((x) => x.resource === 'services');
    assert.deepEqual(services?.responseKind, { group: '', version: 'v1', kind: 'Service' });
    assert.ok(services?.subresources?.some((s) => s.subresource === 'status'));
    const legacy = await rawGet(t.kc, '/apis', 'application/json');
    assert.equal(legacy.body.kind, 'APIGroupList');
    assert.match(legacy.contentType, /^application\/json/);
    assert.doesNotMatch(legacy.contentType, /apidiscovery/);
    assert.equal((await rawGet(t.kc, '/api', 'application/json')).body.kind, 'APIVersions');
  });
});
