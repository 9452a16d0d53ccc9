import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { waitFor, type Lab } from '../lab/index.ts';
import { apply, createService, endpointSlice, getJson, kubectlOk, upBgpLab } from './bgp-lab.ts';

// externalTrafficPolicy: Local — only nodes with a ready endpoint announce the IP, the next hop
// follows the endpoint between nodes, and endpoints on a node without a replica are reported in a
// Service condition and Event. Three nodes, managers on node1 and node2 only.

const IP = '198.51.100.40';
const IP2 = '198.51.100.41';

describe('bgp eTP=Local', () => {
  let lab: Lab;
  before(async () => {
    lab = await upBgpLab({ nodes: 3, managerNodes: ['node1', 'node2'] });
  });
  after(async () => {
    await lab?.down();
  });

  it('the next hop follows the endpoint between nodes', async () => {
    const [n1, n2] = [lab.node(1), lab.node(2)];
    await endpointSlice(lab, 'local', ['node1']);
    await createService(lab, { name: 'local', ip: IP, local: true });
    await lab.waitNextHops(IP, [n1.ipv4], 20_000);
    await endpointSlice(lab, 'local', ['node2']);
    await lab.waitNextHops(IP, [n2.ipv4], 20_000);
    await endpointSlice(lab, 'local', ['node1', 'node2']);
    await lab.waitNextHops(IP, [n1.ipv4, n2.ipv4], 20_000);
    // not ready on node1 any more → only node2
    await apply(lab, {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'local-1', namespace: 'demo', labels: { 'kubernetes.io/service-name': 'local' } },
      addressType: 'IPv4',
      endpoints: [
        { addresses: ['10.244.0.10'], conditions: { ready: false }, nodeName: 'node1' },
        { addresses: ['10.244.1.10'], conditions: { ready: true }, nodeName: 'node2' },
      ],
    });
    await lab.waitNextHops(IP, [n2.ipv4], 20_000);
    const r = await lab.httpGet(`http://${IP}/`);
    assert.equal(r.node, 'node2');
  });

  it('endpoints only on a node without a replica: no route, a Service condition and an Event naming it', async () => {
    await endpointSlice(lab, 'local', ['node3']);
    await lab.waitNextHops(IP, [], 20_000);
    type Svc = { status?: { conditions?: { type: string; status: string; message: string }[] } };
    const cond = await waitFor(
      async () =>
        (await getJson<Svc>(lab, 'service', 'local', 'demo')).status?.conditions?.find(
          (c) => c.type === 'EndpointsWithoutBgpSpeaker',
        ),
      20_000,
      { what: 'Service condition EndpointsWithoutBgpSpeaker', intervalMs: 200 },
    );
    assert.equal(cond.status, 'True');
    assert.match(cond.message, /node3/);
    type Events = { items: { reason?: string; message?: string; involvedObject?: { name?: string } }[] };
    let last = '';
    await waitFor(
      async () => {
        last = await kubectlOk(lab, ['get', 'events', '-n', 'demo', '-o', 'json']);
        return (JSON.parse(last) as Events).items.some(
          (e) =>
            e.reason === 'EndpointsWithoutBgpSpeaker' &&
            e.involvedObject?.name === 'local' &&
            /node3/.test(e.message ?? ''),
        );
      },
      20_000,
      { what: 'Warning Event EndpointsWithoutBgpSpeaker', intervalMs: 200 },
    ).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}; events: ${last.slice(0, 2000)}`);
    });
    // back on a replica node: the condition goes away
    await endpointSlice(lab, 'local', ['node1']);
    await lab.waitNextHops(IP, [lab.node(1).ipv4], 20_000);
    await waitFor(
      async () =>
        !(await getJson<Svc>(lab, 'service', 'local', 'demo')).status?.conditions?.some(
          (c) => c.type === 'EndpointsWithoutBgpSpeaker',
        ),
      20_000,
      {
        what: 'condition removed',
        intervalMs: 200,
      },
    );
  });

  it("a departed replica's stale status entry does not silence the condition", async () => {
    // A node that once ran a replica keeps its BgpConf status entry after it is gone; sorting before
    // every live replica, it used to be elected as the one writer of the condition, so nobody wrote it.
    await kubectlOk(lab, [
      'patch',
      'bgpconf',
      'default',
      '--subresource=status',
      '--type=merge',
      '-p',
      JSON.stringify({
        status: { nodesConfStatus: { 'a-departed-node': { routerId: '192.0.2.99', as: 1 } } },
      }),
    ]);
    await endpointSlice(lab, 'local2', ['node3']);
    await createService(lab, { name: 'local2', ip: IP2, local: true });
    type Svc = { status?: { conditions?: { type: string; status: string; message: string }[] } };
    const cond = await waitFor(
      async () =>
        (await getJson<Svc>(lab, 'service', 'local2', 'demo')).status?.conditions?.find(
          (c) => c.type === 'EndpointsWithoutBgpSpeaker',
        ),
      20_000,
      { what: 'Service condition EndpointsWithoutBgpSpeaker despite the stale entry', intervalMs: 200 },
    );
    assert.equal(cond.status, 'True');
    assert.match(cond.message, /node3/);
  });
});
