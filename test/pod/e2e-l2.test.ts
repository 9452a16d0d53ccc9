// Layer 2 failover on containers: both replicas are the Deployment's pod on podman (manifest args and
// timings). The owner's manager container is SIGKILLed: the client's neighbour entry moves to the
// other node's MAC; the pod runner restarts the container in the same pod (restartPolicy Always,
// emptyDir kept, sidecar untouched), and once Ready again the owner (ranked first) answers again.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { waitFor, type Lab } from '../lab/index.ts';
import { clientNeighbour, ipsOwnedBy, l2Service, waitAnsweredBy } from '../e2e/l2-lab.ts';
import { READY_DEADLINE_MS, upPodLab } from './e2e-lab.ts';
import { podmanSkipReason, requireImages } from './preflight.ts';

const NODES = ['node1', 'node2'];
const skip = await podmanSkipReason();

describe('Layer 2 with the replicas as pods on podman', { skip, timeout: 600_000 }, () => {
  let lab: Lab;
  const mac: Record<string, string> = {};
  let ip = '';
  before(async () => {
    await requireImages();
    lab = await upPodLab('l2');
    for (const n of NODES) mac[n] = await lab.mac(n);
    ip = ipsOwnedBy('node1', NODES)[0] ?? '';
    await l2Service(lab, 'web', ip);
    await waitAnsweredBy(lab, ip, mac.node1!, 30_000);
  });
  after(async () => {
    await lab?.down();
  });

  async function clientUses(node: string): Promise<void> {
    await waitFor(
      async () => {
        const h = await lab.httpGet(`http://${ip}/`, 1000);
        if (h.node !== node) throw new Error(`HTTP answered by ${h.node ?? h.error}`);
        const n = await clientNeighbour(lab, ip);
        if (n !== mac[node]) throw new Error(`neighbour ${n}`);
        return true;
      },
      30_000,
      { what: `client reaches ${ip} on ${node}`, intervalMs: 100 },
    );
  }

  it("SIGKILL of the owner's manager container: the neighbour entry moves; the container restarts in its pod and answers again", async (t) => {
    await clientUses('node1');
    const pod = lab.managerPods('node1').at(-1);
    assert.ok(pod);
    const t0 = performance.now();
    await pod.kill('manager', 'SIGKILL');
    await waitFor(
      async () => {
        const n = await clientNeighbour(lab, ip);
        if (n !== mac.node2) throw new Error(`neighbour entry ${n}`);
        return true;
      },
      20_000,
      { what: `client neighbour entry for ${ip} → node2`, intervalMs: 20 },
    );
    t.diagnostic(
      `SIGKILL → client neighbour entry on node2's MAC in ${(performance.now() - t0).toFixed(0)} ms`,
    );
    assert.equal((await lab.httpGet(`http://${ip}/`)).node, 'node2');
    await waitFor(() => pod.containerStatus('manager').restartCount === 1 && pod.ready, READY_DEADLINE_MS, {
      what: `pod Ready again\n${pod.describe()}`,
      intervalMs: 200,
    });
    t.diagnostic(
      `SIGKILL → manager restarted in the same pod and Ready in ${(performance.now() - t0).toFixed(0)} ms`,
    );
    assert.equal(pod.containerStatus('manager').lastTermination?.exitCode, 137);
    assert.equal(pod.containerStatus('gobgpd').restartCount, 0, 'the sidecar kept running');
    await waitAnsweredBy(lab, ip, mac.node1!, 30_000);
    await clientUses('node1');
    const r = await lab.arping(ip, { count: 3 });
    assert.deepEqual(r.macs, [mac.node1], r.raw);
  });
});
