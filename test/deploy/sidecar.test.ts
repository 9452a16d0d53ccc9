// The gobgpd sidecar exactly as the chart renders it, run with the real gobgpd under the pod's
// identities (setpriv stands in for the container runtime): the socket appears, the manager's
// identity (root, only NET_RAW, the pod's supplemental groups) can use it, a stale socket from a
// killed gobgpd does not block a restart, and the liveness probe follows the heartbeat file.
// The pod's run directory is replaced by a private temp dir; gobgpd opens no TCP port (pprof off,
// no BGP listener before StartBgp).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { helmTemplate, parseObjects, requireHelm, run } from './render.ts';
import { podParts, RUN_DIR } from './policy.ts';

const helm = requireHelm();
const tools = ['gobgpd', 'gobgp', 'setpriv'].filter((t) => run('sh', ['-c', `command -v ${t}`]).status !== 0);
const skip =
  tools.length > 0
    ? `missing ${tools.join(', ')} (scripts/install-system-deps.sh)`
    : process.getuid?.() !== 0
      ? 'needs root to switch identities'
      : false;

interface Sc {
  runAsUser?: number;
  runAsGroup?: number;
  capabilities?: { add?: string[] };
}

function strList(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

describe('gobgpd sidecar as rendered', { skip }, () => {
  let dir = '';
  let gobgpd: ChildProcess | undefined;
  let argv: string[] = [];
  let gobgpdIds: string[] = [];
  let managerIds: string[] = [];
  let liveness: string[] = [];
  let startup: string[] = [];
  const sub = (s: string): string => s.split(RUN_DIR).join(dir);

  function start(): ChildProcess {
    const p = spawn('setpriv', [...gobgpdIds, ...argv], { stdio: ['ignore', 'ignore', 'pipe'] });
    p.stderr?.resume();
    return p;
  }

  async function waitFor(what: string, ok: () => boolean, ms = 15_000): Promise<void> {
    const until = Date.now() + ms;
    while (!ok()) {
      if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async function stop(p: ChildProcess | undefined, signal: NodeJS.Signals): Promise<void> {
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill(signal);
    await exited;
  }

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'openelb-sidecar-'));
    chmodSync(dir, 0o777); // what the kubelet gives an emptyDir
    const { podSpec, gobgpd: g, manager } = podParts(parseObjects(helmTemplate(helm, []), 'helm template'));
    argv = [...strList(g.command), ...strList(g.args)].map(sub);
    const gsc = (g.securityContext ?? {}) as Sc;
    const msc = (manager.securityContext ?? {}) as Sc;
    const groups =
      ((podSpec.securityContext ?? {}) as { supplementalGroups?: number[] }).supplementalGroups ?? [];
    const bounding = (sc: Sc): string =>
      ['-all', ...(sc.capabilities?.add ?? []).map((c) => `+${c.toLowerCase()}`)].join(',');
    const ids = (sc: Sc): string[] => [
      `--reuid=${sc.runAsUser ?? 0}`,
      `--regid=${sc.runAsGroup ?? sc.runAsUser ?? 0}`,
      groups.length ? `--groups=${groups.join(',')}` : '--clear-groups',
      '--inh-caps=-all',
      `--bounding-set=${bounding(sc)}`,
    ];
    gobgpdIds = ids(gsc);
    managerIds = ids(msc);
    const probe = (name: string): string[] =>
      strList(((g[name] ?? {}) as { exec?: { command?: unknown } }).exec?.command).map(sub);
    liveness = probe('livenessProbe');
    startup = probe('startupProbe');
  });

  after(async () => {
    await stop(gobgpd, 'SIGKILL');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('the socket appears and passes the startup probe', async () => {
    gobgpd = start();
    await waitFor('the gobgpd socket', () => run('setpriv', [...gobgpdIds, ...startup]).status === 0);
  });

  test('the manager identity (root, NET_RAW only, pod groups) can use the socket', () => {
    const r = run('setpriv', [...managerIds, 'gobgp', '--target', `unix://${dir}/gobgpd.sock`, 'global'], {
      timeoutMs: 20_000,
    });
    assert.equal(r.status, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /AS:\s+0/);
  });

  test('the liveness probe passes without a heartbeat, with a fresh one, and fails on a stale one', () => {
    const probe = (): number | null => run('setpriv', [...gobgpdIds, ...liveness]).status;
    assert.equal(probe(), 0, 'no heartbeat file yet');
    const hb = join(dir, 'heartbeat');
    writeFileSync(hb, '');
    assert.equal(probe(), 0, 'fresh heartbeat');
    const old = new Date(Date.now() - 10 * 60_000);
    utimesSync(hb, old, old);
    assert.notEqual(probe(), 0, 'stale heartbeat');
    rmSync(hb);
  });

  test('a gobgpd killed with SIGKILL leaves its socket behind, and the next one starts anyway', async () => {
    await stop(gobgpd, 'SIGKILL');
    assert.ok(existsSync(join(dir, 'gobgpd.sock')), 'the stale socket should still be there');
    gobgpd = start();
    await waitFor(
      'the restarted gobgpd',
      () =>
        run('setpriv', [...managerIds, 'gobgp', '--target', `unix://${dir}/gobgpd.sock`, 'global'], {
          timeoutMs: 10_000,
        }).status === 0,
    );
    assert.equal(gobgpd.exitCode, null, 'gobgpd must still run');
    await stop(gobgpd, 'SIGTERM');
    assert.equal(gobgpd.exitCode, 0, 'gobgpd exits cleanly on SIGTERM (the sh wrapper exec()s it)');
  });
});
