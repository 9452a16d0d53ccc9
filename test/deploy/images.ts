// Helpers for the image tests: podman calls, and the search of an image's filesystem for what the
// build borrowed from this machine (an npmrc, the host CA bundle, CAs the host added).
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './render.ts';

export const HOST_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';
const LOCAL_CAS = '/usr/local/share/ca-certificates';

export function podman(args: readonly string[], timeoutMs = 120_000): string {
  const r = run('podman', args, { timeoutMs });
  if (r.status !== 0) throw new Error(`podman ${args.join(' ')} exited ${r.status}: ${r.stderr.trim()}`);
  return r.stdout.trim();
}

export interface ImageConfig {
  size: number;
  user: string;
  env: string[];
  labels: Record<string, string>;
  entrypoint: string[];
}

export function inspectImage(ref: string): ImageConfig {
  const [info] = JSON.parse(podman(['image', 'inspect', ref])) as {
    Size: number;
    Config: { User?: string; Env?: string[]; Labels?: Record<string, string> | null; Entrypoint?: string[] };
  }[];
  if (!info) throw new Error(`podman image inspect ${ref}: no answer`);
  return {
    size: info.Size,
    user: info.Config.User ?? '',
    env: info.Config.Env ?? [],
    labels: info.Config.Labels ?? {},
    entrypoint: info.Config.Entrypoint ?? [],
  };
}

/** Runs fn with the image's filesystem mounted read-only at the path it is given. */
export function withImageRoot<T>(ref: string, fn: (root: string) => T): T {
  const root = podman(['image', 'mount', ref]);
  try {
    return fn(root);
  } finally {
    podman(['image', 'unmount', ref]);
  }
}

/** One base64 line from inside each certificate the host added to the system set. */
export function hostCaNeedles(): Buffer[] {
  if (!existsSync(LOCAL_CAS)) return [];
  const needles: Buffer[] = [];
  for (const entry of readdirSync(LOCAL_CAS, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.crt')) continue;
    const pem = readFileSync(join(entry.parentPath, entry.name), 'utf8');
    for (const block of pem.matchAll(/-----BEGIN CERTIFICATE-----\n([\s\S]*?)-----END CERTIFICATE-----/g)) {
      const line = (block[1] ?? '').split('\n')[4];
      if (line && line.length >= 40) needles.push(Buffer.from(line));
    }
  }
  return needles;
}

/** Paths (relative to root) of files that are an npmrc, the host bundle, or hold a host-added CA. */
export function hostTlsLeftovers(root: string): string[] {
  const needles = hostCaNeedles();
  const bundle = existsSync(HOST_BUNDLE) ? readFileSync(HOST_BUNDLE) : undefined;
  const bundleSum = bundle ? createHash('sha256').update(bundle).digest('hex') : undefined;
  const found: string[] = [];
  for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
    const path = join(entry.parentPath, entry.name);
    const rel = path.slice(root.length);
    if (entry.name === '.npmrc' || entry.name === 'npmrc') {
      found.push(`${rel} (an npmrc)`);
      continue;
    }
    if (!entry.isFile()) continue;
    const size = statSync(path).size;
    if (needles.length === 0 && size !== bundle?.length) continue;
    const content = readFileSync(path);
    if (bundle && size === bundle.length && createHash('sha256').update(content).digest('hex') === bundleSum)
      found.push(`${rel} (the host CA bundle)`);
    else if (needles.some((n) => content.includes(n))) found.push(`${rel} (a CA certificate the host added)`);
  }
  return found;
}
