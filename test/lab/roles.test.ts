import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Lab } from './lab.ts';

// The optional roles: the API double in the control namespace (reached by the nodes over the lab LAN)
// and a manager replica in every node.

describe('lab with the API double and manager replicas', () => {
  let lab: Lab;
  after(async () => {
    await lab?.down();
  });

  it('the API double runs in the control namespace and lists the lab nodes', async (t) => {
    lab = await Lab.up({
      nodes: 2,
      kubeDouble: true,
      managers: true,
      gobgp: 'bare',
      routers: [{ kind: 'bird' }],
    });
    t.diagnostic(
      `lab with API double and managers up in ${lab.timings.upMs.toFixed(0)} ms; ${lab.kube?.url}`,
    );
    assert.match(lab.kube?.url ?? '', /^https?:\/\/10\.99\.0\.5:6443/);
    const r = await lab.kubectl([
      'get',
      'nodes',
      '-o',
      'jsonpath={range .items[*]}{.metadata.name}={.status.conditions[0].status} {end}',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split(' ').sort(), ['node1=True', 'node2=True']);
  });

  it('a manager replica in every node becomes ready against the double', async () => {
    await lab.waitManagersReady(60_000);
    for (const n of lab.nodes) {
      const [m] = lab.managerProcs(n.name);
      assert.equal(m?.running, true);
    }
  });
});

// deploy/openelb.yaml installed with kubectl: the API double calls the managers' webhook through the
// webhook Service, whose endpoints the lab keeps in step with the manager processes (listed from
// start to exit, as publishNotReadyAddresses has it). failurePolicy Fail: no replica, no writes.
describe('lab with deploy/openelb.yaml: the webhook Service follows the manager processes', () => {
  let lab: Lab;
  after(async () => {
    await lab?.down();
  });
  const pool = (name: string, address: string): string =>
    JSON.stringify({
      apiVersion: 'network.kubesphere.io/v1alpha2',
      kind: 'Eip',
      metadata: { name },
      spec: { address },
    });
  const endpoints = async (): Promise<string> => {
    const r = await lab.kubectl([
      'get',
      'endpointslices',
      '-n',
      'openelb-system',
      '-l',
      'kubernetes.io/service-name=openelb-webhook',
      '-o',
      'jsonpath={.items[*].endpoints[*].addresses[0]}',
    ]);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout
      .trim()
      .split(/\s+/)
      .filter((x) => x !== '')
      .sort()
      .join(' ');
  };

  it('before any replica runs, writes of our kinds are refused (no endpoints)', async () => {
    lab = await Lab.up({
      nodes: 2,
      routers: [],
      gobgp: 'none',
      http: false,
      kubeDouble: true,
      openelbManifest: true,
      managerArgs: () => ['--enable-bgp', 'false', '--enable-layer2', 'false'],
    });
    const r = await lab.kubectl(['apply', '-f', '-'], pool('early', '10.60.0.0/24'));
    assert.notEqual(r.code, 0);
    assert.match(
      r.stderr,
      /failed calling webhook "validate\.eip\.network\.kubesphere\.io": .*no endpoints available for service "openelb-webhook"/,
    );
  });

  it('with the replicas up, the webhook judges: malformed refused naming the field, valid stored', async () => {
    for (const n of lab.nodes) lab.startManager(n.name);
    await lab.waitWebhooks(60_000);
    assert.equal(await endpoints(), '10.99.0.11 10.99.0.12');
    const bad = await lab.kubectl(['apply', '-f', '-'], pool('bad', '10.60.0.0/33'));
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /spec\.address: .*\/33/);
    const ok = await lab.kubectl(['apply', '-f', '-'], pool('good', '10.60.0.0/24'));
    assert.equal(ok.code, 0, ok.stderr);
  });

  it('a killed replica leaves the endpoints; the other one answers every call', async () => {
    const m = lab.managerProcs('node1').at(-1);
    m?.signal('SIGKILL');
    await m?.exited;
    assert.equal(await lab.webhookEndpointsSettled(), undefined);
    assert.equal(await endpoints(), '10.99.0.12');
    // the double picks an endpoint at random: several writes, none may reach the dead replica
    for (let i = 0; i < 6; i++) {
      const r = await lab.kubectl(['apply', '-f', '-'], pool(`after-kill-${i}`, `10.61.${i}.0/24`));
      assert.equal(r.code, 0, r.stderr);
    }
  });

  it('with no replica left, writes are refused again', async () => {
    await lab.managerProcs('node2').at(-1)?.stop('SIGTERM', 10_000);
    assert.equal(await lab.webhookEndpointsSettled(), undefined);
    assert.equal(await endpoints(), '');
    const r = await lab.kubectl(['apply', '-f', '-'], pool('late', '10.62.0.0/24'));
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /no endpoints available for service "openelb-webhook"/);
  });
});
