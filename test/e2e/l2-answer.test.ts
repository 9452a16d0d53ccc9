import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { waitFor, type Lab } from '../lab/index.ts';
import {
  clientNeighbour,
  endpointSlice,
  expectedOwner,
  ipsOwnedBy,
  kubectlOk,
  l2Service,
  metric,
  upL2Lab,
  waitAnsweredBy,
} from './l2-lab.ts';

// Two manager replicas answer ARP/NDP for layer2 Service IPs: the ranked owner answers with its own
// MAC, IPv6 through NDP, HTTP reaches the owner, IPs spread, eTP=Local follows the endpoint, and a
// stranger answering for an owned IP raises an Event and the conflict metric.

const NODES = ['node1', 'node2'];

describe('Layer 2 speaker answers on the lab', { timeout: 240_000 }, () => {
  let lab: Lab;
  const mac: Record<string, string> = {};
  const used: string[] = [];
  const pick = (owner: string, v6 = false): string => {
    const ip = ipsOwnedBy(owner, NODES, 1, v6, used)[0];
    assert.ok(ip, `no free IP owned by ${owner}`);
    used.push(ip);
    return ip;
  };
  before(async () => {
    lab = await upL2Lab();
    for (const n of NODES) mac[n] = await lab.mac(n);
  });
  after(async () => {
    await lab?.down();
  });

  it("arping from the client gets exactly the owner's MAC; HTTP through the IP reaches the owner", async () => {
    const ip = pick('node1');
    await l2Service(lab, 'web4', ip);
    await waitAnsweredBy(lab, ip, mac.node1!);
    const r = await lab.arping(ip, { count: 3 });
    assert.deepEqual(r.macs, [mac.node1], r.raw);
    const h = await lab.httpGet(`http://${ip}/`);
    assert.equal(h.node, 'node1', JSON.stringify(h));
    assert.equal(await clientNeighbour(lab, ip), mac.node1);
  });

  it("ndisc6 for an IPv6 Service IP gets the owner's MAC; HTTP over IPv6 reaches it", async () => {
    const ip = pick('node2', true);
    await l2Service(lab, 'web6', ip);
    await waitFor(
      async () => {
        const n = await lab.ndisc6(ip, { tries: 1, waitMs: 500 });
        if (n.mac !== mac.node2) throw new Error(`got ${n.mac ?? 'no answer'}`);
        return true;
      },
      20_000,
      { what: `NDP answer for ${ip} from node2`, intervalMs: 100 },
    );
    const h = await lab.httpGet(`http://[${ip}]/`);
    assert.equal(h.node, 'node2', JSON.stringify(h));
  });

  it('two IPs whose rankings differ land on two different replicas', async () => {
    const a = pick('node1');
    const b = pick('node2');
    await l2Service(lab, 'spread-a', a);
    await l2Service(lab, 'spread-b', b);
    await waitAnsweredBy(lab, a, mac.node1!);
    await waitAnsweredBy(lab, b, mac.node2!);
    assert.equal((await lab.httpGet(`http://${a}/`)).node, 'node1');
    assert.equal((await lab.httpGet(`http://${b}/`)).node, 'node2');
    assert.ok((await metric(lab, 'node1', 'openelb_layer2_ips_owned')) >= 1);
  });

  it('externalTrafficPolicy: Local — ownership follows the ready endpoint', async () => {
    // an IP node1 would own by ranking, but its only endpoint runs on node2
    const ip = pick('node1');
    assert.equal(expectedOwner(ip, NODES), 'node1');
    await endpointSlice(lab, 'local', ['node2']);
    await l2Service(lab, 'local', ip, { local: true });
    await waitAnsweredBy(lab, ip, mac.node2!);
    // the endpoint moves to node1
    await endpointSlice(lab, 'local', ['node1']);
    await waitAnsweredBy(lab, ip, mac.node1!);
    // no endpoint anywhere: nobody answers
    await endpointSlice(lab, 'local', []);
    await waitFor(
      async () => {
        const r = await lab.arping(ip, { count: 1, deadlineS: 1 });
        if (r.macs.length > 0) throw new Error(`still answered by ${r.macs.join(',')}`);
        return true;
      },
      20_000,
      { what: `${ip} unanswered without endpoints`, intervalMs: 100 },
    );
  });

  it('a stranger answering for an owned IP is a conflict: Event on the Service, openelb_layer2_conflicts_total', async () => {
    const ip = pick('node1');
    await l2Service(lab, 'conflicted', ip);
    await waitAnsweredBy(lab, ip, mac.node1!);
    const before = await metric(lab, 'node1', 'openelb_layer2_conflicts_total');
    // the client's kernel now holds the address too: it answers node1's periodic ARP probe
    await lab.execOk('c', ['ip', 'addr', 'add', `${ip}/32`, 'dev', lab.client.ifname]);
    try {
      await waitFor(
        async () => {
          const n = await metric(lab, 'node1', 'openelb_layer2_conflicts_total');
          if (n <= before) throw new Error(`conflicts ${n}`);
          return true;
        },
        20_000,
        { what: 'conflict counted', intervalMs: 200 },
      );
      await waitFor(
        async () => {
          const ev = JSON.parse(await kubectlOk(lab, ['get', 'events', '-n', 'demo', '-o', 'json'])) as {
            items: { reason?: string; involvedObject?: { name?: string }; message?: string }[];
          };
          const hit = ev.items.find(
            (e) => e.reason === 'Layer2Conflict' && e.involvedObject?.name === 'conflicted',
          );
          if (!hit) throw new Error('no Layer2Conflict event yet');
          assert.match(hit.message ?? '', new RegExp(await lab.mac('c')));
          return true;
        },
        20_000,
        { what: 'Layer2Conflict Event on the Service', intervalMs: 200 },
      );
    } finally {
      await lab.execOk('c', ['ip', 'addr', 'del', `${ip}/32`, 'dev', lab.client.ifname]);
    }
  });
});
