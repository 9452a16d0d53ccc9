import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { inventory } from './inventory.ts';
import { Lab } from './lab.ts';
import { expectNoLeaks } from './leaks.ts';
import { PREFIX } from './names.ts';
import { reapOrphans } from './orphans.ts';

// The lab comes up and goes down without leaving anything behind: namespaces, veths, processes,
// run dirs — and also when the process holding it is interrupted (SIGINT, SIGTERM) or crashes.

const HOLDER = fileURLToPath(new URL('./fixtures/hold-lab.ts', import.meta.url));

describe('lab lifecycle', () => {
  let lab: Lab | undefined;
  after(async () => {
    await lab?.down();
  });

  it('up/down 3× with BIRD, two nodes and a client leaks nothing', async (t) => {
    const before = await inventory();
    for (let i = 1; i <= 3; i++) {
      lab = await Lab.up({ nodes: 2, routers: [{ kind: 'bird' }] });
      t.diagnostic(
        `round ${i}: netns ${lab.timings.netnsMs.toFixed(0)} ms, up (Established) ${lab.timings.upMs.toFixed(0)} ms`,
      );
      const namespaces = lab.namespaces();
      assert.equal(namespaces.length, 5); // sw, n1, n2, r1, c
      assert.ok(namespaces.every((n) => n.startsWith(`${PREFIX}${lab?.id}-`)));
      const pids = lab.pids();
      const id = lab.id;
      assert.ok(pids.length >= 5, `expected gobgpd×2, http×2, bird running; have ${pids.join(',')}`);
      const mid = await inventory();
      assert.deepEqual(mid.rootLinks, before.rootLinks, 'no lab interface may appear in the root namespace');
      await lab.down();
      for (const pid of pids)
        assert.throws(() => process.kill(pid, 0), `pid ${pid} still alive after down()`);
      await expectNoLeaks(before, [id]);
    }
    lab = undefined;
  });

  it('exec and spawn run inside the lab namespaces only', async () => {
    const before = await inventory();
    lab = await Lab.up({ nodes: 1, routers: [], http: false, gobgp: 'none' });
    const id = lab.id;
    const links = JSON.parse(await lab.execOk('n1', ['ip', '-j', 'link', 'show'])) as { ifname: string }[];
    assert.deepEqual(links.map((l) => l.ifname).sort(), ['lo', lab.node(1).ifname].sort());
    assert.throws(
      () => lab?.ns('oelab-00000-n1'),
      /no namespace/,
      'a namespace of another lab is never ours to use',
    );
    assert.throws(() => lab?.exec('default', ['true']), /no namespace/);
    const sleeper = lab.spawn('c', ['sleep', '300'], { name: 'sleeper' });
    assert.ok(sleeper.running);
    const ping = await lab.exec('c', ['ping', '-c', '1', '-W', '2', lab.node(1).ipv4]);
    assert.equal(ping.code, 0, ping.stdout + ping.stderr);
    await lab.down();
    assert.equal(sleeper.running, false);
    lab = undefined;
    await expectNoLeaks(before, [id]);
  });

  for (const how of ['SIGINT', 'SIGTERM', 'crash', 'SIGKILL'] as const) {
    it(`a process holding a lab cleans up on ${how}${how === 'SIGKILL' ? ' (reapOrphans)' : ''}`, async () => {
      const before = await inventory();
      const child = spawn(process.execPath, [HOLDER, how === 'crash' ? 'crash' : 'hold'], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (b: Buffer) => (out += b.toString()));
      child.stderr.on('data', (b: Buffer) => (out += b.toString()));
      const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
      if (how !== 'crash') {
        const deadline = Date.now() + 30_000;
        while (!out.includes('lab-ready') && Date.now() < deadline)
          await new Promise((r) => setTimeout(r, 50));
        assert.ok(out.includes('lab-ready'), out);
        const mid = await inventory();
        assert.ok(mid.namespaces.length > before.namespaces.length, 'holder built no namespaces');
        child.kill(how);
      }
      const code = await exited;
      assert.notEqual(code, 0, out);
      const id = out.match(/lab-ready (\S+)/)?.[1];
      assert.ok(id, `the holder printed its lab id: ${out}`);
      if (how === 'SIGKILL') {
        assert.ok(
          id && (await inventory()).namespaces.some((n) => n.includes(id)),
          'SIGKILL leaves the lab behind',
        );
        assert.ok((await reapOrphans()).includes(id), "reapOrphans removes the dead owner's lab");
      }
      await expectNoLeaks(before, [id]);
    });
  }
});
