// Watch semantics and fault injection, through raw HTTP and client-node's Watch.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Watch } from '@kubernetes/client-node';
import { startKubeDouble, type KubeDouble } from './double.ts';
import { EIPS, eip, FIXTURE_CRDS, raw, sleep, waitFor } from './fixtures/helpers.ts';
import { openWatch } from './fixtures/watch-client.ts';

const CM = '/api/v1/namespaces/default/configmaps';

describe('kube double: watch', () => {
  let d: KubeDouble;
  before(async () => {
    d = await startKubeDouble({ crdDirs: [FIXTURE_CRDS] });
  });
  after(() => d.close());

  it('synthetic ADDED without RV, then live events with kind and apiVersion', async () => {
    await raw(d.url, 'POST', CM, { metadata: { name: 'w1' } });
    const w = openWatch(d.url, `${CM}?watch=true`);
    assert.equal(await w.status, 200);
    assert.equal((await w.headers)['content-type'], 'application/json');
    assert.equal((await w.headers)['transfer-encoding'], 'chunked');
    await waitFor(() => w.events.length === 1);
    assert.equal(w.events[0]?.type, 'ADDED');
    assert.equal(w.events[0]?.object.kind, 'ConfigMap');
    assert.equal(w.events[0]?.object.apiVersion, 'v1');
    await raw(
      d.url,
      'PATCH',
      `${CM}/w1`,
      { data: { a: '1' } },
      { 'Content-Type': 'application/merge-patch+json' },
    );
    const del = await raw(d.url, 'DELETE', `${CM}/w1`);
    assert.equal(del.status, 200);
    await waitFor(() => w.events.length === 3);
    assert.deepEqual(
      w.events.map((e) => e.type),
      ['ADDED', 'MODIFIED', 'DELETED'],
    );
    assert.ok(
      Number(w.events[2]?.object.metadata.resourceVersion) >
        Number(w.events[1]?.object.metadata.resourceVersion),
    );
    w.close();
  });

  it('replays from a resourceVersion with no gap and no duplicate', async () => {
    const start = d.resourceVersion();
    for (const n of ['r1', 'r2', 'r3']) await raw(d.url, 'POST', CM, { metadata: { name: n } });
    const w = openWatch(d.url, `${CM}?watch=true&resourceVersion=${start}`);
    await waitFor(() => w.events.length === 3);
    await raw(d.url, 'POST', CM, { metadata: { name: 'r4' } });
    await waitFor(() => w.events.length === 4);
    assert.deepEqual(
      w.events.map((e) => e.object.metadata.name),
      ['r1', 'r2', 'r3', 'r4'],
    );
    w.close();
  });

  it('410: a too-old RV gets the exact ERROR line, then the stream ends', async () => {
    const old = d.resourceVersion();
    await raw(d.url, 'POST', CM, { metadata: { name: 'x410' } });
    const open = openWatch(d.url, `${CM}?watch=true&resourceVersion=${d.resourceVersion()}`);
    assert.equal(await open.status, 200);
    d.faults.expireWatches();
    assert.equal(await open.done, 'end');
    const expected =
      '{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"The resourceVersion for the provided watch is too old.","reason":"Expired","code":410}}';
    assert.deepEqual(open.lines, [expected]);
    const w = openWatch(d.url, `${CM}?watch=true&resourceVersion=${old}`);
    assert.equal(await w.status, 200);
    assert.equal(await w.done, 'end');
    assert.deepEqual(w.lines, [expected]);
  });

  it('bookmarks on demand and timeoutSeconds', async () => {
    const w = openWatch(d.url, `${CM}?watch=true&allowWatchBookmarks=true&timeoutSeconds=1`);
    const plain = openWatch(
      d.url,
      `${CM}?watch=true&timeoutSeconds=1&resourceVersion=${d.resourceVersion()}`,
    );
    await w.status;
    await plain.status;
    d.faults.sendBookmarks();
    await waitFor(() => w.events.find((e) => e.type === 'BOOKMARK'));
    const b = w.events.find((e) => e.type === 'BOOKMARK');
    assert.deepEqual(b?.object, {
      kind: 'ConfigMap',
      apiVersion: 'v1',
      metadata: { resourceVersion: String(d.resourceVersion()) },
    });
    assert.equal(await w.done, 'end');
    assert.equal(await plain.done, 'end');
    assert.equal(plain.events.length, 0);
  });

  it('selector transitions produce ADDED and DELETED', async () => {
    await raw(d.url, 'POST', CM, { metadata: { name: 'sel', labels: { app: 'no' } } });
    const w = openWatch(
      d.url,
      `${CM}?watch=true&labelSelector=app%3Dyes&resourceVersion=${d.resourceVersion()}`,
    );
    await w.status;
    const set = (v: string): Promise<unknown> =>
      raw(
        d.url,
        'PATCH',
        `${CM}/sel`,
        { metadata: { labels: { app: v } } },
        { 'Content-Type': 'application/merge-patch+json' },
      );
    await set('yes');
    await raw(
      d.url,
      'PATCH',
      `${CM}/sel`,
      { data: { k: 'v' } },
      { 'Content-Type': 'application/merge-patch+json' },
    );
    await set('no');
    await waitFor(() => w.events.length === 3);
    assert.deepEqual(
      w.events.map((e) => e.type),
      ['ADDED', 'MODIFIED', 'DELETED'],
    );
    w.close();
  });

  it('cluster-scoped custom resources watch with client-node Watch', async () => {
    const watch = new Watch(d.kubeConfig());
    const seen: string[] = [];
    let doneErr: unknown = 'not done';
    const ctl = await watch.watch(
      EIPS,
      {},
      (phase, obj: { metadata: { name: string } }) => seen.push(`${phase}:${obj.metadata.name}`),
      (err) => (doneErr = err),
    );
    await raw(d.url, 'POST', EIPS, eip('watched'));
    await waitFor(() => seen.includes('ADDED:watched'));
    d.faults.endWatches();
    await waitFor(() => doneErr !== 'not done');
    assert.equal(doneErr, null);
    ctl.abort();
  });

  it('stall and resume: events queue while stalled', async () => {
    const w = openWatch(d.url, `${CM}?watch=true&resourceVersion=${d.resourceVersion()}`);
    await w.status;
    d.faults.stallWatches();
    await raw(d.url, 'POST', CM, { metadata: { name: 'stalled' } });
    await sleep(200);
    assert.equal(w.events.length, 0);
    d.faults.resumeWatches();
    await waitFor(() => w.events.length === 1);
    assert.equal(w.events[0]?.object.metadata.name, 'stalled');
    w.close();
  });

  it('dropConnections destroys watch sockets; client-node reports an error', async () => {
    const watch = new Watch(d.kubeConfig());
    let doneErr: unknown = 'not done';
    await watch.watch(
      CM,
      {},
      () => undefined,
      (err) => (doneErr = err),
    );
    const w = openWatch(d.url, `${CM}?watch=true`);
    await w.status;
    await sleep(50);
    d.faults.dropConnections();
    assert.equal(await w.done, 'error');
    await waitFor(() => doneErr !== 'not done');
    assert.ok(doneErr instanceof Error, `expected an error, got ${String(doneErr)}`);
  });

  it('failNext, delayNext and refuseFor', async () => {
    d.faults.failNext(2, 503, { method: 'GET', pathIncludes: '/configmaps' });
    const a = await raw(d.url, 'GET', CM);
    const b = await raw(d.url, 'GET', CM);
    const c = await raw(d.url, 'GET', CM);
    assert.deepEqual([a.status, b.status, c.status], [503, 503, 200]);
    assert.equal(a.body.reason, 'ServiceUnavailable');
    d.faults.failNext(1, 429);
    const t = await raw(d.url, 'GET', CM);
    assert.equal(t.status, 429);
    assert.equal(t.headers.get('retry-after'), '1');
    d.faults.delayNext(1, 300, { watch: false });
    const t0 = Date.now();
    await raw(d.url, 'GET', CM);
    assert.ok(Date.now() - t0 >= 290);
    const restarting = d.faults.refuseFor(300);
    await sleep(50);
    await assert.rejects(fetch(`${d.url}${CM}`));
    await restarting;
    assert.equal((await raw(d.url, 'GET', CM)).status, 200);
  });
});
