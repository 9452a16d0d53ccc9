// The address guard's decisions on a fake clock: probe before the first answer, refuse on any stranger,
// back off between re-probes, never answer a reserved address, defend against probes once answering.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AddressGuard } from '../../../src/layer2/guard/guard.ts';
import type { GuardConfig, GuardStep } from '../../../src/layer2/guard/types.ts';

const CFG: GuardConfig = {
  probeWaitMs: 300,
  takeoverProbeWaitMs: 50,
  probeCount: 2,
  retryInitialMs: 2000,
  retryMaxMs: 60_000,
};
const IP = '10.99.0.1';
const MAC = '52:54:00:00:00:01';
const NONE = new Map<string, string>();

/** Runs step() at every wake-up up to `until`, collecting what happened. */
function runUntil(
  g: AddressGuard,
  from: number,
  until: number,
): { steps: { at: number; s: GuardStep }[]; now: number } {
  const steps: { at: number; s: GuardStep }[] = [];
  let now = from;
  for (let i = 0; i < 1000; i++) {
    const s = g.step(now);
    steps.push({ at: now, s });
    if (s.wakeAt === undefined || s.wakeAt > until) break;
    now = Math.max(now, s.wakeAt);
  }
  return { steps, now };
}

const all = (steps: { s: GuardStep }[], k: 'probe' | 'announce' | 'stopped' | 'resolved'): string[] =>
  steps.flatMap((x) => x.s[k]);

/** A guard that refused IP (a stranger answered its probe at 1 ms), then lost the IP at 100 ms. */
function refusedThenLost(): AddressGuard {
  const g = new AddressGuard(CFG);
  g.sync(0, [IP], NONE, () => false);
  g.step(0);
  g.claim(1, IP, MAC, 'arp-reply');
  g.step(1);
  g.sync(100, [], NONE, () => false);
  return g;
}

describe('AddressGuard', () => {
  it('probes twice over the window, then answers and announces; nothing is answered before', () => {
    const g = new AddressGuard(CFG);
    g.sync(0, [IP], NONE, () => false);
    const first = g.step(0);
    assert.deepEqual([first.probe, first.announce, first.wakeAt], [[IP], [], 150]);
    assert.equal(g.isActive(IP), false);
    assert.deepEqual(g.watched(), [IP]);
    const mid = g.step(150);
    assert.deepEqual([mid.probe, mid.announce, mid.wakeAt], [[IP], [], 300]);
    assert.deepEqual(g.step(299).announce, []);
    const done = g.step(300);
    assert.deepEqual([done.announce, done.wakeAt], [[IP], undefined]);
    assert.equal(g.isActive(IP), true);
    assert.deepEqual([g.active(), g.watched()], [[IP], []]);
  });

  it('a takeover from a replica that answered the IP uses the short window', () => {
    const g = new AddressGuard(CFG);
    g.sync(0, [IP], NONE, () => true);
    const { steps } = runUntil(g, 0, 1000);
    const when = steps.find((x) => x.s.announce.includes(IP))?.at;
    assert.equal(when, 50);
    assert.equal(all(steps, 'probe').length, 2);
  });

  it('a late step sends one probe and still listens one spacing after it', () => {
    const g = new AddressGuard(CFG);
    g.sync(0, [IP], NONE, () => false);
    // the process was stalled: the first step comes after the whole window
    const s = g.step(1000);
    assert.deepEqual([s.probe, s.announce], [[IP], []]);
    const s2 = g.step(1000);
    assert.deepEqual([s2.probe, s2.announce, s2.wakeAt], [[IP], [], 1150]);
    assert.deepEqual(g.step(1150).announce, [IP]);
  });

  it('an answer during the window refuses the IP; re-probes back off (2 s, 4 s, 8 s …, capped) while the host stays', () => {
    const g = new AddressGuard(CFG);
    g.sync(0, [IP], NONE, () => false);
    g.step(0);
    assert.equal(g.claim(1, IP, MAC, 'arp-reply'), 'refused');
    const s = g.step(1);
    assert.deepEqual(
      s.refused.map((r) => [r.ip, r.cause, r.mac, r.kind, r.attempts, r.retryAt]),
      [[IP, 'conflict', MAC, 'arp-reply', 1, 2001]],
    );
    assert.equal(s.wakeAt, 2001);
    assert.equal(g.isActive(IP), false);
    assert.deepEqual(g.watched(), [IP]);
    // each re-probe meets the host again
    let now = 2001;
    const delays: number[] = [];
    for (let i = 0; i < 7; i++) {
      const r = g.step(now);
      assert.deepEqual(r.probe, [IP], `re-probe ${i}`);
      assert.equal(g.claim(now + 1, IP, MAC, 'arp-reply'), 'refused');
      const ref = g.step(now + 1).refused[0];
      assert.ok(ref);
      delays.push((ref.retryAt ?? 0) - (now + 1));
      now = ref.retryAt ?? 0;
    }
    assert.deepEqual(delays, [4000, 8000, 16_000, 32_000, 60_000, 60_000, 60_000]);
    assert.ok(g.refusals().has(IP));
  });

  it('signs of the host while refused push the re-probe out; once it is gone the IP is answered and the refusal resolved', () => {
    const g = new AddressGuard(CFG);
    g.sync(0, [IP], NONE, () => false);
    g.step(0);
    g.claim(10, IP, MAC, 'arp-reply');
    g.step(10);
    assert.equal(g.claim(1500, IP, MAC, 'arp-request'), 'postponed');
    assert.equal(g.step(1500).wakeAt, 3500);
    assert.deepEqual(g.step(2010).probe, []);
    const { steps } = runUntil(g, 3500, 10_000);
    assert.deepEqual(all(steps, 'resolved'), [IP]);
    assert.deepEqual(all(steps, 'announce'), [IP]);
    assert.equal(g.refusals().size, 0);
  });

  it('a stranger claiming an answered IP stops the answers at once; a probe for it is defended instead', () => {
    const g = new AddressGuard(CFG);
    g.sync(0, [IP], NONE, () => true);
    runUntil(g, 0, 100);
    assert.equal(g.isActive(IP), true);
    assert.equal(g.claim(200, IP, MAC, 'arp-probe'), 'defended');
    assert.equal(g.claim(200, IP, MAC, 'dad'), 'defended');
    assert.equal(g.isActive(IP), true);
    assert.equal(g.claim(300, IP, MAC, 'garp'), 'refused');
    assert.equal(g.isActive(IP), false);
    const s = g.step(300);
    assert.deepEqual([s.stopped, s.refused.map((r) => r.kind)], [[IP], ['garp']]);
  });

  it("while probing, another host's probe for the same IP is a conflict (both want it)", () => {
    const g = new AddressGuard(CFG);
    g.sync(0, [IP], NONE, () => false);
    g.step(0);
    assert.equal(g.claim(20, IP, MAC, 'dad'), 'refused');
  });

  it('a reserved IP is refused without a probe, and probed like a new one once no longer reserved', () => {
    const g = new AddressGuard(CFG);
    const why = 'it is the default gateway of node n1 (via eth0)';
    g.sync(0, [IP], new Map([[IP, why]]), () => true);
    const s = g.step(0);
    assert.deepEqual([s.probe, s.refused.map((r) => [r.cause, r.detail])], [[], [['reserved', why]]]);
    assert.equal(s.wakeAt, undefined);
    assert.equal(g.claim(5, IP, MAC, 'arp-reply'), 'ignored');
    g.sync(10, [IP], new Map([[IP, why]]), () => true);
    assert.deepEqual(g.step(10).refused, [], 'reported once');
    g.sync(20, [IP], NONE, () => true);
    const { steps } = runUntil(g, 20, 5000);
    assert.deepEqual(all(steps, 'probe'), [IP, IP]);
    assert.equal(
      steps.find((x) => x.s.announce.length > 0)?.at,
      320,
      'the full window, not the takeover one',
    );
    assert.deepEqual(all(steps, 'resolved'), [IP]);
  });

  it('an answered IP that becomes reserved stops at once', () => {
    const g = new AddressGuard(CFG);
    g.sync(0, [IP], NONE, () => true);
    runUntil(g, 0, 100);
    g.sync(200, [IP], new Map([[IP, 'it is the InternalIP of Node n2']]), () => true);
    assert.equal(g.isActive(IP), false);
    assert.deepEqual(g.step(200).stopped, [IP]);
  });

  it('losing the IP forgets it (a stopped answer); coming back soon keeps the backoff count', () => {
    const g = refusedThenLost();
    assert.deepEqual([g.watched(), g.active(), g.refusals().size], [[], [], 0]);
    g.sync(200, [IP], NONE, () => false);
    g.step(200);
    g.claim(201, IP, MAC, 'arp-reply');
    assert.equal(g.step(201).refused[0]?.attempts, 2);
  });

  it('a refused IP lost and regained soon stays refused while re-probed, and answering it reports the refusal resolved', () => {
    const g = refusedThenLost();
    g.sync(200, [IP], NONE, () => false);
    assert.equal(g.refusals().get(IP)?.mac, MAC, 'still refused while the re-probe runs');
    const { steps } = runUntil(g, 200, 5000);
    assert.deepEqual(all(steps, 'announce'), [IP]);
    assert.deepEqual(all(steps, 'resolved'), [IP]);
    assert.equal(g.refusals().size, 0);
  });

  it('a refused IP regained only after the memory expired starts clean (nothing to resolve)', () => {
    const g = refusedThenLost();
    const back = 100 + CFG.retryMaxMs;
    g.sync(back, [IP], NONE, () => false);
    assert.equal(g.refusals().size, 0);
    const { steps } = runUntil(g, back, back + 5000);
    assert.deepEqual([all(steps, 'announce'), all(steps, 'resolved')], [[IP], []]);
  });

  it('a probe that could not be sent does not count: the window starts over', () => {
    const g = new AddressGuard(CFG);
    g.sync(0, [IP], NONE, () => false);
    assert.deepEqual(g.step(0).probe, [IP]);
    g.probeNotSent(IP, 0);
    const s = g.step(0);
    assert.deepEqual([s.probe, s.announce, s.wakeAt], [[], [], 300]);
    const { steps } = runUntil(g, 300, 5000);
    assert.deepEqual(all(steps, 'probe'), [IP, IP]);
    assert.equal(steps.find((x) => x.s.announce.length > 0)?.at, 600);
  });

  it('probe wait 0 switches probing off', () => {
    const g = new AddressGuard({ ...CFG, probeWaitMs: 0 });
    g.sync(0, [IP], NONE, () => false);
    const s = g.step(0);
    assert.deepEqual([s.probe, s.announce], [[], [IP]]);
  });

  it('rejects retry delays that make no sense', () => {
    assert.throws(() => new AddressGuard({ ...CFG, retryInitialMs: 0 }), /retry delays/);
    assert.throws(() => new AddressGuard({ ...CFG, retryMaxMs: 100 }), /retry delays/);
  });
});
