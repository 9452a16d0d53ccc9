import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sleep, urlFor, type Lab } from '../lab/index.ts';
import { createService, upBgpLab, waitReady } from './bgp-lab.ts';

// Zero failed requests while replicas restart, with a client opening a new connection per request
// at 60 req/s:
//  1. rolling restart: for each replica, start its replacement (same node, same gobgpd, other
//     health and webhook ports), wait for its /readyz plus a min-ready period, SIGTERM the old one (it sees its
//     successor's heartbeat and hands the paths over instead of withdrawing them);
//  2. graceful drain: SIGTERM a replica with no successor: unready, re-announce its paths with
//     GRACEFUL_SHUTDOWN (BIRD here ignores it), withdraw them, wait the drain period, exit — the
//     router moves the flows to the other node first.

const IP = '198.51.100.70';
const RATE = 60;
const MIN_READY_MS = 2000;

describe('bgp rolling restart under load', () => {
  let lab: Lab;
  before(async () => {
    lab = await upBgpLab();
    await createService(lab, { name: 'web', ip: IP });
    await lab.waitNextHops(
      IP,
      lab.nodes.map((n) => n.ipv4),
      20_000,
    );
  });
  after(async () => {
    await lab?.down();
  });

  it('restarting every replica in turn fails no request', async (t) => {
    const probe = await lab.httpProbe(urlFor(IP), { ratePerSec: RATE, timeoutMs: 2000 });
    await sleep(1000);
    for (const [round, [port, webhookPort]] of [
      [8081, 9444],
      [8082, 9445],
    ].entries()) {
      for (const n of lab.nodes) {
        const old = lab.managerProcs(n.name).at(-1);
        assert.ok(old?.running);
        lab.startManager(n.name, ['--health-addr', `:${port}`, '--webhook-addr', `:${webhookPort}`]);
        await waitReady(lab, n.name, port);
        await sleep(MIN_READY_MS);
        await old.stop('SIGTERM', 15_000);
        assert.equal(old.exitInfo?.code, 0, `old manager on ${n.name} exited cleanly`);
        assert.match(old.output(), /handing the paths over/);
        assert.doesNotMatch(old.output(), /GRACEFUL_SHUTDOWN/, 'a hand-over re-announces nothing');
        t.diagnostic(`round ${round + 1}: ${n.name} replaced`);
      }
    }
    await sleep(1000);
    const r = await probe.stop();
    t.diagnostic(`${r.sent} requests, ${r.ok} ok, ${r.failed} failed, by node ${JSON.stringify(r.byNode)}`);
    assert.ok(r.sent >= RATE * 10, `enough load (${r.sent})`);
    assert.equal(r.failed, 0, `failures: ${JSON.stringify(r.errors)}`);
    assert.deepEqual(Object.keys(r.byNode).sort(), ['node1', 'node2']);
    assert.deepEqual(await lab.routerNextHops(IP), lab.nodes.map((n) => n.ipv4).sort());
  });

  it('SIGTERM of a replica with no successor drains it first: no request fails', async (t) => {
    const probe = await lab.httpProbe(urlFor(IP), { ratePerSec: RATE, timeoutMs: 2000 });
    await sleep(1000);
    const m = lab.managerProcs('node2').at(-1);
    assert.ok(m?.running);
    const t0 = performance.now();
    await m.stop('SIGTERM', 15_000);
    t.diagnostic(
      `manager exited ${(performance.now() - t0).toFixed(0)} ms after SIGTERM (graceful shutdown 1 s + drain 1 s)`,
    );
    assert.equal(m.exitInfo?.code, 0);
    assert.match(m.output(), /re-announced our paths with GRACEFUL_SHUTDOWN/);
    assert.match(m.output(), /drain: withdrew our paths/);
    assert.deepEqual(await lab.routerNextHops(IP), [lab.node(1).ipv4]);
    await sleep(1000);
    const r = await probe.stop();
    t.diagnostic(`${r.sent} requests, ${r.ok} ok, ${r.failed} failed, by node ${JSON.stringify(r.byNode)}`);
    assert.equal(r.failed, 0, `failures: ${JSON.stringify(r.errors)}`);
  });
});
