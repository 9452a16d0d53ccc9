// `make images` for real: podman, stand-in bases when no registry is reachable, both images tagged as
// deploy/openelb.yaml names them. Then what the pod spec relies on: sizes, no host TLS/npm
// configuration inside, the manager starts, gobgpd starts from the chart's command as the chart's
// user and its probes answer. Cold this takes minutes (base images, npm ci, tsc, the addon); a rerun
// with nothing changed takes seconds.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MANIFEST, parseObjects, ROOT, run } from './render.ts';
import { flags, podParts } from './policy.ts';
import { hostTlsLeftovers, inspectImage, podman, withImageRoot } from './images.ts';

const MANAGER_MAX_BYTES = 230e6;
const GOBGPD_MAX_BYTES = 40e6;

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
const pod = podParts(parseObjects(readFileSync(MANIFEST, 'utf8'), MANIFEST));
const manager = pod.manager;
const gobgpd = pod.gobgpd;

function str(v: unknown, what: string): string {
  if (typeof v !== 'string') throw new Error(`${what} is not a string`);
  return v;
}
function strings(v: unknown, what: string): string[] {
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string'))
    throw new Error(`${what} is not a list of strings`);
  return v as string[];
}
function rec(v: unknown): Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}
function probeCommand(container: Record<string, unknown>, probe: string): string[] {
  return strings(rec(rec(container[probe]).exec).command, `${String(container.name)}.${probe}.exec.command`);
}

const managerImage = str(manager.image, 'manager.image');
const gobgpdImage = str(gobgpd.image, 'gobgpd.image');

const skip =
  process.getuid?.() !== 0
    ? 'needs root (apt-get, podman)'
    : !existsSync('/usr/bin/dpkg')
      ? 'needs Debian (apt-get)'
      : false;

describe('scripts/images/engine.sh', { skip }, () => {
  let dir = '';
  let conf = '';
  const engine = (): ReturnType<typeof run> => {
    const r = spawnSync('bash', ['scripts/images/engine.sh'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, CONTAINERS_CONF_PATH: conf },
      timeout: 600_000,
    });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'openelb-engine-'));
    conf = join(dir, 'containers.conf');
  });
  after(() => {
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  test('writes the engine configuration where none exists, marked as ours, and keeps it ours', () => {
    assert.equal(engine().status, 0);
    const written = readFileSync(conf, 'utf8');
    assert.match(written.split('\n')[0] ?? '', /^# openelb-ts scripts\/images\/engine\.sh wrote this file/);
    for (const line of [
      'runtime = "runc"',
      'cgroup_manager = "cgroupfs"',
      'events_logger = "file"',
      'default_ulimits = [',
    ])
      assert.ok(written.includes(line), `lacks ${line}`);
    writeFileSync(conf, `${written.split('\n')[0] ?? ''}\n[engine]\nruntime = "crun"\n`);
    assert.equal(engine().status, 0);
    assert.equal(readFileSync(conf, 'utf8'), written, 'our own file is brought back to what we write');
  });

  test('never touches a configuration someone else wrote', () => {
    const theirs = '[engine]\nruntime = "crun"\n';
    writeFileSync(conf, theirs);
    const r = engine();
    assert.equal(r.status, 0);
    assert.equal(readFileSync(conf, 'utf8'), theirs);
    assert.match(r.stderr, /exists and is not ours/);
  });
});

describe('make images', { skip }, () => {
  let output = '';

  before(
    () => {
      const r = run('make', ['--no-print-directory', 'images'], { timeoutMs: 30 * 60_000 });
      output = r.stdout + r.stderr;
      assert.equal(r.status, 0, `make images:\n${output}`);
    },
    { timeout: 31 * 60_000 },
  );

  test('both images exist under the names the manifest runs, within their size targets, sizes printed', () => {
    const m = inspectImage(managerImage);
    const g = inspectImage(gobgpdImage);
    assert.ok(
      m.size <= MANAGER_MAX_BYTES,
      `${managerImage} is ${(m.size / 1e6).toFixed(1)} MB, target ≤ ${MANAGER_MAX_BYTES / 1e6} MB`,
    );
    assert.ok(
      g.size <= GOBGPD_MAX_BYTES,
      `${gobgpdImage} is ${(g.size / 1e6).toFixed(1)} MB, target ≤ ${GOBGPD_MAX_BYTES / 1e6} MB`,
    );
    assert.match(output, new RegExp(`${managerImage.replace(/[.]/g, '\\.')} \\d+\\.\\d MB`));
    assert.match(output, new RegExp(`${gobgpdImage.replace(/[.]/g, '\\.')} \\d+\\.\\d MB`));
  });

  test('no npmrc, host CA bundle or host-added CA certificate in either image, nor in their configuration', () => {
    for (const image of [managerImage, gobgpdImage]) {
      assert.deepEqual(
        withImageRoot(image, hostTlsLeftovers),
        [],
        `${image} carries host TLS/npm configuration`,
      );
      const config = inspectImage(image);
      const text = JSON.stringify([config.env, config.labels]);
      assert.doesNotMatch(
        text,
        /npmrc|cafile|NODE_EXTRA_CA_CERTS|ca-certificates\.crt/i,
        `${image} configuration`,
      );
    }
  });

  test("the manager starts with the pod spec's restrictions: --version and --help", () => {
    const restricted = [
      'run',
      '--rm',
      '--network',
      'none',
      '--read-only',
      '--read-only-tmpfs=false',
      '--cap-drop',
      'ALL',
      '--cap-add',
      'NET_RAW',
      '--security-opt',
      'no-new-privileges',
      managerImage,
    ];
    assert.match(
      podman([...restricted, '--version']),
      new RegExp(`^openelb-manager ${pkg.version.replace(/\./g, '\\.')}$`),
    );
    const help = podman([...restricted, '--help']);
    for (const f of flags(manager).keys()) assert.ok(help.includes(f), `--help does not mention ${f}`);
  });

  test('the Layer 2 addon loads in the manager image (its libraries are there)', () => {
    const addon = '/app/src/layer2/native/build/Release/afpacket.node';
    const out = podman([
      'run',
      '--rm',
      '--network',
      'none',
      '--entrypoint',
      'node',
      managerImage,
      '-e',
      `console.log(typeof require(${JSON.stringify(addon)}).Socket)`,
    ]);
    assert.equal(out, 'function');
  });

  test('the images run as the users the manifest gives their containers', () => {
    const managerUser = rec(manager.securityContext);
    assert.equal(managerUser.runAsUser, 0, 'the manifest runs the manager as root (capabilities need it)');
    assert.ok(
      ['', '0', 'root', '0:0'].includes(inspectImage(managerImage).user),
      'the manager image runs as root',
    );
    const g = rec(gobgpd.securityContext);
    assert.equal(inspectImage(gobgpdImage).user, `${String(g.runAsUser)}:${String(g.runAsGroup)}`);
  });

  describe("gobgpd from the chart's command, as the chart's user, read-only, no capabilities", () => {
    const name = `openelb-images-test-${process.pid}`;
    let runDir = '';
    const mounts = Array.isArray(gobgpd.volumeMounts) ? gobgpd.volumeMounts.map(rec) : [];
    assert.equal(mounts.length, 1, 'gobgpd mounts one volume, the one it shares with the manager');
    const mountPath = str(mounts[0]?.mountPath, 'gobgpd.volumeMounts[0].mountPath');
    const heartbeat = flags(manager).get('--heartbeat-file')?.[0] ?? '';
    const socket = (flags(gobgpd).get('--api-hosts')?.[0] ?? '').replace(/^unix:\/\//, '');
    const onHost = (path: string): string => join(runDir, path.slice(mountPath.length));
    const exec = (command: string[]): number | null => run('podman', ['exec', name, ...command]).status;

    before(() => {
      assert.ok(
        heartbeat.startsWith(`${mountPath}/`) && socket.startsWith(`${mountPath}/`),
        'socket and heartbeat live in the shared volume',
      );
      runDir = mkdtempSync(join(tmpdir(), 'openelb-images-run-'));
      chmodSync(runDir, 0o777); // an emptyDir is world-writable
      const g = rec(gobgpd.securityContext);
      const command = strings(gobgpd.command, 'gobgpd.command');
      podman([
        'run',
        '--detach',
        '--name',
        name,
        '--network',
        'none',
        '--user',
        `${String(g.runAsUser)}:${String(g.runAsGroup)}`,
        '--read-only',
        '--read-only-tmpfs=false',
        '--cap-drop',
        'ALL',
        '--security-opt',
        'no-new-privileges',
        '--volume',
        `${runDir}:${mountPath}`,
        '--entrypoint',
        JSON.stringify(command),
        gobgpdImage,
        ...strings(gobgpd.args, 'gobgpd.args'),
      ]);
      // Wait for gobgpd's socket (a condition, not a timing assertion).
      const deadline = Date.now() + 60_000;
      while (!existsSync(onHost(socket)) && Date.now() < deadline) run('sleep', ['0.2']);
    });

    after(() => {
      run('podman', ['rm', '--force', '--time', '0', name]);
      if (runDir !== '') rmSync(runDir, { recursive: true, force: true });
    });

    test('gobgpd --version', () => {
      assert.match(
        podman(['run', '--rm', '--network', 'none', gobgpdImage, '--version']),
        /^gobgpd version \d+\.\d+\.\d+$/,
      );
    });

    test("the socket appears, mode 0660 (the umask in the command) and owned by the chart's user", () => {
      const logs = run('podman', ['logs', name]);
      assert.ok(existsSync(onHost(socket)), `no ${socket}; gobgpd said:\n${logs.stdout}${logs.stderr}`);
      const st = statSync(onHost(socket));
      assert.ok(st.isSocket());
      assert.equal(st.mode & 0o777, 0o660);
      assert.equal(st.uid, Number(rec(gobgpd.securityContext).runAsUser));
    });

    test('startup and readiness probes pass', () => {
      assert.equal(exec(probeCommand(gobgpd, 'startupProbe')), 0);
      assert.equal(exec(probeCommand(gobgpd, 'readinessProbe')), 0);
    });

    test('the liveness probe passes without a heartbeat and with a fresh one, and fails on a stale one', () => {
      const liveness = probeCommand(gobgpd, 'livenessProbe');
      const file = onHost(heartbeat);
      rmSync(file, { force: true });
      assert.equal(exec(liveness), 0, 'no heartbeat yet');
      writeFileSync(file, '');
      assert.equal(exec(liveness), 0, 'fresh heartbeat');
      const stale = new Date(Date.now() - 3600_000);
      utimesSync(file, stale, stale);
      const r = run('podman', ['exec', name, ...liveness]);
      assert.equal(r.status, 1, `stale heartbeat: exit ${r.status}, ${r.stderr}`);
      assert.equal(r.stderr, '', 'every command the probe runs exists');
    });
  });
});
