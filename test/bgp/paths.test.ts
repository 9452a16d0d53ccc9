import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startGobgpd, type GobgpdProcess } from './helpers/gobgpd.ts';
import { CountingGobgpClient } from './helpers/calls.ts';
import { GlobalSink } from '../../src/bgp/global.ts';
import { PathsSink } from '../../src/bgp/paths.ts';
import { buildPath, FAMILY, readWirePath } from '../../src/bgp/path-build.ts';
import { BgpValidationError } from '../../src/bgp/validate.ts';
import type { DesiredPath } from '../../src/bgp/types.ts';

let gobgpd: GobgpdProcess;
let client: CountingGobgpClient;

before(async () => {
  gobgpd = await startGobgpd('bgp-paths');
  client = new CountingGobgpClient({ socket: gobgpd.socket });
  await new GlobalSink(client).ensure({
    asn: 65001,
    routerId: '10.0.0.1',
    listenPort: -1,
    listenAddresses: [],
    families: [],
  });
});
after(async () => {
  client?.close();
  await gobgpd?.stop();
});

async function table(): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const fam of [FAMILY[4], FAMILY[6]])
    for (const d of await client.listPath(fam))
      out.set(d.prefix, JSON.stringify(d.paths.map((p) => p.pattrs)));
  return out;
}

function pathCalls(c: CountingGobgpClient): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of ['AddPath', 'DeletePath', 'AddPathStream', 'ListPath'])
    if (c.calls[m]) out[m] = c.calls[m] ?? 0;
  return out;
}

const v4 = (i: number, extra: Partial<DesiredPath> = {}): DesiredPath => ({
  prefix: `198.51.100.${i}/32`,
  family: 4,
  ...extra,
});

test('validation refuses a /33 before any call', async () => {
  const c = new CountingGobgpClient({ socket: gobgpd.socket });
  try {
    const bad = buildPath(v4(1)).wire;
    await assert.rejects(c.addPath({ ...bad, nlri: { ...bad.nlri, prefix_len: 33 } }), BgpValidationError);
    await assert.rejects(c.deletePath({ ...bad, pattrs: [] }), /no next hop/);
    await assert.rejects(
      c.addPathStream([buildPath(v4(2)).wire, { ...bad, nlri: { ...bad.nlri, prefix: '198.51.100.300' } }]),
      /not an IP address/,
    );
    assert.deepEqual(c.calls, {}, 'nothing reached gobgpd');
    const sink = new PathsSink(c);
    const rejected = sink.setDesired([
      v4(1),
      { prefix: '198.51.100.1/33', family: 4 },
      { prefix: '2001:db8::1/128', family: 6, nextHop: '10.0.0.1' },
    ]);
    assert.deepEqual(
      rejected.map((r) => r.path.prefix),
      ['198.51.100.1/33', '2001:db8::1/128'],
    );
    assert.equal(sink.desiredCount, 1);
  } finally {
    c.close();
  }
});

test('no reconcile before sync: an empty desired set withdraws nothing', async () => {
  await client.addPath(buildPath(v4(200)).wire); // a path a previous manager left behind
  const c = new CountingGobgpClient({ socket: gobgpd.socket });
  try {
    const sink = new PathsSink(c);
    sink.setDesired([]);
    const r = await sink.reconcile();
    assert.equal(r.skipped, 'not-synced');
    assert.deepEqual(c.calls, {});
    assert.ok((await table()).has('198.51.100.200/32'));
  } finally {
    c.close();
  }
});

test('minimal calls: add, no-op, one attribute change, one withdrawal', async () => {
  const c = new CountingGobgpClient({ socket: gobgpd.socket });
  try {
    const sink = new PathsSink(c);
    const desired = [v4(1), v4(2), v4(3), { prefix: '2001:db8::10/128', family: 6 as const }];
    sink.setDesired(desired);
    sink.markSynced();
    let r = await sink.reconcile();
    assert.deepEqual(
      [r.added, r.withdrawn, r.listed],
      [4, 1, true],
      '4 new, the leftover 198.51.100.200 withdrawn',
    );
    assert.deepEqual(pathCalls(c), { AddPath: 4, DeletePath: 1, ListPath: 2 });
    assert.deepEqual([...(await table()).keys()].sort(), [
      '198.51.100.1/32',
      '198.51.100.2/32',
      '198.51.100.3/32',
      '2001:db8::10/128',
    ]);

    r = await sink.reconcile();
    assert.deepEqual([r.added, r.replaced, r.withdrawn, r.unchanged], [0, 0, 0, 4]);
    assert.deepEqual(pathCalls(c), { AddPath: 4, DeletePath: 1, ListPath: 2 }, 'no call at all');

    sink.setDesired([
      v4(1),
      v4(2, { communities: ['65000:7'], localPref: 150 }),
      v4(3),
      desired[3] as DesiredPath,
    ]);
    r = await sink.reconcile();
    assert.deepEqual([r.added, r.replaced, r.withdrawn], [0, 1, 0]);
    assert.deepEqual(pathCalls(c), { AddPath: 5, DeletePath: 1, ListPath: 2 });
    const t = await table();
    assert.match(t.get('198.51.100.2/32') ?? '', /"communities":\[4259840007\]/);
    assert.equal(JSON.parse(t.get('198.51.100.2/32') ?? '[]').length, 1, 'replaced, not a second path');

    sink.setDesired([v4(1), v4(2, { communities: ['65000:7'], localPref: 150 }), desired[3] as DesiredPath]);
    r = await sink.reconcile();
    assert.deepEqual([r.added, r.replaced, r.withdrawn], [0, 0, 1]);
    assert.deepEqual(pathCalls(c), { AddPath: 5, DeletePath: 2, ListPath: 2 });
    assert.equal((await table()).has('198.51.100.3/32'), false);

    // a full pass re-reads gobgpd and still finds nothing to do
    r = await sink.reconcile({ full: true });
    assert.deepEqual([r.added, r.replaced, r.withdrawn, r.unchanged, r.listed], [0, 0, 0, 3, true]);
  } finally {
    c.close();
  }
});

test('bulk changes go through one AddPathStream each way', async () => {
  const c = new CountingGobgpClient({ socket: gobgpd.socket });
  try {
    const sink = new PathsSink(c, { streamThreshold: 32 });
    const keep = [
      v4(1),
      v4(2, { communities: ['65000:7'], localPref: 150 }),
      { prefix: '2001:db8::10/128', family: 6 as const },
    ];
    const bulk = Array.from({ length: 500 }, (_, i) => ({
      prefix: `203.0.${113 + Math.floor(i / 250)}.${i % 250}/32`,
      family: 4 as const,
    }));
    sink.setDesired([...keep, ...bulk]);
    sink.markSynced();
    let r = await sink.reconcile();
    assert.deepEqual([r.added, r.unchanged], [500, 3]);
    assert.deepEqual(pathCalls(c), { AddPathStream: 1, ListPath: 2 });
    assert.equal((await table()).size, 503);
    sink.setDesired(keep);
    r = await sink.reconcile();
    assert.equal(r.withdrawn, 500);
    assert.deepEqual(pathCalls(c), { AddPathStream: 2, ListPath: 2 });
    assert.equal((await table()).size, 3);
  } finally {
    c.close();
  }
});

test('adoption: a restarted manager finds its paths in gobgpd and sends nothing', async () => {
  const before = await table();
  const c = new CountingGobgpClient({ socket: gobgpd.socket });
  try {
    const sink = new PathsSink(c);
    sink.setDesired([
      v4(1),
      v4(2, { localPref: 150, communities: ['65000:7'] }),
      { prefix: '2001:db8::10/128', family: 6 },
    ]);
    sink.markSynced();
    const r = await sink.reconcile();
    assert.deepEqual([r.added, r.replaced, r.withdrawn, r.unchanged], [0, 0, 0, 3]);
    assert.deepEqual(pathCalls(c), { ListPath: 2 });
    assert.deepEqual(await table(), before);
  } finally {
    c.close();
  }
});

test('graceful shutdown re-announces every local path in place with 65535:0, other attributes kept', async () => {
  const c = new CountingGobgpClient({ socket: gobgpd.socket });
  try {
    const sink = new PathsSink(c);
    const r = await sink.announceGracefulShutdown();
    assert.deepEqual(r, { announced: 3, refused: [] });
    assert.deepEqual(pathCalls(c), { AddPath: 3, ListPath: 2 }, 'replaced by AddPath, nothing withdrawn');
    const listed = new Map<string, ReturnType<typeof readWirePath>>();
    for (const fam of [FAMILY[4], FAMILY[6]])
      for (const d of await client.listPath(fam))
        for (const p of d.paths) listed.set(d.prefix, readWirePath(p));
    assert.deepEqual([...listed.keys()].sort(), ['198.51.100.1/32', '198.51.100.2/32', '2001:db8::10/128']);
    for (const [prefix, p] of listed) assert.ok(p?.attrs.communities.includes(0xffff0000), prefix);
    const two = listed.get('198.51.100.2/32')?.attrs;
    assert.deepEqual(two?.communities, [65000 * 65536 + 7, 0xffff0000]);
    assert.equal(two?.localPref, 150);
    assert.equal(listed.get('2001:db8::10/128')?.attrs.nextHop, '::');
  } finally {
    c.close();
  }
});

test('withdrawAll removes every local path by path', async () => {
  const c = new CountingGobgpClient({ socket: gobgpd.socket });
  try {
    const sink = new PathsSink(c);
    assert.equal(await sink.withdrawAll(), 3);
    assert.equal((await table()).size, 0);
    assert.deepEqual(pathCalls(c), { DeletePath: 3, ListPath: 2 });
  } finally {
    c.close();
  }
});

test('link bandwidth (weighted ECMP): gobgpd lists it back equal; a new bandwidth replaces the path in place', async () => {
  const c = new CountingGobgpClient({ socket: gobgpd.socket });
  try {
    const sink = new PathsSink(c);
    const lb = (bytesPerSecond: number) => ({ linkBandwidth: { asn: 65001, bytesPerSecond } });
    sink.setDesired([v4(50, lb(125_000)), v4(51, lb(375_000))]);
    sink.markSynced();
    let r = await sink.reconcile();
    assert.deepEqual([r.added, r.replaced, r.withdrawn], [2, 0, 0]);
    const held = async (prefix: string) => {
      for (const d of await client.listPath(FAMILY[4]))
        if (d.prefix === prefix) return d.paths.map((p) => readWirePath(p));
      return [];
    };
    assert.deepEqual(
      (await held('198.51.100.51/32')).map((p) => p?.attrs.linkBandwidth),
      [{ asn: 65001, bytesPerSecond: 375_000 }],
    );
    // listed back from gobgpd, the paths compare equal to the desired ones: nothing to send
    r = await sink.reconcile({ full: true });
    assert.deepEqual([r.added, r.replaced, r.withdrawn, r.unchanged], [0, 0, 0, 2]);
    assert.deepEqual(pathCalls(c), { AddPath: 2, ListPath: 4 });

    // an endpoint more on this node: AddPath replaces the path, no withdrawal in between
    sink.setDesired([v4(50, lb(250_000)), v4(51, lb(375_000))]);
    r = await sink.reconcile();
    assert.deepEqual([r.added, r.replaced, r.withdrawn, r.unchanged], [0, 1, 0, 1]);
    assert.deepEqual(pathCalls(c), { AddPath: 3, ListPath: 4 });
    const now = await held('198.51.100.50/32');
    assert.equal(now.length, 1, 'replaced, not a second path');
    assert.deepEqual(now[0]?.attrs.linkBandwidth, { asn: 65001, bytesPerSecond: 250_000 });

    // a bandwidth float32 cannot hold exactly is sent rounded and still compares equal when listed
    sink.setDesired([v4(50, lb(123_456_789)), v4(51, lb(375_000))]);
    await sink.reconcile();
    r = await sink.reconcile({ full: true });
    assert.deepEqual([r.replaced, r.unchanged], [0, 2]);

    // opting out drops the community in place too
    sink.setDesired([v4(50), v4(51, lb(375_000))]);
    r = await sink.reconcile();
    assert.deepEqual([r.replaced, r.withdrawn], [1, 0]);
    assert.equal((await held('198.51.100.50/32'))[0]?.attrs.linkBandwidth, undefined);
    assert.equal(await sink.withdrawAll(), 2);
  } finally {
    c.close();
  }
});

test('link bandwidth out of range is refused before any call', async () => {
  const c = new CountingGobgpClient({ socket: gobgpd.socket });
  try {
    const sink = new PathsSink(c);
    const rejected = sink.setDesired([
      v4(60, { linkBandwidth: { asn: 70000, bytesPerSecond: 1 } }),
      v4(61, { linkBandwidth: { asn: 65001, bytesPerSecond: Number.NaN } }),
      v4(62, { linkBandwidth: { asn: 65001, bytesPerSecond: -1 } }),
    ]);
    assert.deepEqual(
      rejected.map((r) => r.path.prefix),
      ['198.51.100.60/32', '198.51.100.61/32', '198.51.100.62/32'],
    );
    const wire = buildPath(v4(63, { linkBandwidth: { asn: 65001, bytesPerSecond: 1 } })).wire;
    const bad = {
      ...wire,
      pattrs: wire.pattrs.map((a) =>
        a['@type']?.endsWith('ExtendedCommunitiesAttribute')
          ? {
              ...a,
              communities: [
                {
                  '@type': 'type.googleapis.com/apipb.LinkBandwidthExtended',
                  asn: 65001,
                  bandwidth: Infinity,
                },
              ],
            }
          : a,
      ),
    };
    await assert.rejects(c.addPath(bad), /link bandwidth must be a finite number/);
    assert.deepEqual(c.calls, {}, 'nothing reached gobgpd');
  } finally {
    c.close();
  }
});
