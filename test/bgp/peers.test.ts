import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startGobgpd, type GobgpdProcess } from './helpers/gobgpd.ts';
import { CountingGobgpClient } from './helpers/calls.ts';
import { GlobalSink } from '../../src/bgp/global.ts';
import { PeersSink } from '../../src/bgp/peers.ts';
import type { DesiredGlobal, DesiredPeer } from '../../src/bgp/types.ts';
import { changedStamps, sessionStamps } from './helpers/stamps.ts';

// Peers never establish here (passive, loopback addresses: nothing is dialled). A reset shows up
// as gobgpd re-creating the neighbour, which stamps a new downtime; we wait > 1 s between steps
// so a reset cannot hide inside the same second.

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
  gobgpd = await startGobgpd('bgp-peers');
  client = new CountingGobgpClient({ socket: gobgpd.socket });
  await new GlobalSink(client).ensure(G);
});
after(async () => {
  client?.close();
  await gobgpd?.stop();
});

const base: DesiredPeer[] = [
  { address: '127.10.1.1', peerAsn: 65000, passive: true },
  { address: '127.10.1.2', peerAsn: 65000, passive: true, holdTime: 9, keepaliveInterval: 3 },
  { address: '127.10.1.3', peerAsn: 65010, passive: true, password: 'secret', ebgpMultihopTtl: 2 },
  { address: 'fd00:10::1', peerAsn: 65000, passive: true, remotePort: 1790 },
];

const stamps = (): Promise<Map<string, string>> => sessionStamps(client, true);
const changed = changedStamps;

test('add, then a second reconcile does nothing', async () => {
  const sink = new PeersSink(client);
  const r1 = await sink.reconcile(base, G);
  assert.deepEqual(
    r1.actions.map((a) => a.action),
    ['add', 'add', 'add', 'add'],
  );
  assert.deepEqual(r1.failed, []);
  const before = { ...client.calls };
  const r2 = await sink.reconcile(base, G);
  assert.deepEqual(r2.actions, []);
  assert.equal(r2.unchanged, 4);
  assert.deepEqual(client.calls, { ...before, ListPeer: (before.ListPeer ?? 0) + 1 }, 'only a ListPeer');
});

test('a timer edit updates one peer without resetting anything', async () => {
  const sink = new PeersSink(client);
  const s0 = await stamps();
  await sleep(1100);
  const edited = base.map((p) =>
    p.address === '127.10.1.1' ? { ...p, holdTime: 9, keepaliveInterval: 3 } : p,
  );
  const r = await sink.reconcile(edited, G);
  assert.deepEqual(
    r.actions.map((a) => [a.address, a.action]),
    [['127.10.1.1', 'update']],
  );
  assert.deepEqual(changed(s0, await stamps()), [], 'no session was re-created');
  const p = (await client.listPeer('127.10.1.1'))[0];
  assert.equal(p?.timers?.config?.hold_time, 9);
  base[0] = edited[0] as DesiredPeer;
});

test('a prefix-limit edit is live (no reset)', async () => {
  const sink = new PeersSink(client);
  const s0 = await stamps();
  await sleep(1100);
  const edited = base.map((p) => (p.address === '127.10.1.1' ? { ...p, maxReceivedPrefixes: 50 } : p));
  const r = await sink.reconcile(edited, G);
  assert.deepEqual(
    r.actions.map((a) => [a.address, a.action, a.changes.map((c) => c.class)]),
    [['127.10.1.1', 'update', ['live']]],
  );
  assert.deepEqual(changed(s0, await stamps()), []);
  assert.equal((await sink.reconcile(edited, G)).actions.length, 0);
  base[0] = edited[0] as DesiredPeer;
});

test('a peer AS edit resets only that peer; multihop edit re-creates only that peer', async () => {
  const sink = new PeersSink(client);
  const s0 = await stamps();
  await sleep(1100);
  const edited = base.map((p) =>
    p.address === '127.10.1.2'
      ? { ...p, peerAsn: 65002 }
      : p.address === '127.10.1.3'
        ? { ...p, ebgpMultihopTtl: 5 }
        : p,
  );
  const r = await sink.reconcile(edited, G);
  assert.deepEqual(r.actions.map((a) => [a.address, a.action]).sort(), [
    ['127.10.1.2', 'update'],
    ['127.10.1.3', 'recreate'],
  ]);
  assert.deepEqual(changed(s0, await stamps()), ['127.10.1.2', '127.10.1.3']);
  assert.equal((await client.listPeer('127.10.1.3'))[0]?.ebgp_multihop?.multihop_ttl, 5);
  base.splice(0, base.length, ...edited);
});

test('delete one, others untouched', async () => {
  const sink = new PeersSink(client);
  const s0 = await stamps();
  await sleep(1100);
  const r = await sink.reconcile(
    base.filter((p) => p.address !== 'fd00:10::1'),
    G,
  );
  assert.deepEqual(
    r.actions.map((a) => [a.address, a.action]),
    [['fd00:10::1', 'delete']],
  );
  const s1 = await stamps();
  assert.deepEqual(changed(s0, s1), ['fd00:10::1']);
  assert.equal(s1.has('fd00:10::1'), false);
});

test('an invalid desired peer is reported and the others still apply', async () => {
  const sink = new PeersSink(client);
  const r = await sink.reconcile(
    [
      ...base.filter((p) => p.address !== 'fd00:10::1'),
      { address: '10.1.1.300', peerAsn: 1 },
      { address: '127.10.1.9', peerAsn: 65000, passive: true },
    ],
    G,
  );
  assert.deepEqual(
    r.failed.map((f) => f.address),
    ['10.1.1.300'],
  );
  assert.match(r.failed[0]?.error ?? '', /not an IP address/);
  assert.deepEqual(
    r.actions.map((a) => [a.address, a.action]),
    [['127.10.1.9', 'add']],
  );
});

test('status read-back', async () => {
  const sink = new PeersSink(client);
  const st = await sink.status();
  const p = st.find((s) => s.address === '127.10.1.2');
  assert.ok(p);
  assert.equal(p.peerAsn, 65002);
  assert.ok(['IDLE', 'ACTIVE', 'CONNECT'].includes(p.sessionState), p.sessionState);
  assert.equal(p.adminState, 'UP');
  assert.equal(p.advertised, 0);
  assert.equal(p.uptimeSeconds, undefined);
});
