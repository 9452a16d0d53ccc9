// The Dockerfile's shape and the build output it packages: `npm run build:prod` is what the image's
// build stage runs, so the manager is started from it. images.test.ts builds the images for real.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { helmTemplate, parseObjects, requireHelm, ROOT, run } from './render.ts';
import { flags, podParts } from './policy.ts';

interface Stage {
  from: string;
  name: string;
  lines: string[];
}

function stages(dockerfile: string): Stage[] {
  const out: Stage[] = [];
  // Join continuation lines, drop comments.
  const logical = dockerfile
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  for (const l of logical) {
    const m = /^FROM\s+(\S+)(?:\s+AS\s+(\S+))?$/i.exec(l);
    if (m) out.push({ from: m[1] ?? '', name: m[2] ?? '', lines: [] });
    else out.at(-1)?.lines.push(l);
  }
  return out;
}

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  version: string;
  bin: Record<string, string>;
  scripts: Record<string, string>;
};
const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');

describe('Dockerfile', () => {
  const all = stages(dockerfile);
  const byName = (n: string): Stage => {
    const s = all.find((x) => x.name === n);
    assert.ok(s, `stage ${n} missing`);
    return s;
  };

  test('build → rootfs stages → gobgpd and manager FROM scratch (the manager is the default, last target)', () => {
    assert.deepEqual(
      all.map((s) => s.name),
      ['build', 'node-rootfs', 'gobgpd-rootfs', 'gobgpd', 'manager'],
    );
    assert.match(byName('build').from, /^node:\$\{NODE_VERSION\}-bookworm$/);
    assert.match(
      byName('node-rootfs').from,
      /^node:\$\{NODE_VERSION\}-bookworm$/,
      'node from the base the build already has',
    );
    assert.equal(byName('gobgpd-rootfs').from, 'debian:bookworm-slim');
    assert.equal(byName('gobgpd').from, 'scratch');
    assert.equal(byName('manager').from, 'scratch');
    assert.match(dockerfile, /^ARG NODE_VERSION=24$/m);
  });

  test('the build stage runs the scripts CI runs and keeps only production modules, pruned and checked', () => {
    const build = byName('build').lines.join('\n');
    assert.match(build, /npm ci\b/);
    assert.match(build, /npm run build:prod/);
    assert.match(build, /npm prune --omit=dev/);
    assert.match(build, /sh scripts\/images\/prune-modules\.sh node_modules/);
    assert.match(build, /node scripts\/images\/check-modules\.mjs \/out/);
    assert.ok(pkg.scripts['build:prod'], 'package.json needs a build:prod script');
    assert.match(pkg.scripts['build:prod'] ?? '', /npm run build\b/);
    // Everything the build stage copies before `COPY . .` must exist (and not be dockerignored).
    for (const m of build.matchAll(/^COPY\s+(?!--from)(.+)\s+\S+$/gm)) {
      for (const src of (m[1] ?? '').split(/\s+/))
        if (src !== '.') assert.ok(existsSync(join(ROOT, src)), `COPY source ${src} missing`);
    }
  });

  test('node-gyp gets the Node headers without an npm_config_ variable (npm warns on those, its next major refuses them)', () => {
    assert.doesNotMatch(all.flatMap((s) => s.lines).join('\n'), /npm_config_/i);
    assert.match(byName('build').lines.join('\n'), /^ENV npm_package_config_node_gyp_nodedir=\/usr\/local$/m);
  });

  test('the runtime gets node and its libraries, dist/, production node_modules, the protos and the addon, and starts the package bin', () => {
    const build = byName('build').lines.join('\n');
    for (const part of ['dist', 'node_modules', 'proto', 'package.json'])
      assert.match(build, new RegExp(`cp -r [^\\n]*\\b${part}\\b`), `${part} not staged`);
    assert.match(build, /src\/layer2\/native\/build\/Release\/afpacket\.node/);
    assert.ok(existsSync(join(ROOT, 'proto/gobgp.proto')), 'proto/gobgp.proto is loaded at run time');
    // The addon is loaded from that path by some module of src/ (wherever it lives): the image ships it there.
    const loaders = (readdirSync(join(ROOT, 'src'), { recursive: true, encoding: 'utf8' }) as string[])
      .filter((f) => f.endsWith('.ts'))
      .filter((f) =>
        /native\/build\/Release\/afpacket\.node/.test(readFileSync(join(ROOT, 'src', f), 'utf8')),
      );
    assert.ok(loaders.length > 0, 'no module of src/ loads native/build/Release/afpacket.node');
    assert.match(byName('node-rootfs').lines.join('\n'), /rootfs\.sh \/rootfs \/usr\/local\/bin\/node\b/);
    const manager = byName('manager').lines.join('\n');
    assert.match(manager, /COPY --from=node-rootfs \/rootfs\/ \//);
    assert.match(manager, /COPY --from=build \/out\/ \/app\//);
    assert.match(manager, /^ENV PATH=\/usr\/local\/bin:/m);
    const entry = /ENTRYPOINT \["node", "\/app\/([^"]+)"\]/.exec(manager);
    assert.equal(entry?.[1], pkg.bin['openelb-manager']);
    assert.doesNotMatch(manager, /^USER /m, 'runs as root with only NET_RAW (see the chart)');
  });

  test("the gobgpd image is Debian's package plus what the chart's command and probes run, unprivileged, API on the unix socket", () => {
    const root = byName('gobgpd-rootfs').lines.join('\n');
    assert.match(root, /apt-get install -y --no-install-recommends gobgpd/);
    assert.match(root, /rm -rf \/var\/lib\/apt\/lists/);
    const files = /rootfs\.sh \/rootfs ([^&]+)/.exec(root)?.[1]?.trim().split(/\s+/) ?? [];
    for (const f of ['/usr/bin/gobgpd', '/bin/sh', '/usr/bin/rm', '/usr/bin/date', '/usr/bin/stat'])
      assert.ok(files.includes(f), `gobgpd image lacks ${f}`);
    const g = byName('gobgpd').lines.join('\n');
    assert.match(g, /COPY --from=gobgpd-rootfs \/rootfs\/ \//);
    assert.match(g, /^USER 65532:65532$/m);
    assert.match(g, /--api-hosts=unix:\/\/\/run\/openelb\/gobgpd\.sock/);
    assert.match(g, /--pprof-disable/);
  });

  test('.dockerignore keeps host builds and tools out', () => {
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim());
    for (const p of ['node_modules', 'dist', '**/build', '.tools', '.git'])
      assert.ok(ignored.includes(p), `.dockerignore lacks ${p}`);
    for (const p of ['src', 'proto', 'scripts', 'scripts/images', 'package.json', 'package-lock.json'])
      assert.ok(!ignored.includes(p), `.dockerignore must not drop ${p}`);
  });
});

describe('build:prod output', () => {
  test('npm run build:prod, then node dist/src/main.js --help and --version', { timeout: 600_000 }, () => {
    // From an empty dist/: a bin left by an earlier build would pass for a source that is gone.
    rmSync(join(ROOT, 'dist'), { recursive: true, force: true });
    const npm = run('npm', ['run', 'build:prod'], { timeoutMs: 540_000 });
    assert.equal(npm.status, 0, `npm run build:prod:\n${npm.stdout}${npm.stderr}`);
    const bin = join(ROOT, pkg.bin['openelb-manager'] ?? 'dist/src/main.js');
    const node = process.execPath;

    const version = run(node, [bin, '--version'], { timeoutMs: 30_000 });
    assert.equal(version.status, 0, version.stderr);
    assert.match(version.stdout, new RegExp(pkg.version.replace(/\./g, '\\.')));

    const help = run(node, [bin, '--help'], { timeoutMs: 30_000 });
    assert.equal(help.status, 0, help.stderr);
    // kubectl execs kubectl-openelb from PATH (npm links the bin there): a shebang, and it runs from dist/.
    const plugin = join(ROOT, pkg.bin['kubectl-openelb'] ?? 'dist/src/cli/kubectl-openelb.js');
    assert.equal(readFileSync(plugin, 'utf8').split('\n')[0], '#!/usr/bin/env node');
    const pluginVersion = run(node, [plugin, '--version'], { timeoutMs: 30_000 });
    assert.equal(pluginVersion.status, 0, pluginVersion.stderr);
    assert.equal(pluginVersion.stdout, `kubectl-openelb ${pkg.version}\n`);

    // Every flag and environment variable the chart gives the manager is documented.
    const { manager } = podParts(parseObjects(helmTemplate(requireHelm(), []), 'helm template'));
    const chartFlags = [...flags(manager).keys()];
    const chartEnv = ((manager.env ?? []) as { name: string }[]).map((e) => e.name);
    assert.ok(
      chartFlags.length > 0 && chartEnv.length > 0,
      'the chart gives the manager flags and environment',
    );
    for (const f of chartFlags) assert.ok(help.stdout.includes(f), `--help does not mention ${f}`);
    for (const e of chartEnv) assert.ok(help.stdout.includes(e), `--help does not mention ${e}`);
  });
});
