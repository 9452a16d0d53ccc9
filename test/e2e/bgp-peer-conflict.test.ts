import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sleep, waitFor, type Lab } from '../lab/index.ts';
import { GobgpClient } from '../../src/bgp/index.ts';
import {
  apply,
  createService,
  getJson,
  kubectlOk,
  peerFor,
  removeAdmissionWebhook,
  sessionsOf,
  upBgpLab,
  waitEvent,
} from './bgp-lab.ts';

// Issue 12: a second BgpPeer for a neighbour that already has one (other AS, adminDown), stored
// without the webhook (the lab's managers run none). The manager treats the later one as in
// conflict: gobgpd never hears of it, the first session stays Established without a reset, and the
// later peer's own status shows no session (it used to copy the first one's ESTABLISHED), a
// lastError and a Valid=False/Conflict condition naming the first peer, plus a Conflict Event.

const IP = '198.51.100.70';

type Cond = { type: string; status: string; reason: string; message: string };
type PeerObj = {
  metadata: { creationTimestamp?: string };
  status?: {
    conditions?: Cond[];
    nodesPeerStatus?: Record<
      string,
      { peerState?: { sessionState?: string; peerAs?: number; routerId?: string }; lastError?: string }
    >;
  };
};

describe('bgp: a second BgpPeer for the same neighbour', () => {
  let lab: Lab;
  let node: string;
  let router: string;

  before(async () => {
    lab = await upBgpLab({ nodes: 1 });
    // the webhook would deny the second peer for the same neighbour: this is what happens without it
    await removeAdmissionWebhook(lab);
    node = lab.nodes[0]?.name ?? '';
    router = lab.router(1).plan.ipv4;
    await createService(lab, { name: 'web', ip: IP });
    await lab.waitNextHops(
      IP,
      lab.nodes.map((n) => n.ipv4),
      20_000,
    );
    await waitFor(async () => (await sessionsOf(lab, node)).get(router)?.state === 'ESTABLISHED', 20_000, {
      what: 'router1 session Established',
    });
  });
  after(async () => {
    await lab?.down();
  });

  it('is never configured in gobgpd; the first session stays Established and untouched; its status says why', async () => {
    const was = (await sessionsOf(lab, node)).get(router);
    assert.equal(was?.state, 'ESTABLISHED');
    const shadow = peerFor(lab, 1, { conf: { neighborAddress: router, peerAs: 65099, adminDown: true } });
    (shadow['metadata'] as { name: string }).name = 'router1-shadow';
    await apply(lab, shadow);
    const first = await getJson<PeerObj>(lab, 'bgppeer', 'router1');
    const second = await getJson<PeerObj>(lab, 'bgppeer', 'router1-shadow');
    assert.ok(
      (first.metadata.creationTimestamp ?? '') <= (second.metadata.creationTimestamp ?? ''),
      'the shadow is the later one',
    );

    // what the user sees on the later peer
    const event = await waitEvent(lab, 'Conflict', 'router1-shadow');
    assert.match(event, /BgpPeer "router1"/);
    const seen = await waitFor(
      async () => {
        const p = await getJson<PeerObj>(lab, 'bgppeer', 'router1-shadow');
        const valid = p.status?.conditions?.find((c) => c.type === 'Valid');
        const entry = p.status?.nodesPeerStatus?.[node];
        return valid?.reason === 'Conflict' && entry?.lastError ? { valid, entry } : undefined;
      },
      20_000,
      { what: 'Conflict condition and per-node lastError on router1-shadow', intervalMs: 200 },
    );
    assert.equal(seen.valid.status, 'False');
    assert.match(seen.valid.message, /BgpPeer "router1"/);
    assert.match(seen.entry.lastError ?? '', /BgpPeer "router1"/);
    assert.notEqual(seen.entry.peerState?.sessionState, 'ESTABLISHED', 'no session copied from router1');
    assert.equal(seen.entry.peerState?.routerId, '');

    // gobgpd: one neighbour at that address, router1's, never the shadow's AS or adminDown
    await sleep(1500);
    const c = new GobgpClient({ socket: lab.node(node).gobgpSocket, callTimeoutMs: 5000 });
    try {
      const peers = await c.listPeer('', false);
      const at = peers.filter((p) => p.conf?.neighbor_address === router);
      assert.equal(at.length, 1);
      assert.equal(at[0]?.conf?.peer_asn, lab.router(1).plan.asn);
      assert.notEqual(at[0]?.state?.admin_state, 'DOWN');
    } finally {
      c.close();
    }
    const now = (await sessionsOf(lab, node)).get(router);
    assert.equal(now?.state, 'ESTABLISHED');
    assert.equal(now?.since, was?.since, 'router1 kept its uptime');
    assert.equal(now?.flops, was?.flops, 'router1 never went down');
    const firstNow = await getJson<PeerObj>(lab, 'bgppeer', 'router1');
    assert.equal(firstNow.status?.nodesPeerStatus?.[node]?.peerState?.sessionState, 'ESTABLISHED');
    assert.equal(firstNow.status?.conditions?.find((x) => x.type === 'Valid')?.status, 'True');
    await lab.waitNextHops(
      IP,
      lab.nodes.map((n) => n.ipv4),
      20_000,
    );
  });

  it('deleting the later peer changes nothing for the first', async () => {
    const was = (await sessionsOf(lab, node)).get(router);
    await kubectlOk(lab, ['delete', 'bgppeer', 'router1-shadow']);
    await sleep(1500);
    const now = (await sessionsOf(lab, node)).get(router);
    assert.deepEqual(now, was);
  });
});
