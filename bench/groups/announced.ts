import type { BenchContext, BenchGroup, BenchValue } from '../types.ts';
import { summarize, round } from '../lib/stats.ts';
import { startGobgpd } from '../../test/bgp/helpers/gobgpd.ts';
import { startKubeDouble } from '../../test/kube/double.ts';
import { freePort } from '../../test/lab/free-port.ts';
import { GobgpClient } from '../../src/bgp/client/client.ts';
import { GlobalSink } from '../../src/bgp/global.ts';
import { PeersSink } from '../../src/bgp/peers.ts';
import { buildPath, FAMILY } from '../../src/bgp/path-build.ts';
import { peerStatusFromWire } from '../../src/bgp/peer-status.ts';
import { adjOutPrefixes } from '../../src/bgp/adj-out.ts';
import type { DesiredGlobal } from '../../src/bgp/types.ts';
import type { Family } from '../../src/net/ip.ts';
import { announcementsFrom } from '../../src/announce/announcements.ts';
import type { Eip } from '../../src/api/v1alpha2.ts';
import { KubeClient } from '../../src/kube/client.ts';
import { Resources } from '../../src/kube/resources.ts';
import type { Node, Service } from '../../src/kube/types.ts';
import { announcedRows, carriedPrefixes } from '../../src/controllers/bgp/announced-rows.ts';
import { AnnouncedWriter } from '../../src/controllers/bgp/announced-writer.ts';
import { decodeAnnounced, ANNOTATION_ANNOUNCED } from '../../src/api/announced.ts';

// What publishing the per-Service announced summary costs at scale: reading one peer's
// adj-RIB-out holding N paths (ours: ListPath ADJ_OUT + canonical prefix set; raw: the bare
// ListPath stream, and the global RIB's), computing N rows, and the annotation writes themselves
// against the API double (one replica alone; two replicas writing the same Services at once from
// stale views, which makes every second write fail its JSON-patch test and re-read).

const ROUNDS = 10;

function ip(i: number): string {
  return `198.18.${(i >> 8) & 0xff}.${i & 0xff}`;
}

async function timed(rounds: number, fn: () => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t = performance.now();
    await fn();
    out.push(performance.now() - t);
  }
  return out;
}

async function waitUntil(cond: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = performance.now() + ms;
  while (!(await cond())) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Two gobgpd peered over loopback (A passive on 127.0.0.1, B dials from 127.0.0.2); A holds n paths. */
async function pairWithPaths(n: number, ctx: BenchContext) {
  const a = await startGobgpd('bench-announced-a');
  const b = await startGobgpd('bench-announced-b');
  const ca = new GobgpClient({ socket: a.socket });
  const cb = new GobgpClient({ socket: b.socket });
  const [pa, pb] = [await freePort(), await freePort()];
  const ga: DesiredGlobal = {
    asn: 65001,
    routerId: '10.0.0.1',
    listenPort: pa,
    listenAddresses: ['127.0.0.1'],
    families: [],
  };
  const gb: DesiredGlobal = {
    asn: 65002,
    routerId: '10.0.0.2',
    listenPort: pb,
    listenAddresses: ['127.0.0.2'],
    families: [],
  };
  await new GlobalSink(ca).ensure(ga);
  await new GlobalSink(cb).ensure(gb);
  await new PeersSink(ca).reconcile([{ address: '127.0.0.2', peerAsn: 65002, passive: true }], ga);
  await new PeersSink(cb).reconcile(
    [{ address: '127.0.0.1', peerAsn: 65001, remotePort: pa, localAddress: '127.0.0.2', connectRetry: 1 }],
    gb,
  );
  await waitUntil(
    async () =>
      (await ca.listPeer('', false)).some((p) => peerStatusFromWire(p)?.sessionState === 'ESTABLISHED'),
    30_000,
    'the loopback session',
  );
  const wires = Array.from({ length: n }, (_, i) => buildPath({ prefix: `${ip(i)}/32`, family: 4 }).wire);
  await ca.addPathStream(wires, 1000);
  await waitUntil(async () => (await adjOutPrefixes(ca, '127.0.0.2', 4)).size === n, 60_000, 'adj-out');
  ctx.log(`gobgpd pair up, ${n} paths in the adj-RIB-out towards 127.0.0.2`);
  return {
    client: ca,
    async stop() {
      ca.close();
      cb.close();
      await a.stop();
      await b.stop();
    },
  };
}

function services(n: number): { eips: Eip[]; svcs: Service[] } {
  const svcs: Service[] = [];
  const eips: Eip[] = [];
  for (let i = 0; i < n; i++) {
    const name = `s${i}`;
    svcs.push({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace: 'bench' },
      spec: { type: 'LoadBalancer', ports: [{ port: 80, protocol: 'TCP' }] },
    });
    const k = Math.floor(i / 2500);
    let e = eips[k];
    if (!e) {
      e = {
        apiVersion: 'network.kubesphere.io/v1alpha2',
        kind: 'Eip',
        metadata: { name: `p${k}` },
        spec: { address: '198.18.0.0/16' },
        status: { used: {} },
      };
      eips[k] = e;
    }
    (e.status?.used as Record<string, string>)[ip(i)] = `bench/${name}`;
  }
  return { eips, svcs };
}

const group: BenchGroup = {
  name: 'announced',
  description:
    'per-Service announced summary: ListPath ADJ_OUT of N paths (raw ListPath beside it), N rows, and annotation writes to the API double (1 and 2 replicas)',
  async run(ctx: BenchContext): Promise<Record<string, BenchValue>> {
    const n = ctx.quick ? 1000 : 10_000;
    const writesN = ctx.quick ? 200 : 2000;
    const out: Record<string, BenchValue> = { announced_paths: n };

    const pair = await pairWithPaths(n, ctx);
    let adj = new Set<string>();
    try {
      const c = pair.client;
      const adjTable = { type: 'ADJ_OUT' as const, name: '127.0.0.2' };
      // interleaved, one warm-up round of each discarded
      const raw: number[] = [];
      const global: number[] = [];
      const ours: number[] = [];
      for (let r = 0; r <= ROUNDS; r++) {
        const [a] = await timed(1, () => c.listPath(FAMILY[4], [], adjTable));
        const [g] = await timed(1, () => c.listPath(FAMILY[4]));
        const [o] = await timed(1, async () => {
          adj = await adjOutPrefixes(c, '127.0.0.2', 4);
        });
        if (r === 0) continue;
        raw.push(a ?? NaN);
        global.push(g ?? NaN);
        ours.push(o ?? NaN);
      }
      out.announced_raw_listpath_adjout_ms = summarize(raw);
      out.announced_raw_listpath_global_ms = summarize(global);
      out.announced_adjout_ms = summarize(ours);
      ctx.log(
        `ListPath ADJ_OUT raw p50 ${out.announced_raw_listpath_adjout_ms.p50} ms, ours ${out.announced_adjout_ms.p50} ms`,
      );
    } finally {
      await pair.stop();
    }

    const { eips, svcs } = services(n);
    const byKey = new Map(svcs.map((s) => [`bench/${s.metadata.name}`, s]));
    const node: Node = {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'node1' },
      status: { conditions: [{ type: 'Ready', status: 'True' }] },
    };
    const anns = announcementsFrom(eips, (ns, name) => byKey.get(`${ns}/${name}`));
    const adjOut = new Map<Family, Set<string>>([[4, adj]]);
    out.announced_rows_ms = summarize(
      await timed(ROUNDS, async () => {
        const carried = carriedPrefixes(anns, node, []);
        const rows = announcedRows(carried, [
          { name: 'router1', families: [4], adjOut },
          { name: 'router2', families: [4], adjOut: undefined },
        ]);
        if (rows.size !== n) throw new Error(`expected ${n} rows, got ${rows.size}`);
      }),
    );

    const dbl = await startKubeDouble({});
    try {
      const client = new KubeClient(dbl.kubeConfig(), { fieldManager: 'bench-announced' });
      await client.create(Resources.Namespace, {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: 'bench' },
      });
      const created = new Map<string, Service>();
      const todo = svcs.slice(0, writesN);
      await Promise.all(
        Array.from({ length: 16 }, async () => {
          for (let s = todo.shift(); s; s = todo.shift()) {
            const c = await client.create<Service>(Resources.Service, s);
            created.set(`bench/${c.metadata.name}`, c);
          }
        }),
      );
      const stale = { get: (name: string, ns?: string) => created.get(`${ns}/${name}`) };
      const keys = [...created.keys()];
      const one = new AnnouncedWriter(client, stale, 'node1');
      const lat: number[] = [];
      const t1 = performance.now();
      for (const k of keys) {
        const t = performance.now();
        await one.write(k, { router1: true });
        lat.push(performance.now() - t);
      }
      out.announced_write_ms = summarize(lat, 2);
      out.announced_writes_per_s_1 = round(keys.length / ((performance.now() - t1) / 1000));
      // two more replicas, both from the version before node1's write: each Service's second writer
      // fails its test (or the resourceVersion test) and re-reads
      const [w2, w3] = [
        new AnnouncedWriter(client, stale, 'node2'),
        new AnnouncedWriter(client, stale, 'node3'),
      ];
      const t2 = performance.now();
      await Promise.all([
        (async () => {
          for (const k of keys) await w2.write(k, { router1: true });
        })(),
        (async () => {
          for (const k of keys) await w3.write(k, { router1: false });
        })(),
      ]);
      out.announced_writes_per_s_2_replicas_stale = round(
        (2 * keys.length) / ((performance.now() - t2) / 1000),
      );
      let complete = 0;
      for (const k of keys.slice(0, 200)) {
        const s = await client.get<Service>(Resources.Service, k.slice(6), 'bench');
        const v = decodeAnnounced(s.metadata.annotations?.[ANNOTATION_ANNOUNCED] ?? '');
        if (v.ok && Object.keys(v.value).length === 3) complete++;
      }
      if (complete !== Math.min(200, keys.length)) throw new Error(`rows lost: ${complete} complete`);
      out.announced_writes = keys.length;
      ctx.log(
        `writes: ${out.announced_writes_per_s_1}/s alone, ${out.announced_writes_per_s_2_replicas_stale}/s for 2 replicas racing from stale views (no row lost)`,
      );
    } finally {
      await dbl.close();
    }
    return out;
  },
};

export default group;
