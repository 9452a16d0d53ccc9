import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sleep, waitFor, type Lab, type Proc } from '../lab/index.ts';
import {
  arpClaims,
  clientNeighbour,
  ipsOwnedBy,
  l2Service,
  startProber,
  upL2Lab,
  waitAnsweredBy,
  waitLease,
  waitReady,
} from './l2-lab.ts';

// Failover of a Layer 2 IP between two manager replicas (pinned timings: 1 s Leases, 200 ms renew,
// 300 ms margin): SIGKILL, SIGTERM hand-over, a frozen owner (SIGSTOP/SIGCONT) never answering
// beside its successor, and a link flap on the owner's interface.

const NODES = ['node1', 'node2'];

describe('Layer 2 failover on the lab', { timeout: 300_000 }, () => {
  let lab: Lab;
  const mac: Record<string, string> = {};
  let ip = '';
  before(async () => {
    lab = await upL2Lab();
    for (const n of NODES) mac[n] = await lab.mac(n);
    ip = ipsOwnedBy('node1', NODES)[0] ?? '';
    await l2Service(lab, 'web', ip);
    await waitAnsweredBy(lab, ip, mac.node1!);
  });
  after(async () => {
    await lab?.down();
  });

  const manager = (node: string): Proc => {
    const p = lab.managerProcs(node).at(-1);
    assert.ok(p, `no manager in ${node}`);
    return p;
  };

  /** The client talks to the IP (so it holds a neighbour entry) and the entry points at `node`. */
  async function clientUses(node: string): Promise<void> {
    await waitFor(
      async () => {
        const h = await lab.httpGet(`http://${ip}/`, 1000);
        if (h.node !== node) throw new Error(`HTTP answered by ${h.node ?? h.error}`);
        const n = await clientNeighbour(lab, ip);
        if (n !== mac[node]) throw new Error(`neighbour ${n}`);
        return true;
      },
      20_000,
      { what: `client reaches ${ip} on ${node}`, intervalMs: 100 },
    );
  }

  async function restartNode1(): Promise<void> {
    lab.startManager('node1');
    await waitReady(lab, 'node1');
    await waitLease(lab, 'node1');
    await waitAnsweredBy(lab, ip, mac.node1!, 30_000);
    await clientUses('node1');
  }

  /** Polls the client's neighbour entry until it shows `want` (no traffic needed: the takeover burst updates it). */
  async function neighbourMovesTo(want: string): Promise<void> {
    await waitFor(
      async () => {
        const n = await clientNeighbour(lab, ip);
        if (n !== want) throw new Error(`neighbour entry ${n}`);
        return true;
      },
      20_000,
      { what: `client neighbour entry for ${ip} → ${want}`, intervalMs: 20 },
    );
  }

  it("SIGKILL of the owner: the client's neighbour entry moves to the new owner's MAC", async () => {
    await clientUses('node1');
    const p = manager('node1');
    p.signal('SIGKILL');
    await p.exited;
    await neighbourMovesTo(mac.node2!);
    assert.equal((await lab.httpGet(`http://${ip}/`)).node, 'node2');
    await restartNode1();
  });

  it('SIGTERM: the owner hands over and exits cleanly; the neighbour entry moves', async () => {
    await clientUses('node1');
    const p = manager('node1');
    p.signal('SIGTERM');
    await neighbourMovesTo(mac.node2!);
    const exit = await p.exited;
    assert.equal(exit.code, 0, JSON.stringify(exit));
    assert.equal((await lab.httpGet(`http://${ip}/`)).node, 'node2');
    await restartNode1();
  });

  it('a frozen owner (SIGSTOP), taken over, then resumed (SIGCONT): never two answerers on the wire', async () => {
    await clientUses('node1');
    const cap = await lab.capture('sw', 'arp');
    // the client asks continuously (broadcast every 50 ms), so every answerer shows up on the wire
    const prober = (await startProber(lab, ip, 50)).proc;
    try {
      await sleep(300);
      const p = manager('node1');
      p.signal('SIGSTOP');
      await waitAnsweredBy(lab, ip, mac.node2!, 20_000);
      p.signal('SIGCONT');
      await sleep(5000);
    } finally {
      await prober.stop('SIGINT', 2000);
    }
    const frames = await cap.stop();
    const claims = arpClaims(frames, ip);
    assert.ok(
      claims.some((c) => c.mac === mac.node2),
      'node2 took over',
    );
    // requests from the client split the timeline; no interval between two requests may hold answers from two MACs
    const clientMac = await lab.mac('c');
    const requests = frames
      .filter((f) => f.arp?.op === 1 && f.arp.tpa === ip && f.arp.sha.toLowerCase() === clientMac)
      .map((f) => f.tsUs);
    assert.ok(requests.length > 50, `only ${requests.length} requests captured`);
    const replies = claims.filter((c) => c.reply);
    for (let i = 0; i < requests.length; i++) {
      const from = requests[i]!;
      const to = requests[i + 1] ?? Infinity;
      const macs = new Set(replies.filter((r) => r.tsUs >= from && r.tsUs < to).map((r) => r.mac));
      assert.ok(macs.size <= 1, `request at ${from} µs answered by ${[...macs].join(' and ')}`);
    }
    // the answering MAC changes at most twice: node2 takes over, node1 (ranked first) takes back after release
    let switches = 0;
    for (let i = 1; i < claims.length; i++) if (claims[i]!.mac !== claims[i - 1]!.mac) switches++;
    assert.ok(
      switches <= 2,
      `answerer flapped ${switches} times: ${claims.map((c) => c.mac.slice(-2)).join(' ')}`,
    );
  });

  it("link flap on the owner's interface: answering recovers", async () => {
    await waitAnsweredBy(lab, ip, mac.node1!, 30_000);
    const n1 = lab.node('node1');
    await lab.execOk('n1', ['ip', 'link', 'set', n1.ifname, 'down']);
    await sleep(2000);
    await lab.execOk('n1', ['ip', 'link', 'set', n1.ifname, 'up']);
    // node2 covered while node1 was cut off; node1 (ranked first) gets it back once it renews again
    await waitAnsweredBy(lab, ip, mac.node1!, 30_000);
    await clientUses('node1');
    const r = await lab.arping(ip, { count: 3 });
    assert.deepEqual(r.macs, [mac.node1], r.raw);
  });
});
