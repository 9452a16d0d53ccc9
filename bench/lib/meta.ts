import { execFile } from 'node:child_process';
import { cpus, release, totalmem } from 'node:os';

// What a benchmark result was measured on: machine, tool versions, settings, date.

export interface BenchMeta {
  date: string;
  machine: { cpus: number; model: string; memMiB: number; kernel: string };
  versions: Record<string, string>;
  settings: Record<string, unknown>;
}

function firstLine(argv: string[], re: RegExp): Promise<string> {
  const [cmd, ...args] = argv;
  return new Promise((resolve) => {
    if (!cmd) return resolve('unknown');
    execFile(cmd, args, { timeout: 5000 }, (err, stdout, stderr) => {
      const m = `${stdout}\n${stderr}`.match(re);
      resolve(m?.[1] ?? (err ? 'not installed' : 'unknown'));
    });
  });
}

export async function collectMeta(settings: Record<string, unknown>): Promise<BenchMeta> {
  const c = cpus();
  const [gobgpd, bird, frr] = await Promise.all([
    firstLine(['gobgpd', '--version'], /version\s+(\S+)/),
    firstLine(['bird', '--version'], /BIRD version\s+(\S+)/),
    firstLine(['/usr/lib/frr/bgpd', '--version'], /version\s+(\S+)/),
  ]);
  return {
    date: new Date().toISOString(),
    machine: {
      cpus: c.length,
      model: c[0]?.model ?? 'unknown',
      memMiB: Math.round(totalmem() / 2 ** 20),
      kernel: release(),
    },
    versions: { node: process.version, gobgpd, bird, frr },
    settings,
  };
}
