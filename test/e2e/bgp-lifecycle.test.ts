import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { sleep, waitFor, type Lab } from '../lab/index.ts';
import { createService, routeCount, sampler, upBgpLab, waitReady } from './bgp-lab.ts';

// Replica lifecycle against BIRD: only the manager dies (gobgpd keeps announcing, the restarted
// manager adopts its paths: the router's route count never drops), gobgpd dies and comes back
// (the manager re-applies everything), the whole replica dies (its next hop goes away).

const IPS = ['198.51.100.31', '198.51.100.32', '198.51.100.33'];

describe('bgp replica lifecycle', () => {
  let lab: Lab;
  let both: string[];
  before(async () => {
    lab = await upBgpLab();
    both = lab.nodes.map((n) => n.ipv4);
    for (const [i, ip] of IPS.entries()) await createService(lab, { name: `svc${i}`, ip });
    for (const ip of IPS) await lab.waitNextHops(ip, both, 20_000);
  });
  after(async () => {
    await lab?.down();
  });

  it('keeps a fresh heartbeat file beside gobgpd', async () => {
    const file = `${lab.dir}/n1/heartbeat`;
    const a = (await stat(file)).mtimeMs;
    await waitFor(async () => (await stat(file)).mtimeMs > a, 5000, {
      what: 'heartbeat touched again',
      intervalMs: 100,
    });
  });

  it('killing only the manager never lowers the route count; a new one adopts the paths', async (t) => {
    const s = sampler(() => routeCount(lab), 10);
    const old = lab.managerProcs('node2').at(-1);
    assert.ok(old);
    await old.stop('SIGKILL');
    await sleep(1500);
    lab.startManager('node2');
    await waitReady(lab, 'node2');
    await sleep(2000);
    const counts = await s.stop();
    t.diagnostic(
      `${counts.length} samples of the router's route count, min ${Math.min(...counts)}, max ${Math.max(...counts)}`,
    );
    assert.ok(counts.length > 50, 'sampled continuously');
    assert.equal(Math.min(...counts), IPS.length, 'the route count never dropped');
    for (const ip of IPS) assert.deepEqual(await lab.routerNextHops(ip), [...both].sort());
    const log = lab.managerProcs('node2').at(-1)?.output() ?? '';
    assert.doesNotMatch(log, /"withdrawn":[1-9]/, 'the restarted manager withdrew nothing');
  });

  it('gobgpd SIGKILL + restart: the manager re-applies global, policy, peers and paths', async (t) => {
    const t0 = performance.now();
    await lab.stopGobgpd('node2', 'SIGKILL');
    for (const ip of IPS) await lab.waitNextHops(ip, [lab.node(1).ipv4], 15_000);
    await lab.startGobgpd('node2');
    for (const ip of IPS) await lab.waitNextHops(ip, both, 30_000);
    t.diagnostic(
      `gobgpd killed → all routes back on 2 next hops in ${(performance.now() - t0).toFixed(0)} ms`,
    );
    const log = lab.managerProcs('node2').at(-1)?.output() ?? '';
    assert.match(log, /sidecar restarted/);
  });

  it('killing a whole replica (manager and gobgpd) leaves 1 next hop', async () => {
    const m = lab.managerProcs('node2').at(-1);
    assert.ok(m);
    await Promise.all([m.stop('SIGKILL'), lab.stopGobgpd('node2', 'SIGKILL')]);
    for (const ip of IPS) await lab.waitNextHops(ip, [lab.node(1).ipv4], 15_000);
    const r = await lab.httpGet(`http://${IPS[0]}/`);
    assert.equal(r.node, 'node1');
  });
});
