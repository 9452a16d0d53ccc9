// BGP on containers: both replicas are the Deployment's pod on podman (manifest args, webhook on).
//  1. a Service in a bgp Eip → the router's kernel holds one route with both nodes as next hops and
//     HTTP from the client reaches both nodes;
//  2. a rolling restart as the Deployment's strategy does it (delete one pod, its replacement on the
//     same node Ready for minReadySeconds, then the next) under 60 req/s with a new connection per
//     request: no request fails, and ECMP is back at the end.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sleep, urlFor, waitFor, type Lab } from '../lab/index.ts';
import { createService } from '../e2e/bgp-lab.ts';
import { rollingRestart, upPodLab } from './e2e-lab.ts';
import { loadWorkload } from './manifest.ts';
import { podmanSkipReason, requireImages } from './preflight.ts';

const IP = '198.51.100.30';
const RATE = 60;
const skip = await podmanSkipReason();

describe('BGP with the replicas as pods on podman', { skip, timeout: 600_000 }, () => {
  let lab: Lab;
  before(async () => {
    await requireImages();
    lab = await upPodLab('bgp');
  });
  after(async () => {
    await lab?.down();
  });

  it('Service → one route with both nodes as next hops, HTTP answered by both', async (t) => {
    const t0 = performance.now();
    await createService(lab, { name: 'web', ip: IP });
    await lab.waitNextHops(
      IP,
      lab.nodes.map((n) => n.ipv4),
      30_000,
    );
    t.diagnostic(`Service create → 2 next hops in ${(performance.now() - t0).toFixed(0)} ms`);
    const seen = new Set<string>();
    await waitFor(
      async () => {
        const r = await lab.httpGet(urlFor(IP));
        if (r.node) seen.add(r.node);
        return seen.size === 2;
      },
      20_000,
      { what: 'answers from both nodes', intervalMs: 10 },
    );
    assert.deepEqual([...seen].sort(), ['node1', 'node2']);
  });

  it('rolling restart of the Deployment (maxSurge 0, maxUnavailable 1, minReadySeconds): no request fails', async (t) => {
    const w = await loadWorkload();
    const probe = await lab.httpProbe(urlFor(IP), { ratePerSec: RATE, timeoutMs: 2000 });
    await sleep(1000);
    const steps = await rollingRestart(lab, w, (s) =>
      t.diagnostic(
        `${s.node}: ${s.old.name} deleted → ${s.replacement.name} Ready in ${s.unavailableMs.toFixed(0)} ms`,
      ),
    );
    await lab.waitNextHops(
      IP,
      lab.nodes.map((n) => n.ipv4),
      30_000,
    );
    await sleep(1000);
    const r = await probe.stop();
    t.diagnostic(`${r.sent} requests, ${r.ok} ok, ${r.failed} failed, by node ${JSON.stringify(r.byNode)}`);
    assert.equal(r.failed, 0, `failures: ${JSON.stringify(r.errors)}`);
    assert.ok(r.sent >= RATE * 10, `enough load (${r.sent})`);
    assert.deepEqual(Object.keys(r.byNode).sort(), ['node1', 'node2']);
    for (const s of steps) {
      assert.equal(s.old.phase, 'Deleted');
      assert.equal(
        s.old.containerStatus('manager').lastTermination?.exitCode,
        0,
        `${s.old.name}: the manager exited cleanly on SIGTERM`,
      );
      assert.match(
        await s.old.logs('manager'),
        /drain: withdrew our paths/,
        `${s.old.name} drained before exiting`,
      );
      assert.ok(s.replacement.ready);
    }
  });
});
