// Lease helper: two contenders, one wins; release hands over; a cut-off holder steps down before the
// other can take over; the 409 race; MicroTime and labels on the Lease.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { startKubeDouble, type KubeDouble } from './double.ts';
import { systemClock } from '../../src/core/clock.ts';
import { KubeClient } from '../../src/kube/client.ts';
import { LeaseHolder, type LeaseOptions } from '../../src/kube/lease.ts';
import { Resources } from '../../src/kube/resources.ts';
import type { Lease } from '../../src/kube/types.ts';

const NS = 'lease-test';
const FAST = { leaseDurationSeconds: 2, renewDeadlineMs: 1200, retryPeriodMs: 250 };

async function until(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = performance.now() + ms;
  while (!cond()) {
    if (performance.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A TCP proxy to the double that the test can cut, to isolate one contender. */
async function cuttableProxy(target: URL): Promise<{ url: string; cut(): void; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  let open = true;
  const server = net.createServer((c) => {
    if (!open) return c.destroy();
    const u = net.connect(Number(target.port), target.hostname);
    sockets.add(c).add(u);
    c.pipe(u).pipe(c);
    const drop = (): void => {
      c.destroy();
      u.destroy();
      sockets.delete(c);
      sockets.delete(u);
    };
    c.on('error', drop).on('close', drop);
    u.on('error', drop).on('close', drop);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    cut: () => {
      open = false;
      for (const s of sockets) s.destroy();
    },
    close: () =>
      new Promise((r) => {
        server.close(() => r());
        for (const s of sockets) s.destroy();
      }),
  };
}

function clientFor(server: string): KubeClient {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server, skipTLSVerify: true }],
    users: [{ name: 'u', token: 'test' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return new KubeClient(kc, { fieldManager: 'lease-test', requestTimeoutMs: 1000 });
}

/** Every holder made here: stopped after the suite, so a failed assertion cannot leave a loop running. */
const started: LeaseHolder[] = [];

interface Tracked {
  holder: LeaseHolder;
  log: string[];
  gainedAt: number[];
  lostAt: number[];
  /** Outcome of every acquire-or-renew round the holder's loop completed (true: it holds the Lease). */
  rounds: boolean[];
  /** Every holder this contender observed, in order (undefined: the Lease named nobody). */
  holders: (string | undefined)[];
}

function contender(
  client: KubeClient,
  name: string,
  identity: string,
  extra: Partial<LeaseOptions> = {},
): Tracked {
  const t: Tracked = {
    log: [],
    gainedAt: [],
    lostAt: [],
    rounds: [],
    holders: [],
    holder: undefined as unknown as LeaseHolder,
  };
  t.holder = new LeaseHolder({
    client,
    namespace: NS,
    name,
    identity,
    ...FAST,
    ...extra,
    onStartedLeading: () => {
      t.log.push('gained');
      t.gainedAt.push(performance.now());
    },
    onStoppedLeading: (reason) => {
      t.log.push(`lost:${reason}`);
      t.lostAt.push(performance.now());
    },
    onNewHolder: (h) => t.holders.push(h),
  });
  started.push(t.holder);
  // The loop calls this.tryAcquireOrRenew(): observe each completed round without changing it.
  const attempt = t.holder.tryAcquireOrRenew.bind(t.holder);
  t.holder.tryAcquireOrRenew = async () => {
    const held = await attempt();
    t.rounds.push(held);
    return held;
  };
  return t;
}

describe('Lease helper', () => {
  let dbl: KubeDouble;
  let client: KubeClient;
  before(async () => {
    dbl = await startKubeDouble({});
    client = new KubeClient(dbl.kubeConfig(), { fieldManager: 'lease-test' });
    await client.create(Resources.Namespace, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  });
  after(async () => {
    for (const h of started) await h.stop({ release: false });
    await dbl?.close();
  });

  test('two contenders: exactly one wins; release hands the Lease over without waiting for expiry', async () => {
    const a = contender(client, 'elect-1', 'replica-a');
    const b = contender(client, 'elect-1', 'replica-b');
    a.holder.start();
    b.holder.start();
    await until(() => a.holder.isLeader() || b.holder.isLeader(), 'a leader');
    const [win, lose] = a.holder.isLeader() ? [a, b] : [b, a];
    const nameOf = (t: Tracked): string => (t === a ? 'replica-a' : 'replica-b');
    // Several rounds on both sides while one holds: renewals by the winner, refused tries by the other.
    const [w0, l0] = [win.rounds.length, lose.rounds.length];
    await until(() => win.rounds.length >= w0 + 3 && lose.rounds.length >= l0 + 3, 'three more rounds each');
    assert.notEqual(a.holder.isLeader(), b.holder.isLeader(), 'exactly one leader');
    assert.ok(win.holder.isLeader(), 'the first leader still leads');
    assert.deepEqual(
      win.rounds.slice(w0),
      win.rounds.slice(w0).map(() => true),
      'every renewal held',
    );
    assert.deepEqual(
      lose.rounds.slice(l0),
      lose.rounds.slice(l0).map(() => false),
      'every try refused',
    );
    assert.deepEqual(win.log, ['gained']);
    assert.deepEqual(lose.log, []);
    const l = await client.get<Lease>(Resources.Lease, 'elect-1', NS);
    assert.equal(l.spec.holderIdentity, win === a ? 'replica-a' : 'replica-b');
    assert.equal(l.spec.leaseDurationSeconds, 2);
    assert.match(l.spec.renewTime ?? '', /\.\d{6}Z$/, 'MicroTime with 6 digits');
    assert.ok(win.holder.remainingMs() > 0);

    await win.holder.stop();
    assert.deepEqual(win.log, ['gained', 'lost:shutdown']);
    assert.equal(win.holder.isLeader(), false);
    const released = await client.get<Lease>(Resources.Lease, 'elect-1', NS);
    assert.equal(released.spec.holderIdentity || undefined, undefined, 'holder cleared on release');
    await until(() => lose.holder.isLeader(), 'takeover after release');
    // Taken over because the record was released (it named nobody in between), not because it expired:
    // expiry would go straight from the old holder to the new one.
    assert.deepEqual(lose.holders.slice(-3), [nameOf(win), undefined, nameOf(lose)]);
    const taken = await client.get<Lease>(Resources.Lease, 'elect-1', NS);
    assert.equal(taken.spec.leaseTransitions, 1);
    await lose.holder.stop();
  });

  test('a holder cut off from the API declares the loss before the other may take over', async () => {
    const proxy = await cuttableProxy(new URL(dbl.url));
    try {
      const a = contender(clientFor(proxy.url), 'elect-2', 'replica-a');
      a.holder.start();
      await until(() => a.holder.isLeader(), 'a leads');
      const b = contender(client, 'elect-2', 'replica-b');
      b.holder.start();
      await until(() => b.rounds.length >= 2, 'two rounds of b while a holds');
      assert.ok(
        b.rounds.every((held) => !held),
        `b was refused every round (${b.rounds.join(',')})`,
      );
      assert.equal(b.holder.isLeader(), false);
      const cutAt = performance.now();
      proxy.cut();
      // The last instant a still called itself leader. isLeader() judges on the clock, not on a timer, so
      // however late the loss callback runs on a loaded machine, a cannot claim leadership past its
      // deadline: its last renew was sent before the cut, so that instant is before cut + renewDeadline.
      let lastLeaderAt = cutAt;
      const sampler = setInterval(() => {
        const t = performance.now();
        if (a.holder.isLeader()) lastLeaderAt = t;
      }, 5);
      await until(() => b.holder.isLeader(), 'b takes over', 15_000).finally(() => clearInterval(sampler));
      assert.equal(a.lostAt.length, 1, 'a lost once');
      const lostAt = a.lostAt[0] ?? Infinity;
      const gainedAt = b.gainedAt[0] ?? -Infinity;
      assert.ok(
        lostAt < gainedAt,
        `a stepped down (${(lostAt - cutAt).toFixed(0)} ms after cut) before b took over (${(gainedAt - cutAt).toFixed(0)} ms)`,
      );
      assert.ok(
        lastLeaderAt < cutAt + FAST.renewDeadlineMs,
        `a called itself leader ${(lastLeaderAt - cutAt).toFixed(0)} ms after the cut, past renewDeadline`,
      );
      assert.equal(a.holder.isLeader(), false);
      assert.match(a.log[1] ?? '', /^lost:/);
      await a.holder.stop();
      await b.holder.stop();
    } finally {
      await proxy.close();
    }
  });

  test('409 race: simultaneous create or update — exactly one wins', async () => {
    for (let round = 0; round < 5; round++) {
      const name = `race-${round}`;
      const a = contender(client, name, 'a');
      const b = contender(client, name, 'b');
      // Creation race (no Lease yet): one create wins, the other gets AlreadyExists.
      const created = await Promise.all([a.holder.tryAcquireOrRenew(), b.holder.tryAcquireOrRenew()]);
      assert.equal(created.filter(Boolean).length, 1, `create round ${round}: ${created}`);
      // Free the Lease, then both race on the same resourceVersion: one PUT gets 409.
      const cur = await client.get<Lease>(Resources.Lease, name, NS);
      await client.replace<Lease>(Resources.Lease, { ...cur, spec: { ...cur.spec, holderIdentity: '' } });
      const updated = await Promise.all([a.holder.tryAcquireOrRenew(), b.holder.tryAcquireOrRenew()]);
      assert.equal(updated.filter(Boolean).length, 1, `update round ${round}: ${updated}`);
      const now = await client.get<Lease>(Resources.Lease, name, NS);
      const winner = updated[0] ? a : b;
      assert.equal(now.spec.holderIdentity, winner === a ? 'a' : 'b');
      assert.deepEqual(
        [a, b].filter((t) => t.holder.isLeader()),
        [winner],
        'the loser of the 409 race is not leader',
      );
      await a.holder.stop({ release: false });
      await b.holder.stop({ release: false });
    }
  });

  test('a foreign holder is respected until its record has been unchanged for the lease duration', async () => {
    const name = 'elect-3';
    await client.create(Resources.Lease, {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name, namespace: NS },
      spec: { holderIdentity: 'ghost', leaseDurationSeconds: 1, renewTime: '2000-01-01T00:00:00.000000Z' },
    });
    const a = contender(client, name, 'replica-a');
    const t0 = performance.now();
    a.holder.start();
    await until(() => a.holder.isLeader(), 'takeover of the abandoned Lease');
    // A renewTime from the distant past is not trusted: we waited ~leaseDuration on our own clock.
    assert.ok(performance.now() - t0 >= 900, `waited ${(performance.now() - t0).toFixed(0)} ms`);
    await a.holder.stop();
  });

  test('liveness Leases carry labels; loss is judged on the injected monotonic clock', async () => {
    let fake = 0;
    const t = contender(client, 'alive-node1', 'node1', {
      labels: { 'app.kubernetes.io/component': 'liveness' },
      clock: { ...systemClock, monotonic: () => fake },
    });
    assert.equal(await t.holder.tryAcquireOrRenew(), true);
    const l = await client.get<Lease>(Resources.Lease, 'alive-node1', NS);
    assert.equal(l.metadata.labels?.['app.kubernetes.io/component'], 'liveness');
    assert.equal(t.holder.isLeader(), true);
    fake += FAST.renewDeadlineMs - 1;
    assert.equal(t.holder.isLeader(), true);
    assert.equal(t.holder.remainingMs(), 1);
    fake += 2;
    assert.equal(t.holder.isLeader(), false, 'not leader once renewDeadline passed without a renew');
    await t.holder.stop({ release: false });
    assert.throws(
      () =>
        new LeaseHolder({
          client,
          namespace: NS,
          name: 'x',
          identity: 'y',
          leaseDurationSeconds: 1,
          renewDeadlineMs: 1000,
        }),
      /renewDeadline/,
    );
  });
});
