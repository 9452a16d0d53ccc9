import { access, mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runOk } from '../exec.ts';

// The lab's gRPC helper loads Debian's own gobgp .proto files (same version as the gobgpd binary, so
// field numbers match). They come from golang-github-osrg-gobgp-dev: if that package is installed we
// use it; otherwise `apt-get download` + dpkg-deb extract only the three .proto files into a cache
// (.tools/gobgp-api-<version>/), without installing the package or its 57 dependencies.

const DEB_API = '/usr/share/gocode/src/github.com/osrg/gobgp/api';
const PKG = 'golang-github-osrg-gobgp-dev';
export const PROTO_FILES = ['gobgp.proto', 'attribute.proto', 'capability.proto'];
const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

async function hasAll(dir: string): Promise<boolean> {
  try {
    await Promise.all(PROTO_FILES.map((f) => access(join(dir, f))));
    return true;
  } catch {
    return false;
  }
}

/** Version of the gobgpd binary, e.g. "3.10.0". */
export async function gobgpdVersion(): Promise<string> {
  const out = await runOk(['gobgpd', '--version']);
  const m = out.match(/version\s+(\S+)/);
  if (!m?.[1]) throw new Error(`cannot parse gobgpd --version: ${out}`);
  return m[1];
}

let cached: Promise<string> | undefined;

/** Directory holding gobgp.proto, attribute.proto and capability.proto for the installed gobgpd. */
export function gobgpProtoDir(): Promise<string> {
  cached ??= locate();
  return cached;
}

async function locate(): Promise<string> {
  if (process.env.OELAB_GOBGP_PROTO_DIR && (await hasAll(process.env.OELAB_GOBGP_PROTO_DIR))) return process.env.OELAB_GOBGP_PROTO_DIR;
  if (await hasAll(DEB_API)) return DEB_API;
  const version = await gobgpdVersion();
  const cache = join(REPO, '.tools', `gobgp-api-${version}`);
  if (await hasAll(cache)) return cache;
  await mkdir(join(REPO, '.tools'), { recursive: true });
  const work = await mkdtemp(join(REPO, '.tools', 'gobgp-api-dl-'));
  try {
    // pin the package to the daemon's upstream version (the Debian revisions differ: 3.10.0-1 vs 3.10.0-1+b4)
    const madison = await runOk(['apt-cache', 'madison', PKG]);
    const versions = madison.split('\n').map((l) => l.split('|')[1]?.trim()).filter((v): v is string => !!v);
    const want = versions.find((v) => v.startsWith(`${version}-`));
    if (!want) throw new Error(`no ${PKG} matching gobgpd ${version} in apt (have: ${versions.join(', ') || 'none'}); run apt-get update`);
    await runOk(['apt-get', 'download', '-q', `${PKG}=${want}`], { timeoutMs: 120_000, cwd: work });
    const deb = (await readdir(work)).find((f) => f.endsWith('.deb'));
    if (!deb) throw new Error(`apt-get download ${PKG}=${want} produced no .deb`);
    const out = join(work, 'x');
    await mkdir(out);
    await runOk(['sh', '-c', 'dpkg-deb --fsys-tarfile "$1" | tar -x -C "$2" --wildcards "./usr/share/gocode/src/github.com/osrg/gobgp/api/*.proto"', 'sh', join(work, deb), out]);
    const api = join(out, DEB_API);
    if (!(await hasAll(api))) throw new Error(`${deb} did not contain ${PROTO_FILES.join(', ')}`);
    await rm(cache, { recursive: true, force: true });
    await rename(api, cache);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return cache;
}
