import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { waitFor, type Lab } from '../lab/index.ts';
import { kubectlOpenelb } from '../lab/plugin.ts';
import { ANNOTATION_ANNOUNCED } from '../../src/api/announced.ts';
import type { ServiceStatus } from '../../src/cli/status.ts';
import { createService, getJson, upBgpLab, waitReady } from './bgp-lab.ts';

// Issue 15 item 4: every replica publishes, per Service it carries, whether its gobgpd holds the
// Service's path in each peer's adj-RIB-out; `kubectl openelb status` (the real plugin, found by
// kubectl on PATH) shows it. Killing one replica's gobgpd turns that replica's row to "no" within
// 5 s; gobgpd back → "yes" again. A manager killed without drain: its rows, then its BgpConf/BgpPeer
// status entries, are removed once its endpoint has been gone --replica-gone-after, and the plugin
// no longer lists its session. Real gobgpd per node, BIRD as the router.

const IP = '198.51.100.20';
const KILL_DEADLINE_MS = 5_000;
const GONE_AFTER = '--replica-gone-after=3s';

type Advertised = Record<string, boolean | null>;

describe('per-Service truth: the announced summary and kubectl openelb status', () => {
  let lab: Lab;
  before(async () => {
    // node1 removes a gone replica's rows 3 s after its manager endpoint disappears (default 2 min)
    lab = await upBgpLab({ routers: [{ kind: 'bird' }], extraManagerArgs: () => [GONE_AFTER] });
  });
  after(async () => {
    await lab?.down();
  });

  const quiet = (): void => undefined;

  /** replica → ADVERTISED towards router1, as `kubectl openelb status web -o json` prints it. */
  async function advertised(): Promise<Advertised> {
    const r = await kubectlOpenelb(lab, quiet, ['status', 'web', '-n', 'demo', '-o', 'json']);
    if (r.code !== 0) throw new Error(`kubectl openelb status failed (${r.code}): ${r.output}`);
    // stdout then stderr: a warning (if any) follows the JSON document
    const parsed = JSON.parse(r.output.slice(0, r.output.lastIndexOf('}') + 1)) as { items: ServiceStatus[] };
    const status = parsed.items[0];
    const out: Advertised = {};
    for (const row of status?.bgp ?? []) if (row.peer === 'router1') out[row.replica] = row.advertised;
    return out;
  }

  it('both replicas publish their path in router1’s adj-RIB-out; the plugin shows yes for both', async (t) => {
    const [n1, n2] = lab.nodes;
    assert.ok(n1 && n2);
    const t0 = performance.now();
    await createService(lab, { name: 'web', ip: IP });
    await lab.waitNextHops(IP, [n1.ipv4, n2.ipv4], 20_000);
    type Svc = { metadata: { annotations?: Record<string, string> } };
    const summary = await waitFor(
      async () => {
        const raw = (await getJson<Svc>(lab, 'service', 'web', 'demo')).metadata.annotations?.[
          ANNOTATION_ANNOUNCED
        ];
        const v =
          raw === undefined ? undefined : (JSON.parse(raw) as Record<string, Record<string, boolean>>);
        return v?.node1?.router1 === true && v.node2?.router1 === true ? raw : undefined;
      },
      20_000,
      { what: `${ANNOTATION_ANNOUNCED} with both replicas true`, intervalMs: 200 },
    );
    t.diagnostic(
      `annotation ${summary} ${(performance.now() - t0).toFixed(0)} ms after the Service was created`,
    );
    assert.deepEqual(JSON.parse(summary), { node1: { router1: true }, node2: { router1: true } });

    const lines: string[] = [];
    const table = await kubectlOpenelb(lab, (l) => lines.push(l ?? ''), ['status', 'web', '-n', 'demo']);
    for (const l of lines.join('\n').split('\n')) t.diagnostic(l);
    assert.equal(table.code, 0);
    assert.match(table.output, /node1\s+router1\s+ESTABLISHED\s+yes/);
    assert.match(table.output, /node2\s+router1\s+ESTABLISHED\s+yes/);
  });

  it('node2’s gobgpd killed → its path shows missing within 5 s; gobgpd back → yes again', async (t) => {
    const proc = lab.gobgpdProc('node2');
    assert.ok(proc?.running);
    t.diagnostic(`killing gobgpd in node2 (pid ${proc.pid})`);
    const t0 = performance.now();
    await lab.stopGobgpd('node2', 'SIGKILL');
    const seen = await waitFor(
      async () => {
        const a = await advertised();
        return a.node2 === false ? a : undefined;
      },
      KILL_DEADLINE_MS,
      { what: 'kubectl openelb status: node2 → router1 not advertised', intervalMs: 50 },
    );
    t.diagnostic(
      `gobgpd killed → status shows node2's path missing after ${(performance.now() - t0).toFixed(0)} ms`,
    );
    assert.equal(seen.node1, true, 'node1 still advertises');

    const lines: string[] = [];
    await kubectlOpenelb(lab, (l) => lines.push(l ?? ''), ['status', 'web', '-n', 'demo']);
    for (const l of lines.join('\n').split('\n')) t.diagnostic(l);
    assert.match(lines.join('\n'), /node2\s+router1\s+\S+\s+no/);
    assert.match(lines.join('\n'), /node1\s+router1\s+ESTABLISHED\s+yes/);

    const t1 = performance.now();
    await lab.startGobgpd('node2');
    await waitFor(
      async () => {
        const a = await advertised();
        return a.node1 === true && a.node2 === true;
      },
      60_000,
      { what: 'both replicas advertised again', intervalMs: 200 },
    );
    t.diagnostic(
      `gobgpd restarted → status shows yes for node2 again after ${(performance.now() - t1).toFixed(0)} ms`,
    );
  });

  it('node2’s gobgpd hung (SIGSTOP) reads as gone: its path shows missing; SIGCONT → yes again', async (t) => {
    const proc = lab.gobgpdProc('node2');
    assert.ok(proc?.running);
    const t0 = performance.now();
    proc.signal('SIGSTOP');
    try {
      await waitFor(async () => (await advertised()).node2 === false, 30_000, {
        what: 'node2 → router1 not advertised while its gobgpd is stopped',
        intervalMs: 200,
      });
      t.diagnostic(`gobgpd stopped → node2's path missing after ${(performance.now() - t0).toFixed(0)} ms`);
    } finally {
      proc.signal('SIGCONT');
    }
    await waitFor(
      async () => {
        const a = await advertised();
        return a.node1 === true && a.node2 === true;
      },
      60_000,
      { what: 'both replicas advertised again after SIGCONT', intervalMs: 200 },
    );
  });

  it('node2’s manager drained (SIGTERM): its rows and its status entries are removed after the withdrawal', async (t) => {
    const m = lab.managerProcs('node2').at(-1);
    assert.ok(m?.running);
    const t0 = performance.now();
    await m.stop('SIGTERM', 20_000);
    type Svc = { metadata: { annotations?: Record<string, string> } };
    const raw = await waitFor(
      async () => {
        const v = (await getJson<Svc>(lab, 'service', 'web', 'demo')).metadata.annotations?.[
          ANNOTATION_ANNOUNCED
        ];
        return v !== undefined && !('node2' in (JSON.parse(v) as object)) ? v : undefined;
      },
      10_000,
      { what: "node2's row gone from the annotation", intervalMs: 200 },
    );
    t.diagnostic(`SIGTERM → manager exited, annotation ${raw} (${(performance.now() - t0).toFixed(0)} ms)`);
    assert.deepEqual(JSON.parse(raw), { node1: { router1: true } });
    // the drained replica removed its own BgpConf/BgpPeer status entries before it exited (not the
    // departed-replica cleanup, which would say so in node1's log only after the grace)
    assert.match(m.output(), /drain: removed this node's BgpConf\/BgpPeer status entries/);
    type WithStatus = { status?: { nodesPeerStatus?: object; nodesConfStatus?: object } };
    const peer = await getJson<WithStatus>(lab, 'bgppeer', 'router1');
    const conf = await getJson<WithStatus>(lab, 'bgpconf', 'default');
    assert.deepEqual(Object.keys(peer.status?.nodesPeerStatus ?? {}), ['node1']);
    assert.deepEqual(Object.keys(conf.status?.nodesConfStatus ?? {}), ['node1']);
  });

  it('node2’s manager killed (no drain): its rows and status entries are removed once its endpoint has been gone 3 s; the plugin says so before', async (t) => {
    lab.startManager('node2');
    await waitReady(lab, 'node2');
    type Svc = { metadata: { annotations?: Record<string, string> } };
    const rows = async (): Promise<Record<string, unknown>> => {
      const v = (await getJson<Svc>(lab, 'service', 'web', 'demo')).metadata.annotations?.[
        ANNOTATION_ANNOUNCED
      ];
      return v === undefined ? {} : (JSON.parse(v) as Record<string, unknown>);
    };
    await waitFor(async () => ('node2' in (await rows()) ? true : undefined), 20_000, {
      what: "node2's row back after its restart",
      intervalMs: 200,
    });
    const m = lab.managerProcs('node2').at(-1);
    assert.ok(m?.running);
    const t0 = performance.now();
    await m.stop('SIGKILL', 10_000);
    // at once: no serving manager on node2, so what it published last is not shown as news
    const shown = await waitFor(
      async () => {
        const r = await kubectlOpenelb(lab, quiet, ['status', 'web', '-n', 'demo']);
        return /node2 \(no manager\)\s+router1\s+\S+\s+\?/.test(r.output) ? r.output : undefined;
      },
      10_000,
      { what: "kubectl openelb status: 'node2 (no manager)' with ADVERTISED ?", intervalMs: 200 },
    );
    for (const l of shown.split('\n')) t.diagnostic(l);
    const left = await waitFor(
      async () => (!('node2' in (await rows())) ? await rows() : undefined),
      30_000,
      {
        what: "node2's row removed by node1",
        intervalMs: 250,
      },
    );
    t.diagnostic(`SIGKILL → node2's rows removed by node1 after ${(performance.now() - t0).toFixed(0)} ms`);
    assert.deepEqual(left, { node1: { router1: true } });

    // its BgpConf/BgpPeer status entries go too (removed by the allocator Lease holder: node1 now)
    type WithStatus = { status?: { nodesPeerStatus?: object; nodesConfStatus?: object } };
    const statusNodes = async (): Promise<string[]> => {
      const peer = await getJson<WithStatus>(lab, 'bgppeer', 'router1');
      const conf = await getJson<WithStatus>(lab, 'bgpconf', 'default');
      return [
        ...Object.keys(peer.status?.nodesPeerStatus ?? {}).map((n) => `peer:${n}`),
        ...Object.keys(conf.status?.nodesConfStatus ?? {}).map((n) => `conf:${n}`),
      ].sort();
    };
    const entries = await waitFor(
      async () => {
        const nodes = await statusNodes();
        return nodes.some((n) => n.endsWith(':node2')) ? undefined : nodes;
      },
      60_000,
      { what: "node2's nodesPeerStatus/nodesConfStatus entries removed", intervalMs: 250 },
    );
    t.diagnostic(`SIGKILL → node2's status entries removed after ${(performance.now() - t0).toFixed(0)} ms`);
    assert.deepEqual(entries, ['conf:node1', 'peer:node1']);
    const lines: string[] = [];
    const table = await kubectlOpenelb(lab, (l) => lines.push(l ?? ''), ['status', 'web', '-n', 'demo']);
    for (const l of lines.join('\n').split('\n')) t.diagnostic(l);
    assert.equal(table.code, 0);
    assert.match(table.output, /node1\s+router1\s+ESTABLISHED\s+yes/);
    assert.doesNotMatch(table.output, /node2/, 'no session row of the departed node');
  });
});
