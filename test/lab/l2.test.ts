import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Lab } from './lab.ts';

// Client-side tools against addresses a node's KERNEL answers for (an address on its LAN interface):
// arping, ndisc6, neighbour table, HTTP (one-shot and the rate prober) and packet capture.
// A Service IP held only as a local route (what the lab's kube-proxy stand-in does) must NOT be
// answered by the kernel: that is the Layer 2 speaker's job.

const VIP4 = '10.99.0.200';
const VIP6 = 'fd99::200';
const ROUTE_ONLY = '10.99.0.201';

describe('lab Layer 2 and client tools', () => {
  let lab: Lab;
  let mac1: string;
  before(async () => {
    lab = await Lab.up({ nodes: 2, routers: [], gobgp: 'none' });
    mac1 = await lab.mac('n1');
    await lab.addAddress(1, VIP4);
    await lab.addAddress(1, VIP6);
    await lab.serveVip(2, ROUTE_ONLY);
  });
  after(async () => {
    await lab?.down();
  });

  it('arping and ndisc6 from the client get the node MAC; the wire shows the replies', async () => {
    const cap = await lab.capture('c', 'arp or icmp6');
    const a = await lab.arping(VIP4, { count: 2 });
    assert.equal(a.ok, true, a.raw);
    assert.deepEqual(a.macs, [mac1]);
    const n = await lab.ndisc6(VIP6);
    assert.equal(n.ok, true, n.raw);
    assert.equal(n.mac, mac1);
    const frames = await cap.stop();
    const arpReply = frames.find((f) => f.arp?.op === 2 && f.arp.spa === VIP4);
    assert.equal(arpReply?.arp?.sha, mac1, `ARP reply from ${mac1} expected in ${frames.length} frames`);
    assert.equal(arpReply?.src, mac1);
    const na = frames.find((f) => f.ipv6?.icmp6?.type === 136 && f.ipv6.icmp6.target === VIP6);
    assert.equal(na?.ipv6?.icmp6?.targetLl, mac1);
    assert.equal(na?.ipv6?.icmp6?.flags?.solicited, true);
    assert.equal(na?.ipv6?.hopLimit, 255);
    const ns = frames.find((f) => f.ipv6?.icmp6?.type === 135 && f.ipv6.icmp6.target === VIP6);
    assert.equal(ns?.ipv6?.icmp6?.sourceLl, await lab.mac('c'));
  });

  it('HTTP from the client reaches the address, IPv4 and IPv6; the client neighbour table holds the node MAC', async () => {
    const r4 = await lab.httpGet(`http://${VIP4}/`);
    assert.equal(r4.node, 'node1', JSON.stringify(r4));
    const r6 = await lab.httpGet(`http://[${VIP6}]/`);
    assert.equal(r6.node, 'node1', JSON.stringify(r6));
    const neigh = await lab.neighbours();
    assert.equal(neigh.find((x) => x.dst === VIP4)?.lladdr, mac1);
    assert.equal(neigh.find((x) => x.dst === VIP6)?.lladdr, mac1);
  });

  it('the rate prober opens a new connection per request and counts answers per node', async () => {
    const p = await lab.httpProbe(`http://${VIP4}/`, { ratePerSec: 50, count: 25 });
    const res = await p.done;
    assert.equal(res.sent, 25);
    assert.equal(res.failed, 0, JSON.stringify(res.errors));
    assert.deepEqual(res.byNode, { node1: 25 });
    // stopping early also yields a result; a refused port counts as failures
    const q = await lab.httpProbe(`http://${VIP4}:81/`, { ratePerSec: 50 });
    await new Promise((r) => setTimeout(r, 200));
    const qr = await q.stop();
    assert.ok(qr.sent > 0 && qr.failed === qr.sent, JSON.stringify(qr));
  });

  it('a Service IP held as a local route is served but not answered by the node kernel', async () => {
    const a = await lab.arping(ROUTE_ONLY, { count: 1, deadlineS: 1 });
    assert.equal(a.ok, false, a.raw);
    // served once something attracts the traffic: a static neighbour entry on the client stands in for the speaker
    await lab.execOk('c', [
      'ip',
      'neigh',
      'replace',
      ROUTE_ONLY,
      'lladdr',
      await lab.mac('n2'),
      'dev',
      lab.client.ifname,
    ]);
    const r = await lab.httpGet(`http://${ROUTE_ONLY}/`);
    assert.equal(r.node, 'node2', JSON.stringify(r));
  });
});
