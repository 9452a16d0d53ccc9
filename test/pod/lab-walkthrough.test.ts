// `make lab RUNTIME=podman ONCE=1` as a test: the seed walkthrough with every replica running as the
// Deployment's pod on podman must finish and exit 0, and the transcript must show each replica's
// containers matching the manifest (podman inspect and the kernel's view).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { podmanSkipReason, requireImages } from './preflight.ts';

const MAIN = fileURLToPath(new URL('../lab/main.ts', import.meta.url));
const skip = await podmanSkipReason();

test(
  'make lab RUNTIME=podman ONCE=1: the seed walkthrough with the replicas as pods',
  { skip, timeout: 300_000 },
  async (t) => {
    await requireImages();
    const child = spawn(process.execPath, [MAIN, '--once', '--runtime', 'podman'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
    });
    child.stderr.on('data', (b: Buffer) => {
      out += b.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    t.diagnostic(
      out
        .split('\n')
        .filter((l) => /^(walkthrough complete|healthy|openelb-ts lab)/.test(l))
        .join(' | '),
    );
    assert.equal(code, 0, `lab --once --runtime podman failed:\n${out.slice(-6000)}`);
    const matches = out.split('\n').filter((l) => l.includes('as deploy/openelb.yaml says')).length;
    assert.equal(matches, 4, 'both containers of both replicas audited and matching');
    for (const want of [
      /Substituted: ServiceAccount openelb-manager/,
      /gobgpd: Started: [\s\S]*manager: Started: /,
      /openelb-manager-\S+\s+2\/2\s+Running\s+0 restarts\s+node1/,
      /kernel: uid=0 gid=0 groups=\[0,65532\] CapEff=\[NET_RAW\] CapBnd=\[NET_RAW\] CapAmb=\[\] NoNewPrivs=1 Seccomp=filter root=ro/,
      /kernel: uid=65532 gid=65532 groups=\[65532\] CapEff=\[\] CapBnd=\[\] CapAmb=\[\] NoNewPrivs=1 Seccomp=filter root=ro/,
      /eip-pool\s+10\.99\.0\.100-10\.99\.0\.108\s+0\s+9/,
      /node1: ESTABLISHED/,
      /nexthops: 10\.99\.0\.11, 10\.99\.0\.12/,
      /walkthrough complete/,
      /healthy \(managers ready, as pods on podman\)/,
      /Deleted: pod deleted; volumes removed/,
    ])
      assert.match(out, want);
  },
);
