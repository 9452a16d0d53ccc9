// Benchmark group `l2`: Layer 2 failover and ARP reply latency, with the manager's DEFAULT settings
// (Layer 2 Lease 800 ms, renew every 200 ms, margin 250 ms, gratuitous burst 3 × 500 ms).
//   l2_failover_kill_ms       owner's manager SIGKILLed → first ARP reply from the new owner (median of ≥ 5)
//   l2_failover_node_loss_ms  owner's node cut off from the bridge (and so from the API) → first reply from the new owner
//   l2_handover_term_ms       owner's manager SIGTERMed → first reply from the new owner
//   arp_reply_us              our responder: ARP request in → reply out on the owner's interface (tcpdump there)
//   kernel_arp_reply_us       the same for an address on the interface, answered by the node's kernel (same run)
// Lab: 2 node namespaces with a manager each (BGP off), API double, client. A prober in the client
// broadcasts an ARP request every 10 ms and timestamps replies (wall clock µs), so failover figures
// carry ≤ 10 ms of probe resolution. After every failover round the killed owner is restarted and the
// round starts once it answers again.
import { sleep, waitFor, type Frame, type Lab } from '../../test/lab/index.ts';
import {
  ipsOwnedBy,
  l2Service,
  startProber,
  upL2Lab,
  waitAnsweredBy,
  waitLease,
  waitReady,
  wallUs,
} from '../../test/e2e/l2-lab.ts';
import { summarize } from '../lib/stats.ts';
import type { BenchContext, BenchGroup, BenchValue } from '../types.ts';

const NODES = ['node1', 'node2'];
const KERNEL_IP = '10.99.0.251';
const PROBE_MS = 10;

async function restartOwner(lab: Lab, ip: string, mac1: string): Promise<void> {
  lab.startManager('node1');
  await waitReady(lab, 'node1');
  await waitLease(lab, 'node1');
  await waitAnsweredBy(lab, ip, mac1, 30_000);
  await sleep(1500); // let the takeover burst and the peer's release settle
}

/** Runs `act` at t0 and returns ms until the prober saw the first reply from `newMac` after t0. */
async function timeToNewOwner(
  lab: Lab,
  ip: string,
  newMac: string,
  act: () => Promise<void> | void,
): Promise<number> {
  const p = await startProber(lab, ip, PROBE_MS);
  try {
    await sleep(200);
    const t0 = wallUs();
    await act();
    const first = await waitFor(
      async () => {
        const r = p.replies().find((x) => x.mac === newMac && x.us >= t0);
        if (!r) throw new Error('no reply from the new owner yet');
        return r.us;
      },
      30_000,
      { what: `reply for ${ip} from ${newMac}`, intervalMs: 5 },
    );
    return (first - t0) / 1000;
  } finally {
    await p.proc.stop('SIGTERM', 2000);
  }
}

/** Request in → reply out on the node's own interface, µs per pair. */
function replyLatencies(frames: Frame[], ip: string, clientMac: string, answerMac: string): number[] {
  const out: number[] = [];
  let pending: number | undefined;
  for (const f of frames) {
    const a = f.arp;
    if (a === undefined) continue;
    if (a.op === 1 && a.tpa === ip && a.sha.toLowerCase() === clientMac) pending = f.tsUs;
    else if (a.op === 2 && a.spa === ip && a.sha.toLowerCase() === answerMac && pending !== undefined) {
      out.push(f.tsUs - pending);
      pending = undefined;
    }
  }
  return out;
}

async function replyTimes(
  lab: Lab,
  ip: string,
  count: number,
  clientMac: string,
  answerMac: string,
): Promise<number[]> {
  const cap = await lab.capture('n1', 'arp');
  const p = await startProber(lab, ip, 5);
  await waitFor(
    async () => {
      if (p.replies().length < count) throw new Error(`${p.replies().length} replies`);
      return true;
    },
    60_000,
    { what: `${count} replies for ${ip}`, intervalMs: 50 },
  );
  await p.proc.stop('SIGTERM', 2000);
  return replyLatencies(await cap.stop(), ip, clientMac, answerMac);
}

const group: BenchGroup = {
  name: 'l2',
  description:
    'Layer 2 failover (SIGKILL, node loss, SIGTERM hand-over) and ARP reply latency vs the kernel, default settings',
  async run(ctx: BenchContext): Promise<Record<string, BenchValue>> {
    const rounds = ctx.quick ? 2 : 7;
    const lossRounds = ctx.quick ? 1 : 5;
    const lab = await upL2Lab({ timing: 'default' });
    try {
      const mac1 = await lab.mac('node1');
      const mac2 = await lab.mac('node2');
      const clientMac = await lab.mac('c');
      const ip = ipsOwnedBy('node1', NODES)[0] ?? '';
      await l2Service(lab, 'bench', ip);
      await waitAnsweredBy(lab, ip, mac1);
      await sleep(1500);

      const reply = await replyTimes(lab, ip, ctx.quick ? 200 : 1000, clientMac, mac1);
      await lab.addAddress('node1', KERNEL_IP);
      const kernel = await replyTimes(lab, KERNEL_IP, ctx.quick ? 200 : 1000, clientMac, mac1);
      await lab.delAddress('node1', KERNEL_IP);
      ctx.log(`arp reply p50 ${summarize(reply).p50} µs, kernel p50 ${summarize(kernel).p50} µs`);

      const kill: number[] = [];
      for (let i = 0; i < rounds; i++) {
        const proc = lab.managerProcs('node1').at(-1);
        kill.push(
          await timeToNewOwner(lab, ip, mac2, async () => {
            proc?.signal('SIGKILL');
            await proc?.exited;
          }),
        );
        ctx.log(`kill round ${i + 1}/${rounds}: ${kill.at(-1)?.toFixed(0)} ms`);
        await restartOwner(lab, ip, mac1);
      }

      const term: number[] = [];
      for (let i = 0; i < rounds; i++) {
        const proc = lab.managerProcs('node1').at(-1);
        term.push(await timeToNewOwner(lab, ip, mac2, () => proc?.signal('SIGTERM')));
        await proc?.exited;
        ctx.log(`SIGTERM round ${i + 1}/${rounds}: ${term.at(-1)?.toFixed(0)} ms`);
        await restartOwner(lab, ip, mac1);
      }

      const loss: number[] = [];
      const port = lab.host('n1').port;
      for (let i = 0; i < lossRounds; i++) {
        loss.push(
          await timeToNewOwner(lab, ip, mac2, () =>
            lab.execOk('sw', ['ip', 'link', 'set', port, 'down']).then(() => undefined),
          ),
        );
        ctx.log(`node loss round ${i + 1}/${lossRounds}: ${loss.at(-1)?.toFixed(0)} ms`);
        await lab.execOk('sw', ['ip', 'link', 'set', port, 'up']);
        await waitAnsweredBy(lab, ip, mac1, 30_000);
        await sleep(1500);
      }

      return {
        l2_failover_kill_ms: summarize(kill, 0),
        l2_failover_node_loss_ms: summarize(loss, 0),
        l2_handover_term_ms: summarize(term, 0),
        arp_reply_us: summarize(reply, 0),
        kernel_arp_reply_us: summarize(kernel, 0),
      };
    } finally {
      await lab.down();
    }
  },
};

export default group;
