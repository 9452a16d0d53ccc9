import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startGobgpd, type GobgpdProcess } from './helpers/gobgpd.ts';
import { waitUntil } from './helpers/wait.ts';
import { GobgpdSink } from '../../src/bgp/gobgpd-sink.ts';
import { GobgpClient } from '../../src/bgp/client/client.ts';
import { countInto } from './helpers/calls.ts';
import { FAMILY } from '../../src/bgp/path-build.ts';
import { EXPORT_POLICY_NAME } from '../../src/bgp/policy.ts';
import type { DesiredGlobal, DesiredPath, DesiredPeer } from '../../src/bgp/types.ts';

// The speaker end to end against a real gobgpd: start, adoption by a restarted manager,
// gobgpd SIGKILL + restart (state lost) → detected and everything re-applied.

let gobgpd: GobgpdProcess;
let probe: GobgpClient;
const speakers: GobgpdSink[] = [];

const G: DesiredGlobal = {
  asn: 65001,
  routerId: '10.0.0.1',
  listenPort: -1,
  listenAddresses: [],
  families: [],
};
const PEERS: DesiredPeer[] = [
  { address: '127.10.2.1', peerAsn: 65000, passive: true, holdTime: 9 },
  { address: '127.10.2.2', peerAsn: 65000, passive: true },
];
const PATHS: DesiredPath[] = [
  { prefix: '192.0.2.10/32', family: 4 },
  { prefix: '192.0.2.11/32', family: 4, communities: ['65000:1'] },
  { prefix: '2001:db8::10/128', family: 6 },
];

before(async () => {
  gobgpd = await startGobgpd('bgp-restart');
  probe = new GobgpClient({ socket: gobgpd.socket });
});
afterEach(async () => {
  while (speakers.length) await speakers.pop()?.stop();
});
after(async () => {
  probe?.close();
  await gobgpd?.stop();
});

/** A speaker on the test's gobgpd; its gobgpd calls are counted into `calls`. */
function speaker(calls: Record<string, number> = {}): GobgpdSink {
  const s = new GobgpdSink({
    socket: gobgpd.socket,
    onGobgpCall: countInto(calls),
    pollIntervalMs: 200,
    watchPeers: true,
    gobgpdBinary: 'gobgpd',
  });
  speakers.push(s);
  return s;
}

async function state(): Promise<{ asn: number; peers: string[]; paths: string[]; exportPolicies: string[] }> {
  const g = await probe.getBgp();
  const peers = (await probe.listPeer('', false)).map((p) => p.conf?.neighbor_address ?? '').sort();
  const paths: string[] = [];
  for (const f of [FAMILY[4], FAMILY[6]]) for (const d of await probe.listPath(f)) paths.push(d.prefix);
  const exp = g.asn ? (await probe.listPolicyAssignment('global', 'EXPORT'))[0] : undefined;
  return { asn: g.asn, peers, paths: paths.sort(), exportPolicies: (exp?.policies ?? []).map((p) => p.name) };
}

const FULL = {
  asn: 65001,
  peers: ['127.10.2.1', '127.10.2.2'],
  paths: ['192.0.2.10/32', '192.0.2.11/32', '2001:db8::10/128'],
  exportPolicies: [EXPORT_POLICY_NAME],
};

test('start: version reported, StartBgp once, policy, peers and paths applied after sync', async () => {
  const calls: Record<string, number> = {};
  const s = speaker(calls);
  s.setGlobal(G);
  s.setPeers(PEERS);
  s.setPaths(PATHS);
  const v = await s.start();
  assert.equal(v.version, '3.10.0');
  assert.equal(v.compatible, true);
  await waitUntil(async () => (await state()).peers.length === 2, 'peers');
  assert.deepEqual((await state()).paths, [], 'nothing announced before the inputs synced');
  s.markPathsSynced();
  await waitUntil(async () => (await state()).paths.length === 3, 'paths');
  assert.deepEqual(await state(), FULL);
  assert.equal(calls.StartBgp, 1);
  await s.stop();
});

test('a restarted manager adopts gobgpd as it is: no StartBgp, no path or peer calls', async () => {
  const calls: Record<string, number> = {};
  const s = speaker(calls);
  s.setGlobal(G);
  s.setPeers(PEERS);
  s.setPaths(PATHS);
  await s.start();
  s.markPathsSynced();
  const r = await s.reconcileNow({ full: true });
  assert.equal(r.global, 'none');
  assert.deepEqual(r.peers?.actions, []);
  assert.deepEqual([r.paths?.added, r.paths?.replaced, r.paths?.withdrawn, r.paths?.unchanged], [0, 0, 0, 3]);
  assert.deepEqual(r.policyChanged, []);
  for (const m of [
    'StartBgp',
    'StopBgp',
    'AddPeer',
    'UpdatePeer',
    'DeletePeer',
    'AddPath',
    'DeletePath',
    'AddPathStream',
  ])
    assert.equal(calls[m], undefined, m);
  assert.deepEqual(await state(), FULL);
  await s.stop();
});

test('gobgpd SIGKILL + restart: detected, "restarted" emitted, everything re-applied', async () => {
  const calls: Record<string, number> = {};
  const s = speaker(calls);
  s.setGlobal(G);
  s.setPeers(PEERS);
  s.setPaths(PATHS);
  await s.start();
  s.markPathsSynced();
  await s.reconcileNow();
  let restarted = 0;
  s.on('restarted', () => restarted++);
  s.on('error', () => undefined); // unreachable while gobgpd is down: retried
  await gobgpd.restart(); // SIGKILL, then a fresh gobgpd on the same socket path
  await waitUntil(() => restarted > 0, '"restarted" event', 30_000);
  await waitUntil(
    async () => JSON.stringify(await state()) === JSON.stringify(FULL),
    'full state back',
    30_000,
  );
  assert.equal(calls.StartBgp, 1, 'only the fresh process was started');
  assert.equal(restarted, 1);
});

test('a restart-class BgpConf edit restarts BGP and re-applies peers and paths', async () => {
  const s = speaker();
  s.setGlobal(G);
  s.setPeers(PEERS);
  s.setPaths(PATHS);
  await s.start();
  s.markPathsSynced();
  await s.reconcileNow();
  const changes = s.setGlobal({ ...G, routerId: '10.0.0.9' });
  assert.deepEqual(
    changes.map((c) => [c.field, c.class]),
    [['routerId', 'restart']],
  );
  const r = await s.reconcileNow();
  // the kick from setGlobal may already have done the restart; either way the state is complete
  assert.ok(r.global === 'restarted' || r.global === 'none');
  assert.deepEqual(await state(), FULL);
  assert.equal((await probe.getBgp()).router_id, '10.0.0.9');
  await s.stop();
});

test('drain withdraws every path and adds nothing afterwards', async () => {
  const s = speaker();
  s.setGlobal({ ...G, routerId: '10.0.0.9' });
  s.setPeers(PEERS);
  s.setPaths(PATHS);
  await s.start();
  s.markPathsSynced();
  await s.reconcileNow();
  assert.equal(await s.drain(), 3);
  s.setPaths(PATHS);
  assert.deepEqual((await state()).paths, []);
  await s.stop();
});
