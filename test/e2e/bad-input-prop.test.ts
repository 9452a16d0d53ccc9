// Property test for bad input (issue 12, item 7). For every field of Eip, BgpConf and BgpPeer and for
// the Service annotations and fields openelb-ts reads, fast-check draws invalid values — wrong types,
// out-of-range numbers, malformed addresses and pools (/33, reversed ranges, 0.0.0.0/0, zone
// indexes, prefixes where an address is wanted, shell characters), overlapping and duplicate pools, a
// second default pool — and applies each as an edit of a baseline object or as a new object, then
// reverts or deletes it. A running manager pair (2 nodes, a BIRD router, bgp and layer2 pools, both
// speakers on) must take every one with nothing else changing: both replicas running and ready, no
// BGP session reset, the router's next hops unchanged, one replica answering ARP for the layer2
// Service, every baseline Service on its address, the pools' allocation records unchanged, no
// address given twice. A stored invalid object says why: Valid=False naming the field (BgpConf and
// BgpPeer also lastError per node, an InvalidSpec Event and a log line); a Service the allocator
// cannot serve gets a Warning Event and no address.
//
// Phase "webhook off": the objects are stored as sent; the manager's entry check stands alone.
// Phase "webhook on": the same draws (same seed) must be denied by kubectl naming the field; some
// edits are stored with the webhook off first and then edited again (the ratchet lets an unrelated
// edit through with a warning) — the invariants hold for those too.
//
// Replay or widen: OE_BAD_INPUT_SEED=<n> OE_BAD_INPUT_RUNS=<rounds per phase> (one round = one case per
// catalogue entry). The seed and the case counts are printed as test diagnostics.
import { after, before, describe, it, type TestContext } from 'node:test';
import fc from 'fast-check';
import { ANNOTATION_DEFAULT_EIP } from '../../src/api/names.ts';
import { waitFor, type Lab } from '../lab/index.ts';
import {
  apply,
  createService,
  eip,
  getJson,
  peerFor,
  POOL4,
  POOL6,
  service,
  sessionsOf,
  upBgpLab,
  NODE_ASN,
} from './bgp-lab.ts';
import { BASE, CATALOGUE, round, type CaseDraft, type Obj } from './bad-input/cases.ts';
import { takeBaseline, type Baseline } from './bad-input/invariants.ts';
import { markEventsSeen, runCase, type PhaseContext, type Verdict } from './bad-input/run-case.ts';
import { webhookSwitch } from './bad-input/webhook-switch.ts';

const SEED = Number(process.env.OE_BAD_INPUT_SEED ?? 20261207);
const RUNS = Number(process.env.OE_BAD_INPUT_RUNS ?? 1);
const L2_POOL = { name: BASE.l2pool, address: '10.99.0.200-10.99.0.230' };
const IPS = { web: '198.51.100.70', web6: '2001:db8:100::20', l2: '10.99.0.201' };

describe('bad input: a property test over every field, webhook off and on', { timeout: 900_000 }, () => {
  const sw = webhookSwitch();
  let lab: Lab;
  let base: Baseline;
  const manifests = new Map<string, Obj>();
  const taken = { newService: IPS.web, editService: '' };
  /** what phase "off" did with each draw, for phase "on" (same seed, same draws) */
  const offVerdicts: Verdict[] = [];

  before(async () => {
    lab = await upBgpLab({
      extraManagerArgs: () => [...sw.managerArgs, '--enable-layer2', 'true'],
      desc: sw.labDesc,
    });
    const conf = {
      apiVersion: 'network.kubesphere.io/v1alpha2',
      kind: 'BgpConf',
      metadata: { name: 'default' },
      spec: { as: NODE_ASN, listenPort: 1790 },
    };
    const pool6 = eip(POOL6);
    (pool6['metadata'] as Obj)['annotations'] = { [ANNOTATION_DEFAULT_EIP]: 'true' };
    const l2 = {
      apiVersion: 'network.kubesphere.io/v1alpha2',
      kind: 'Eip',
      metadata: { name: L2_POOL.name },
      spec: { address: L2_POOL.address, protocol: 'layer2' },
    };
    await apply(lab, pool6, l2);
    const web = service({ name: BASE.svcExplicit, ip: IPS.web });
    await createService(lab, { name: BASE.svcExplicit, ip: IPS.web });
    await createService(lab, { name: 'web6', ip: IPS.web6 });
    await createService(lab, { name: 'l2web', ip: IPS.l2, pool: L2_POOL.name });
    // one address the allocator picks itself
    const auto = service({ name: BASE.svcAuto, ip: '' });
    delete ((auto['metadata'] as Obj)['annotations'] as Record<string, string>)[
      'eip.openelb.kubesphere.io/v1alpha1'
    ];
    await apply(lab, auto);
    taken.editService = await waitFor(
      async () => {
        const s = await getJson<{ status?: { loadBalancer?: { ingress?: { ip?: string }[] } } }>(
          lab,
          'service',
          BASE.svcAuto,
          BASE.svcNs,
        );
        return s.status?.loadBalancer?.ingress?.[0]?.ip;
      },
      20_000,
      { what: 'an address for the automatic Service', intervalMs: 100 },
    );
    for (const ip of [IPS.web, taken.editService])
      await lab.waitNextHops(
        ip,
        lab.nodes.map((n) => n.ipv4),
        20_000,
      );
    await waitFor(
      async () => {
        for (const n of lab.nodes)
          for (const s of (await sessionsOf(lab, n.name)).values())
            if (s.state !== 'ESTABLISHED') return false;
        return true;
      },
      20_000,
      { what: 'all sessions Established' },
    );
    manifests.set('BgpConf/default', conf);
    manifests.set(`BgpPeer/${BASE.peer}`, peerFor(lab, 1));
    manifests.set(`Eip/${BASE.pool4}`, eip(POOL4));
    manifests.set(`Eip/${BASE.l2pool}`, l2);
    manifests.set(`Service/${BASE.svcExplicit}`, web);
    const macs = await Promise.all(lab.nodes.map((n) => lab.mac(n.role)));
    await waitFor(
      async () => (await lab.arping(IPS.l2, { count: 1, deadlineS: 2 })).macs.length === 1,
      20_000,
      { what: `one replica answering ARP for ${IPS.l2}`, intervalMs: 200 },
    );
    base = await takeBaseline(
      lab,
      [BASE.svcExplicit, 'web6', 'l2web', BASE.svcAuto].map((n) => `${BASE.svcNs}/${n}`),
      [POOL4.name, POOL6.name, L2_POOL.name],
      [IPS.web, taken.editService, IPS.web6],
      { ip: IPS.l2, macs },
    );
  });
  after(async () => {
    await lab?.down();
  });

  /** After a failed case: let the lab settle, then take what it looks like now as the baseline. */
  async function rebaseline(old: Baseline): Promise<Baseline> {
    await waitFor(
      async () => {
        for (const n of lab.nodes)
          for (const s of (await sessionsOf(lab, n.name)).values())
            if (s.state !== 'ESTABLISHED') return false;
        return true;
      },
      30_000,
      { what: 'all sessions Established again', intervalMs: 200 },
    ).catch(() => undefined);
    for (const ip of old.routes.keys())
      await lab.waitNextHops(ip, old.routes.get(ip) ?? [], 10_000).catch(() => undefined);
    return takeBaseline(lab, [...old.ingress.keys()], [...old.used.keys()], [...old.routes.keys()], old.l2);
  }

  async function phase(t: TestContext, which: 'off' | 'on'): Promise<void> {
    const ctx: PhaseContext = {
      lab,
      phase: which,
      base,
      manifests,
      takenFor: taken,
      webhook: sw,
      seenEvents: new Set(),
      ...(which === 'on' ? { offVerdicts } : {}),
    };
    await markEventsSeen(ctx);
    const counts = new Map<Verdict, number>();
    const ms = new Map<Verdict | 'failed', number>();
    const perKind = new Map<string, number>();
    let cases = 0;
    const ratchets = fc.array(
      fc.nat(3).map((n) => n === 0),
      { minLength: CATALOGUE.length, maxLength: CATALOGUE.length },
    );
    t.diagnostic(
      `seed ${SEED}, ${RUNS} round(s) of ${CATALOGUE.length} cases (replay: OE_BAD_INPUT_SEED=${SEED} OE_BAD_INPUT_RUNS=${RUNS})`,
    );
    try {
      await fc.assert(
        fc.asyncProperty(round, ratchets, async (drafts: CaseDraft[], ratchet: boolean[]) => {
          // every case of the round runs; the failures are reported together at the end of it
          const failures: string[] = [];
          for (const [i, d] of drafts.entries()) {
            const t0 = performance.now();
            try {
              const v = await runCase(ctx, d, cases, ratchet[i] === true);
              if (which === 'off') offVerdicts[cases] = v;
              counts.set(v, (counts.get(v) ?? 0) + 1);
              ms.set(v, (ms.get(v) ?? 0) + performance.now() - t0);
            } catch (e) {
              failures.push(`#${cases} ${(e as Error).message}`);
              // judge the next cases against the lab as this one left it
              ctx.base = await rebaseline(ctx.base);
            }
            cases++;
            perKind.set(d.kind, (perKind.get(d.kind) ?? 0) + 1);
          }
          if (failures.length > 0)
            throw new Error(
              `${failures.length} of ${drafts.length} cases failed:\n\n${failures.join('\n\n')}`,
            );
        }),
        { seed: SEED, numRuns: RUNS, endOnFailure: true },
      );
    } finally {
      base = ctx.base;
    }
    // case counts by outcome, with the mean time each outcome took (information, not an assertion)
    const summary = [...counts]
      .sort()
      .map(([k, n]) => `${k} ${n} (~${Math.round((ms.get(k) ?? 0) / n)} ms each)`)
      .join(', ');
    t.diagnostic(
      `webhook ${which}: ${cases} cases (${[...perKind].map(([k, n]) => `${k} ${n}`).join(', ')}): ${summary}`,
    );
  }

  it('webhook off: every invalid value is refused by the API server or stored and reported, nothing else changes', async (t) => {
    await sw.off(lab);
    await phase(t, 'off');
  });

  it('webhook on: the same values are denied naming the field; ratchet edits and Services change nothing either', async (t) => {
    await sw.on(lab);
    await phase(t, 'on');
  });
});
