// The heartbeat markers in the emptyDir shared with gobgpd: only an instance that started after us
// and beats is a successor to hand the paths to. A fresh marker of an earlier instance — the same
// container before a restart, which Kubernetes keeps the emptyDir for — is not (it made a restarted
// manager hand its paths to nobody instead of withdrawing them). Long-dead markers are swept on start.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Heartbeat } from '../../../src/controllers/bgp/heartbeat.ts';
import { logger } from '../../../src/obs/log.ts';

const log = logger('test-heartbeat');
const tick = () => new Promise((r) => setTimeout(r, 5));

describe('Heartbeat markers', () => {
  it("an earlier instance's fresh marker is no successor; a later one is", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hb-'));
    try {
      const file = join(dir, 'heartbeat');
      const earlier = new Heartbeat(file, 1000, 'pod-1-aaaaaa', log);
      await earlier.start();
      await earlier.stop(); // a clean stop removes its marker …
      await earlier.beat(); // … a crash leaves it: simulate the marker of the dead instance
      await tick();
      const me = new Heartbeat(file, 1000, 'pod-1-bbbbbb', log);
      await me.start();
      assert.equal(await me.otherInstanceAlive(), undefined, 'the crashed predecessor is not a successor');
      await tick();
      const next = new Heartbeat(file, 1000, 'pod-1-cccccc', log);
      await next.start();
      assert.equal(await me.otherInstanceAlive(), 'pod-1-cccccc');
      assert.equal(await next.otherInstanceAlive(), undefined, 'for the successor, we are a predecessor');
      await next.stop();
      assert.equal(await me.otherInstanceAlive(), undefined);
      await me.stop();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a successor beating continuously is seen on every look (a beat never leaves its marker half-written)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hb-'));
    try {
      const file = join(dir, 'heartbeat');
      const me = new Heartbeat(file, 1000, 'old', log);
      await me.start();
      await tick();
      const next = new Heartbeat(file, 1000, 'new', log);
      await next.start();
      let beating = true;
      const beats = (async () => {
        while (beating) await next.beat();
      })();
      let missed = 0;
      for (let i = 0; i < 300; i++) if ((await me.otherInstanceAlive()) !== 'new') missed++;
      beating = false;
      await beats;
      assert.equal(missed, 0, `the successor was missed ${missed} times of 300`);
      await next.stop();
      await me.stop();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('markers that stopped beating long ago are removed on start; unknown formats are never successors', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hb-'));
    try {
      const file = join(dir, 'heartbeat');
      mkdirSync(`${file}.d`);
      writeFileSync(join(`${file}.d`, 'old-dead'), 'old-dead 2020-01-01T00:00:00Z started=1\n');
      const old = new Date(Date.now() - 3600_000);
      utimesSync(join(`${file}.d`, 'old-dead'), old, old);
      writeFileSync(join(`${file}.d`, 'no-start'), 'no-start 2020-01-01T00:00:00Z\n');
      const me = new Heartbeat(file, 1000, 'me', log);
      await me.start();
      assert.deepEqual(readdirSync(`${file}.d`).sort(), ['me', 'no-start']);
      assert.equal(await me.otherInstanceAlive(), undefined);
      await me.stop();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
