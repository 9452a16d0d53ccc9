import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startGobgpd, type GobgpdProcess } from './helpers/gobgpd.ts';
import { CountingGobgpClient } from './helpers/calls.ts';
import { GlobalSink } from '../../src/bgp/global.ts';
import { PeersSink } from '../../src/bgp/peers.ts';
import { buildPath, FAMILY } from '../../src/bgp/path-build.ts';
import type { DesiredGlobal } from '../../src/bgp/types.ts';

// Real gobgpd, no BGP listener (listenPort -1), peers passive so nothing dials out.

let gobgpd: GobgpdProcess;
let client: CountingGobgpClient;
const G: DesiredGlobal = {
  asn: 65001,
  routerId: '10.0.0.1',
  listenPort: -1,
  listenAddresses: [],
  families: [],
};

before(async () => {
  gobgpd = await startGobgpd('bgp-global');
  client = new CountingGobgpClient({ socket: gobgpd.socket });
});
after(async () => {
  client?.close();
  await gobgpd?.stop();
});

async function localPathCount(): Promise<number> {
  return (await client.listPath(FAMILY[4])).length;
}

test('StartBgp only on a stopped server; a second ensure leaves paths alone', async () => {
  assert.equal((await client.getBgp()).asn, 0);
  const sink = new GlobalSink(client);
  assert.equal((await sink.ensure(G)).action, 'started');
  assert.equal((await client.getBgp()).asn, 65001);
  await client.addPath(buildPath({ prefix: '192.0.2.10/32', family: 4 }).wire);
  for (let i = 0; i < 3; i++) assert.equal((await sink.ensure(G)).action, 'none');
  assert.equal(client.calls.StartBgp, 1);
  assert.equal(await localPathCount(), 1, 'no second StartBgp wiped the path');
});

test('the raw client refuses a second StartBgp too', async () => {
  await assert.rejects(
    client.startBgp({ asn: 65009, router_id: '10.0.0.9', listen_port: -1 }),
    /refusing a second StartBgp/,
  );
  assert.equal((await client.getBgp()).asn, 65001);
  assert.equal(await localPathCount(), 1);
});

test('peer-reset class (families, graceful restart) never restarts BGP', async () => {
  const sink = new GlobalSink(client);
  const r = await sink.ensure({
    ...G,
    families: [4, 6],
    gracefulRestart: { enabled: true, restartTime: 30 },
  });
  assert.equal(r.action, 'none');
  assert.equal(await localPathCount(), 1);
});

test('families change resets only the peers that use the global default', async () => {
  const peers = new PeersSink(client);
  const desired = [
    { address: '127.10.0.1', peerAsn: 65000, passive: true },
    { address: '127.10.0.2', peerAsn: 65000, passive: true, families: [4 as const] },
  ];
  await peers.reconcile(desired, G);
  const r = await peers.reconcile(desired, { ...G, families: [4, 6] });
  assert.deepEqual(
    r.actions.map((a) => [a.address, a.action, a.changes.map((c) => c.field)]),
    [['127.10.0.1', 'update', ['families']]],
  );
  assert.equal(r.unchanged, 1);
});

test('restart class (router id) restarts BGP: StopBgp + StartBgp, reported as drift', async () => {
  const sink = new GlobalSink(client);
  const r = await sink.ensure({ ...G, routerId: '10.0.0.2' });
  assert.equal(r.action, 'restarted');
  assert.deepEqual(
    r.drift.map((c) => c.field),
    ['routerId'],
  );
  assert.equal((await client.getBgp()).router_id, '10.0.0.2');
  assert.equal(client.calls.StopBgp, 1);
  // the caller (GobgpdSink) re-adds peers and paths after this; see restart.test.ts
});

test('listen port change is restart class (a high port on 127.0.0.1 only)', async () => {
  const sink = new GlobalSink(client);
  const port = 20000 + (process.pid % 20000);
  const r = await sink.ensure({
    ...G,
    routerId: '10.0.0.2',
    listenPort: port,
    listenAddresses: ['127.0.0.1'],
  });
  assert.equal(r.action, 'restarted');
  assert.deepEqual(r.drift.map((c) => c.field).sort(), ['listenAddresses', 'listenPort']);
  assert.equal(
    (await sink.ensure({ ...G, routerId: '10.0.0.2', listenPort: port, listenAddresses: ['127.0.0.1'] }))
      .action,
    'none',
  );
  assert.equal(
    (await sink.ensure({ ...G, routerId: '10.0.0.2' })).action,
    'restarted',
    'back to no listener',
  );
});
