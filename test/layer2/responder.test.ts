// Real-kernel test of the AF_PACKET addon + responder: a node namespace (responder, VIPs on no
// interface) and a client namespace joined by a veth pair; arping / ndisc6 from the client.
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { BROADCAST_MAC, parseMac } from '../../src/layer2/addr.ts';
import { ipv4Bytes, ipv6Bytes } from '../../src/net/ip.ts';
import { ARP_REQUEST, buildArp } from '../../src/layer2/arp.ts';
import { buildNeighborSolicit } from '../../src/layer2/ndp.ts';

const run = promisify(execFile);
const tag = `${process.pid.toString(36)}${randomBytes(2).toString('hex')}`;
const NS_NODE = `oel2-${tag}-node`;
const NS_CLIENT = `oel2-${tag}-cli`;
const IF_NODE = `oel2${tag}n`.slice(0, 15);
const IF_CLIENT = `oel2${tag}c`.slice(0, 15);
const NODE_MAC = '02:00:00:00:00:02';
const NODE_MAC_2 = '02:00:00:00:00:22';
const CLIENT_MAC = '02:00:00:00:00:0a';
const VIP4 = '10.99.0.200';
const VIP6 = 'fd00:99::200';
const RESPONDER = fileURLToPath(new URL('./fixtures/responder-main.ts', import.meta.url));
const INJECT = fileURLToPath(new URL('./fixtures/inject.ts', import.meta.url));

async function sh(
  cmd: string,
  args: string[],
  timeout = 20_000,
): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const r = await run(cmd, args, { timeout });
    return { ...r, code: 0 };
  } catch (e) {
    const x = e as { stdout?: string; stderr?: string; code?: number };
    return { stdout: x.stdout ?? '', stderr: x.stderr ?? '', code: typeof x.code === 'number' ? x.code : 1 };
  }
}

async function ip(...args: string[]): Promise<void> {
  const r = await sh('ip', args);
  if (r.code !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr}`);
}

async function makeLink(nodeMac: string): Promise<void> {
  await ip('link', 'add', IF_NODE, 'type', 'veth', 'peer', 'name', IF_CLIENT);
  await ip('link', 'set', IF_NODE, 'netns', NS_NODE, 'address', nodeMac);
  await ip('link', 'set', IF_CLIENT, 'netns', NS_CLIENT, 'address', CLIENT_MAC);
  await ip('-n', NS_NODE, 'addr', 'add', '10.99.0.2/24', 'dev', IF_NODE);
  await ip('-n', NS_NODE, 'addr', 'add', 'fd00:99::2/64', 'dev', IF_NODE, 'nodad');
  await ip('-n', NS_CLIENT, 'addr', 'add', '10.99.0.10/24', 'dev', IF_CLIENT);
  await ip('-n', NS_CLIENT, 'addr', 'add', 'fd00:99::10/64', 'dev', IF_CLIENT, 'nodad');
  await ip('-n', NS_NODE, 'link', 'set', IF_NODE, 'up');
  await ip('-n', NS_CLIENT, 'link', 'set', IF_CLIENT, 'up');
}

async function arping(count = 3): Promise<{ ok: boolean; macs: string[]; out: string }> {
  const r = await sh('ip', [
    'netns',
    'exec',
    NS_CLIENT,
    'arping',
    '-c',
    String(count),
    '-w',
    String(count + 2),
    '-I',
    IF_CLIENT,
    VIP4,
  ]);
  const macs = [...r.stdout.matchAll(/reply from [\d.]+ \[([0-9A-Fa-f:]+)\]/g)].map((m) =>
    (m[1] ?? '').toLowerCase(),
  );
  return { ok: r.code === 0, macs, out: r.stdout + r.stderr };
}

async function ndisc(): Promise<{ ok: boolean; mac: string | undefined; out: string }> {
  const r = await sh('ip', [
    'netns',
    'exec',
    NS_CLIENT,
    'ndisc6',
    '-n',
    '-r',
    '3',
    '-w',
    '1000',
    VIP6,
    IF_CLIENT,
  ]);
  const m = /Target link-layer address: ([0-9A-Fa-f:]+)/.exec(r.stdout);
  return { ok: r.code === 0, mac: m?.[1]?.toLowerCase(), out: r.stdout + r.stderr };
}

/** Retries `f` until it returns true (deadline generous: the machine is shared). */
async function eventually(what: string, f: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await f()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.fail(`${what}: not reached within ${ms} ms`);
}

interface Responder {
  child: ChildProcess;
  events: Record<string, unknown>[];
  waitFor(pred: (e: Record<string, unknown>) => boolean, ms?: number): Promise<Record<string, unknown>>;
  counters(): Promise<Record<string, number>>;
}

function startResponder(): Responder {
  const child = spawn('ip', ['netns', 'exec', NS_NODE, process.execPath, RESPONDER, IF_NODE, VIP4, VIP6], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const events: Record<string, unknown>[] = [];
  const waiters: (() => void)[] = [];
  createInterface({ input: child.stdout ?? assert.fail() }).on('line', (line) => {
    try {
      events.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      return; // log lines from winston go to stderr; ignore anything else
    }
    for (const w of waiters.splice(0)) w();
  });
  const waitFor = async (
    pred: (e: Record<string, unknown>) => boolean,
    ms = 20_000,
  ): Promise<Record<string, unknown>> => {
    const end = Date.now() + ms;
    for (;;) {
      const hit = events.find(pred);
      if (hit !== undefined) return hit;
      if (Date.now() > end || child.exitCode !== null)
        assert.fail(`responder event not seen; got ${JSON.stringify(events)}`);
      await new Promise<void>((r) => {
        waiters.push(r);
        setTimeout(r, 200);
      });
    }
  };
  return {
    child,
    events,
    waitFor,
    async counters() {
      const n = events.length;
      child.stdin?.write('counters\n');
      const e = await waitFor((x) => x.event === 'counters' && events.indexOf(x) >= n);
      return e as Record<string, number>;
    },
  };
}

describe('layer2 responder on a real kernel (veth pair, two namespaces)', { timeout: 180_000 }, () => {
  let resp: Responder | undefined;

  const cleanup = async (): Promise<void> => {
    if (resp !== undefined && resp.child.exitCode === null) {
      const exited = new Promise((r) => resp?.child.once('exit', r));
      resp.child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
      if (resp.child.exitCode === null) resp.child.kill('SIGKILL');
    }
    await sh('ip', ['netns', 'del', NS_NODE]);
    await sh('ip', ['netns', 'del', NS_CLIENT]);
  };
  const onSigint = (): void => {
    void cleanup().then(() => process.exit(130));
  };

  before(async () => {
    process.once('SIGINT', onSigint);
    await ip('netns', 'add', NS_NODE);
    await ip('netns', 'add', NS_CLIENT);
    await makeLink(NODE_MAC);
  });

  after(async () => {
    process.off('SIGINT', onSigint);
    await cleanup();
  });

  test('without the responder nobody answers for the VIPs (they are on no interface)', async () => {
    const a = await arping(1);
    assert.equal(a.ok, false, a.out);
    assert.deepEqual(a.macs, []);
    const n = await ndisc();
    assert.equal(n.ok, false, n.out);
  });

  test('arping gets replies with the responder interface MAC', async () => {
    resp = startResponder();
    const open = await resp.waitFor((e) => e.event === 'open');
    assert.equal(open.mac, NODE_MAC);
    const a = await arping(3);
    assert.ok(a.ok, a.out);
    assert.deepEqual(a.macs, [NODE_MAC, NODE_MAC, NODE_MAC]);
  });

  test('ndisc6 gets an NA with the responder MAC; the solicited-node group is joined', async () => {
    const n = await ndisc();
    assert.ok(n.ok, n.out);
    assert.equal(n.mac, NODE_MAC);
    const c = await (resp ?? assert.fail()).counters();
    assert.ok((c.ndpAdvertsSent ?? 0) >= 1);
    assert.deepEqual(c.groups, ['33:33:ff:00:02:00']);
  });

  test('bad frames are dropped and counted, the loop keeps answering', async () => {
    const r = resp ?? assert.fail();
    const before = await r.counters();
    const client = parseMac(CLIENT_MAC) ?? assert.fail();
    const req = buildArp({
      ethDst: BROADCAST_MAC,
      ethSrc: client,
      op: ARP_REQUEST,
      senderMac: client,
      senderIp: ipv4Bytes('10.99.0.10') ?? assert.fail(),
      targetMac: new Uint8Array(6),
      targetIp: ipv4Bytes(VIP4) ?? assert.fail(),
    });
    const badType = Buffer.from(req);
    badType[15] = 9; // hardware type 9
    const ns = buildNeighborSolicit(
      client,
      ipv6Bytes('fd00:99::10') ?? assert.fail(),
      ipv6Bytes(VIP6) ?? assert.fail(),
    );
    const badSum = Buffer.from(ns);
    badSum[57] = (badSum[57] ?? 0) ^ 0x55; // checksum
    const hop64 = Buffer.from(ns);
    hop64[21] = 64;
    const truncatedNs = ns.subarray(0, 60);
    const frames = [badType, badSum, hop64, truncatedNs];
    const inj = await sh('ip', [
      'netns',
      'exec',
      NS_CLIENT,
      process.execPath,
      INJECT,
      IF_CLIENT,
      ...frames.map((f) => f.toString('hex')),
    ]);
    assert.match(inj.stdout, /"sent":4/, inj.stderr);
    await eventually('bad frames counted', async () => {
      const c = await r.counters();
      return (c.framesDroppedBad ?? 0) - (before.framesDroppedBad ?? 0) >= frames.length;
    });
    const a = await arping(1);
    assert.ok(a.ok, a.out);
    assert.equal(r.child.exitCode, null);
  });

  test('link down/up on the responder interface: the socket recovers', async () => {
    const r = resp ?? assert.fail();
    await ip('-n', NS_NODE, 'link', 'set', IF_NODE, 'down');
    await r.waitFor((e) => e.event === 'socketError' && e.code === 'ENETDOWN');
    const down = await arping(1);
    assert.equal(down.ok, false);
    await ip('-n', NS_NODE, 'link', 'set', IF_NODE, 'up');
    await eventually('arping after link up', async () => (await arping(1)).ok);
    const n = await ndisc();
    assert.ok(n.ok, n.out);
  });

  test('interface deleted and re-created (new ifindex, new MAC): reopened by name', async () => {
    const r = resp ?? assert.fail();
    const firstOpen = await r.waitFor((e) => e.event === 'open');
    await ip('-n', NS_NODE, 'link', 'del', IF_NODE); // removes both veth ends
    await r.waitFor((e) => e.event === 'closed');
    await makeLink(NODE_MAC_2);
    const reopened = await r.waitFor((e) => e.event === 'open' && e.ifindex !== firstOpen.ifindex);
    assert.equal(reopened.mac, NODE_MAC_2);
    await eventually('arping after re-creation', async () => {
      const a = await arping(1);
      return a.ok && a.macs[0] === NODE_MAC_2;
    });
    const n = await ndisc();
    assert.ok(n.ok, n.out);
    assert.equal(n.mac, NODE_MAC_2);
    assert.equal(r.child.exitCode, null);
  });

  test('gratuitous ARP and unsolicited NA update the client neighbour entries', async () => {
    const r = resp ?? assert.fail();
    // Client entries pointing elsewhere; the announcement must move them to the responder MAC.
    await ip(
      '-n',
      NS_CLIENT,
      'neigh',
      'replace',
      VIP4,
      'lladdr',
      '02:00:00:00:00:99',
      'dev',
      IF_CLIENT,
      'nud',
      'stale',
    );
    await ip(
      '-n',
      NS_CLIENT,
      'neigh',
      'replace',
      VIP6,
      'lladdr',
      '02:00:00:00:00:99',
      'dev',
      IF_CLIENT,
      'nud',
      'stale',
    );
    r.child.stdin?.write(`announce ${VIP4}\nannounce ${VIP6}\n`);
    await eventually('client neighbour entries moved', async () => {
      const v4 = await sh('ip', ['-n', NS_CLIENT, 'neigh', 'show', VIP4, 'dev', IF_CLIENT]);
      const v6 = await sh('ip', ['-n', NS_CLIENT, '-6', 'neigh', 'show', VIP6, 'dev', IF_CLIENT]);
      return v4.stdout.includes(NODE_MAC_2) && v6.stdout.includes(NODE_MAC_2);
    });
    const c = await r.counters();
    assert.ok((c.gratuitousSent ?? 0) >= 3);
  });
});
