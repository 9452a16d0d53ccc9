import { execFile } from 'node:child_process';
import { environment } from '../config.ts';

// gobgpd 3.10 has no version RPC. The version comes from the environment (the chart sets it from
// the sidecar image) or from `gobgpd --version` where the binary is reachable; the API itself is
// proven compatible by GetBgp answering with our proto/.

export const SUPPORTED_MAJOR = 3;
export const TESTED_VERSION = '3.10.0';

export interface GobgpdVersion {
  version: string | undefined;
  source: 'env' | 'binary' | 'unknown';
  /** false when the version is known and its major differs from the one proto/ matches */
  compatible: boolean;
}

export function parseGobgpdVersion(text: string): string | undefined {
  return /(\d+\.\d+\.\d+)/.exec(text)?.[1];
}

function judge(version: string | undefined, source: GobgpdVersion['source']): GobgpdVersion {
  const major = version ? Number(version.split('.')[0]) : undefined;
  return { version, source, compatible: major === undefined || major === SUPPORTED_MAJOR };
}

export async function probeGobgpdVersion(
  opts: { env?: string; binary?: string; timeoutMs?: number } = {},
): Promise<GobgpdVersion> {
  const fromEnv = opts.env ?? environment.gobgpdVersion();
  if (fromEnv) return judge(parseGobgpdVersion(fromEnv) ?? fromEnv, 'env');
  const binary = opts.binary ?? 'gobgpd';
  const out = await new Promise<string | undefined>((resolve) => {
    execFile(binary, ['--version'], { timeout: opts.timeoutMs ?? 3000 }, (err, stdout) =>
      resolve(err ? undefined : stdout),
    );
  });
  const v = out ? parseGobgpdVersion(out) : undefined;
  return v ? judge(v, 'binary') : judge(undefined, 'unknown');
}
