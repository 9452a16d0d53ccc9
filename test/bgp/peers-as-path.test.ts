import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startGobgpd, type GobgpdProcess } from './helpers/gobgpd.ts';
import { GobgpClient } from '../../src/bgp/client/client.ts';
import { GlobalSink } from '../../src/bgp/global.ts';
import { PeersSink } from '../../src/bgp/peers.ts';
import { PEER_FIELD_CLASSES } from '../../src/bgp/peer-fields.ts';
import type { DesiredGlobal, DesiredPeer } from '../../src/bgp/types.ts';
import { changedStamps, sessionStamps } from './helpers/stamps.ts';

// BgpPeer spec.conf allowOwnAs / replacePeerAs / removePrivateAs against a real gobgpd 3.10: they
// reach gobgpd, read back unchanged (no endless re-apply), and an edit of one resets only that
// peer (the class PEER_FIELD_CLASSES gives them). Peers are passive on loopback addresses and never
// establish; a reset shows as gobgpd re-creating the neighbour (a new downtime stamp).

let gobgpd: GobgpdProcess;
let client: GobgpClient;
const G: DesiredGlobal = {
  asn: 65001,
  routerId: '10.0.0.1',
  listenPort: -1,
  listenAddresses: [],
  families: [],
};

before(async () => {
  gobgpd = await startGobgpd('bgp-peers-aspath');
  client = new GobgpClient({ socket: gobgpd.socket });
  await new GlobalSink(client).ensure(G);
});
after(async () => {
  client?.close();
  await gobgpd?.stop();
});

let peers: DesiredPeer[] = [
  {
    address: '127.10.2.1',
    peerAsn: 65000,
    passive: true,
    allowOwnAs: 2,
    replacePeerAs: true,
    removePrivateAs: 'all',
  },
  { address: '127.10.2.2', peerAsn: 65000, passive: true },
  { address: '127.10.2.3', peerAsn: 65000, passive: true, removePrivateAs: 'replace' },
  { address: '127.10.2.4', peerAsn: 65000, passive: true },
];

const stamps = (): Promise<Map<string, string>> => sessionStamps(client);
const changed = changedStamps;

async function asPathConf(
  address: string,
): Promise<[number | undefined, boolean | undefined, string | undefined]> {
  const c = (await client.listPeer(address))[0]?.conf;
  return [c?.allow_own_asn, c?.replace_peer_asn, c?.remove_private];
}

test('the three fields reach gobgpd and read back unchanged', async () => {
  const sink = new PeersSink(client);
  const r1 = await sink.reconcile(peers, G);
  assert.deepEqual(r1.failed, []);
  assert.equal(r1.actions.length, 4);
  assert.deepEqual(await asPathConf('127.10.2.1'), [2, true, 'REMOVE_ALL']);
  assert.deepEqual(await asPathConf('127.10.2.2'), [0, false, 'REMOVE_NONE']);
  assert.deepEqual(await asPathConf('127.10.2.3'), [0, false, 'REPLACE']);
  const r2 = await sink.reconcile(peers, G);
  assert.deepEqual(r2.actions, [], 'nothing to re-apply');
  assert.equal(r2.unchanged, 4);
});

test('an edit of each field resets only its own peer (peer-reset)', async () => {
  for (const f of ['allowOwnAs', 'replacePeerAs', 'removePrivateAs'] as const)
    assert.equal(PEER_FIELD_CLASSES[f], 'peer-reset');
  const sink = new PeersSink(client);
  const s0 = await stamps();
  await sleep(1100);
  const edited: DesiredPeer[] = peers.map((p) => {
    if (p.address === '127.10.2.1') return { ...p, allowOwnAs: 1 };
    if (p.address === '127.10.2.2') return { ...p, replacePeerAs: true };
    if (p.address === '127.10.2.3') return { ...p, removePrivateAs: 'none' };
    return p;
  });
  const r = await sink.reconcile(edited, G);
  assert.deepEqual(
    r.actions.map((a) => [a.address, a.action, a.changes.map((c) => `${c.field}:${c.class}`)]).sort(),
    [
      ['127.10.2.1', 'update', ['allowOwnAs:peer-reset']],
      ['127.10.2.2', 'update', ['replacePeerAs:peer-reset']],
      ['127.10.2.3', 'update', ['removePrivateAs:peer-reset']],
    ],
  );
  assert.deepEqual(
    changed(s0, await stamps()),
    ['127.10.2.1', '127.10.2.2', '127.10.2.3'],
    'each edited peer was re-created by UpdatePeer; 127.10.2.4 untouched',
  );
  assert.deepEqual(await asPathConf('127.10.2.1'), [1, true, 'REMOVE_ALL']);
  assert.deepEqual(await asPathConf('127.10.2.2'), [0, true, 'REMOVE_NONE']);
  assert.deepEqual(await asPathConf('127.10.2.3'), [0, false, 'REMOVE_NONE']);
  assert.equal((await sink.reconcile(edited, G)).actions.length, 0);
  peers = edited;
});

test('iBGP: gobgpd refuses removePrivateAs / replacePeerAs; we refuse them first, by field', async () => {
  // the fact our validation encodes: gobgpd itself rejects them on an iBGP peer
  await assert.rejects(
    client.addPeer({
      conf: { neighbor_address: '127.10.2.9', peer_asn: 65001, remove_private: 'REMOVE_ALL' },
      transport: { passive_mode: true },
    }),
    /remove-private-as for iBGP/,
  );
  await assert.rejects(
    client.addPeer({
      conf: { neighbor_address: '127.10.2.9', peer_asn: 65001, replace_peer_asn: true },
      transport: { passive_mode: true },
    }),
    /replace-peer-as for iBGP/,
  );
  const sink = new PeersSink(client);
  const s0 = await stamps();
  const r = await sink.reconcile(
    [
      ...peers,
      { address: '127.10.2.8', peerAsn: 65001, passive: true, removePrivateAs: 'all' },
      { address: '127.10.2.9', peerAsn: 65001, passive: true, allowOwnAs: 3 },
    ],
    G,
  );
  assert.deepEqual(
    r.failed.map((f) => f.address),
    ['127.10.2.8'],
  );
  assert.match(r.failed[0]?.error ?? '', /removePrivateAs applies to eBGP sessions only/);
  assert.deepEqual(
    r.actions.map((a) => [a.address, a.action]),
    [['127.10.2.9', 'add']],
    'allowOwnAs is fine on iBGP',
  );
  assert.deepEqual(await asPathConf('127.10.2.9'), [3, false, 'REMOVE_NONE']);
  const s1 = await stamps();
  s1.delete('127.10.2.9');
  assert.deepEqual(changed(s0, s1), []);
});
