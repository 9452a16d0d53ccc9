// `make lab ONCE=1` as a test: the seed walkthrough on the embedded lab must finish and exit 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../lab/main.ts', import.meta.url));

test('make lab ONCE=1: the seed walkthrough runs end to end', { timeout: 240_000 }, async (t) => {
  const child = spawn(process.execPath, [MAIN, '--once'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, OPENELB_LOG_LEVEL: 'warn' } });
  let out = '';
  child.stdout.on('data', (b: Buffer) => { out += b.toString(); });
  child.stderr.on('data', () => undefined);
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  t.diagnostic(out.split('\n').filter((l) => l.startsWith('walkthrough complete') || l.startsWith('openelb-ts lab')).join(' | '));
  assert.equal(code, 0, `lab --once failed:\n${out.slice(-4000)}`);
  for (const want of [
    /eip-pool\s+10\.99\.0\.100-10\.99\.0\.108\s+0\s+9/,
    /nginx\s+LoadBalancer\s+\S+\s+10\.99\.0\.100\s/,
    /node1: ESTABLISHED/,
    /nexthops: 10\.99\.0\.11, 10\.99\.0\.12/,
    /walkthrough complete/,
  ]) assert.match(out, want);
});
