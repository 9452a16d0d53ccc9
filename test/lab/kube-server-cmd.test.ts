import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { Lab } from './lab.ts';
import { kubeServerCmdFromEnv } from './topology.ts';
import { waitFor } from './wait.ts';

// The lab takes any API server: KUBE_SERVER_CMD (here the desc's kubeServerCmd) starts it in the
// control namespace by the contract of README.md ("Any API server"). The fixture runs the double as
// such an outside command, so the seam is exercised without a real kube-apiserver.

const EXTERNAL_DOUBLE = fileURLToPath(new URL('./fixtures/external-double.sh', import.meta.url));

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('KUBE_SERVER_CMD: the API server started by a command', () => {
  let lab: Lab | undefined;
  after(async () => {
    await lab?.down();
  });

  it('reads the variable in one place; blank means the double', () => {
    assert.equal(kubeServerCmdFromEnv({}), undefined);
    assert.equal(kubeServerCmdFromEnv({ KUBE_SERVER_CMD: '  ' }), undefined);
    assert.equal(kubeServerCmdFromEnv({ KUBE_SERVER_CMD: ' ./start.sh --x ' }), './start.sh --x');
  });

  it('serves the lab: CRDs installed, nodes listed, a manager ready; down stops its process group', async (t) => {
    lab = await Lab.up({
      nodes: 1,
      routers: [],
      http: false,
      gobgp: 'bare',
      kubeDouble: true,
      kubeServerCmd: EXTERNAL_DOUBLE,
      managers: true,
    });
    const pgid = lab.kube?.proc.pid ?? 0;
    t.diagnostic(
      `lab up in ${lab.timings.upMs.toFixed(0)} ms; ${lab.kube?.url}; command's process group ${pgid}`,
    );
    assert.match(lab.kube?.url ?? '', /^https?:\/\/10\.99\.0\.5:6443/);
    // the command saw the contract's variables (the fixture echoes them into its log)
    assert.match(
      await readFile(`${lab.dir}/kube-server.log`, 'utf8'),
      /external-double: .* serving 10\.99\.0\.5:6443, kubeconfig .*\/kubeconfig/,
    );
    const crds = await lab.kubectl(['get', 'crd', '-o', 'name']);
    assert.equal(crds.code, 0, crds.stderr);
    assert.match(crds.stdout, /eips\.network\.kubesphere\.io/);
    const nodes = await lab.kubectl(['get', 'nodes', '-o', 'name']);
    assert.equal(nodes.stdout.trim(), 'node/node1', nodes.stderr);
    await lab.waitManagersReady(60_000);
    assert.equal(groupAlive(pgid), true);
    await lab.down();
    lab = undefined;
    // its members are gone once init has reaped them (a zombie still answers signal 0)
    await waitFor(() => !groupAlive(pgid), 10_000, {
      what: `process group ${pgid} of the command to be gone after lab down`,
    });
  });

  it('a command that brings no server up fails Lab.up naming the command and its log tail', async () => {
    const cmd = 'echo "cannot bind $KUBE_SERVER_HOST:$KUBE_SERVER_PORT"; exit 3';
    await assert.rejects(
      Lab.up({
        nodes: 1,
        routers: [],
        http: false,
        gobgp: 'none',
        kubeDouble: true,
        kubeServerCmd: cmd,
        kubeServerTimeoutMs: 20_000,
      }),
      (err: Error) => {
        assert.match(err.message, /KUBE_SERVER_CMD 'echo "cannot bind/);
        assert.match(err.message, /exited \(\{"code":3/);
        assert.match(err.message, /cannot bind 10\.99\.0\.5:6443/);
        return true;
      },
    );
  });
});
