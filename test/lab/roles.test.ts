import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Lab } from './lab.ts';
import { exists, KUBE_DOUBLE_CLI, MANAGER_MAIN } from './roles.ts';

// The optional roles: the API double in the control namespace (reached by the nodes over the lab LAN)
// and a manager replica in every node. Skipped while their entry points do not exist in the tree.

const haveDouble = await exists(KUBE_DOUBLE_CLI);
const haveManager = await exists(MANAGER_MAIN);

describe('lab with the API double and manager replicas', { skip: haveDouble ? false : 'test/kube/cli.ts not in the tree yet' }, () => {
  let lab: Lab;
  after(async () => {
    await lab?.down();
  });

  it('the API double runs in the control namespace and lists the lab nodes', async (t) => {
    lab = await Lab.up({ nodes: 2, kubeDouble: true, managers: haveManager ? true : false, gobgp: 'bare', routers: [{ kind: 'bird' }] });
    t.diagnostic(`lab with API double${haveManager ? ' and managers' : ''} up in ${lab.timings.upMs.toFixed(0)} ms; ${lab.kube?.url}`);
    assert.match(lab.kube?.url ?? '', /^https?:\/\/10\.99\.0\.5:6443/);
    const r = await lab.kubectl(['get', 'nodes', '-o', 'jsonpath={range .items[*]}{.metadata.name}={.status.conditions[0].status} {end}']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split(' ').sort(), ['node1=True', 'node2=True']);
  });

  it('a manager replica in every node becomes ready against the double', { skip: haveManager ? false : 'src/main.ts not in the tree yet' }, async () => {
    await lab.waitManagersReady(60_000);
    for (const n of lab.nodes) {
      const [m] = lab.managerProcs(n.name);
      assert.equal(m?.running, true);
    }
  });
});
