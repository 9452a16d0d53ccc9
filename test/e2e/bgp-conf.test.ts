import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sleep, waitFor, type Lab } from '../lab/index.ts';
import {
  apply,
  createService,
  getJson,
  NODE_ASN,
  peerFor,
  sessionsOf,
  upBgpLab,
  waitEvent,
} from './bgp-lab.ts';

// Every BgpConf field class does what docs/bgp.md (and GLOBAL_FIELD_CLASSES) say, and no more:
//  live       spec.policy — nothing resets (a warning Event says it is ignored)
//  peer-reset spec.families — only the sessions that use the default (router2's BgpPeer lists no
//             afiSafis) reset; router1's BgpPeer lists its own and keeps its session
//  restart    spec.routerId — every session of every node resets, and routes come back

const IP = '198.51.100.60';
type Sessions = Map<string, Map<string, { state: string; since: number; flops: number }>>;

describe('bgp BgpConf field classes', () => {
  let lab: Lab;
  let r1: string;
  let r2: string;
  const conf = (spec: Record<string, unknown>) => ({
    apiVersion: 'network.kubesphere.io/v1alpha2',
    kind: 'BgpConf',
    metadata: { name: 'default' },
    spec: { as: NODE_ASN, listenPort: 1790, ...spec },
  });
  const snapshot = async (): Promise<Sessions> =>
    new Map(await Promise.all(lab.nodes.map(async (n) => [n.name, await sessionsOf(lab, n.name)] as const)));
  const resets = (a: Sessions, b: Sessions): string[] => {
    const out: string[] = [];
    for (const [node, m] of a)
      for (const [addr, s] of m) {
        const now = b.get(node)?.get(addr);
        if (!now || now.flops !== s.flops || now.since !== s.since) out.push(`${node}→${addr}`);
      }
    return out.sort();
  };
  const allEstablished = async (): Promise<boolean> => {
    for (const m of (await snapshot()).values())
      for (const s of m.values()) if (s.state !== 'ESTABLISHED') return false;
    return true;
  };

  before(async () => {
    lab = await upBgpLab({
      routers: [{ kind: 'bird' }, { kind: 'bird' }],
      peers: (l) => [peerFor(l, 1), peerFor(l, 2, { afiSafis: [] })],
    });
    r1 = lab.router(1).plan.ipv4;
    r2 = lab.router(2).plan.ipv4;
    await createService(lab, { name: 'web', ip: IP });
    await lab.waitNextHops(
      IP,
      lab.nodes.map((n) => n.ipv4),
      20_000,
    );
    await waitFor(allEstablished, 20_000, { what: 'all sessions Established' });
  });
  after(async () => {
    await lab?.down();
  });

  it('live: spec.policy resets nothing (ignored, with a warning Event)', async () => {
    const before = await snapshot();
    await apply(lab, conf({ policy: 'my-gobgp-policy' }));
    await waitEvent(lab, 'PolicyIgnored', 'default');
    await sleep(1500);
    assert.deepEqual(resets(before, await snapshot()), []);
  });

  it('a BgpConf not named default is ignored and says so in its Valid condition', async () => {
    await apply(lab, {
      apiVersion: 'network.kubesphere.io/v1alpha2',
      kind: 'BgpConf',
      metadata: { name: 'not-default' },
      spec: { as: 65010 },
    });
    type Conds = { status?: { conditions?: { type: string; status: string; reason: string }[] } };
    const end = performance.now() + 20_000;
    let valid: { status: string; reason: string } | undefined;
    while (performance.now() < end && !valid) {
      valid = (await getJson<Conds>(lab, 'bgpconf', 'not-default')).status?.conditions?.find(
        (c) => c.type === 'Valid',
      );
      if (!valid) await sleep(250);
    }
    assert.deepEqual(valid && { status: valid.status, reason: valid.reason }, {
      status: 'False',
      reason: 'NotDefault',
    });
  });

  it('peer-reset: spec.families resets only the sessions that take the default', async () => {
    const before = await snapshot();
    await apply(lab, conf({ policy: 'my-gobgp-policy', families: [65537, 131073] }));
    await waitFor(
      async () => resets(before, await snapshot()).length === 2 && (await allEstablished()),
      20_000,
      { what: 'router2 sessions reset and back', intervalMs: 100 },
    );
    await sleep(1500);
    assert.deepEqual(resets(before, await snapshot()), [`node1→${r2}`, `node2→${r2}`]);
    await lab.waitNextHops(
      IP,
      lab.nodes.map((n) => n.ipv4),
      20_000,
      1,
    );
  });

  it('restart: spec.routerId restarts BGP on every node; routes come back; shared router id warned', async (t) => {
    const before = await snapshot();
    const t0 = performance.now();
    await apply(lab, conf({ families: [65537, 131073], routerId: '10.99.0.250' }));
    await waitEvent(lab, 'SharedRouterId', 'default');
    await waitFor(
      async () => resets(before, await snapshot()).length === 4 && (await allEstablished()),
      30_000,
      { what: 'every session reset and back', intervalMs: 100 },
    );
    for (const r of [1, 2])
      await lab.waitNextHops(
        IP,
        lab.nodes.map((n) => n.ipv4),
        20_000,
        r,
      );
    t.diagnostic(
      `routerId edit → all sessions back and routes re-announced in ${(performance.now() - t0).toFixed(0)} ms`,
    );
    assert.deepEqual(resets(before, await snapshot()), [
      `node1→${r1}`,
      `node1→${r2}`,
      `node2→${r1}`,
      `node2→${r2}`,
    ]);
    type Conf = { status?: { nodesConfStatus?: Record<string, { routerId?: string }> } };
    await waitFor(
      async () =>
        (await getJson<Conf>(lab, 'bgpconf', 'default')).status?.nodesConfStatus?.node1?.routerId ===
        '10.99.0.250',
      10_000,
      { what: 'status routerId', intervalMs: 200 },
    );
  });
});
