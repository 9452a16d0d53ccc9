import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

// gobgp's own .proto files, taken from Debian's golang-github-osrg-gobgp-dev (the package that
// matches the gobgpd we test against). Only the .deb is downloaded and only the .proto files are
// unpacked; nothing is installed. The download is cached between runs.
const API_DIR = 'usr/share/gocode/src/github.com/osrg/gobgp/api';

export function debianGobgpProtoDir(): string {
  const override = process.env.GOBGP_PROTO_DIR;
  if (override) return override;
  const cache = join(process.env.OPENELB_TEST_CACHE ?? '/tmp/openelb-ts-cache', 'gobgp-protos');
  const apiDir = join(cache, API_DIR);
  if (existsSync(join(apiDir, 'gobgp.proto'))) return apiDir;
  mkdirSync(cache, { recursive: true });
  let deb = readdirSync(cache).find(
    (f) => f.startsWith('golang-github-osrg-gobgp-dev_') && f.endsWith('.deb'),
  );
  if (!deb) {
    execFileSync('apt-get', ['download', 'golang-github-osrg-gobgp-dev'], {
      cwd: cache,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    deb = readdirSync(cache).find((f) => f.startsWith('golang-github-osrg-gobgp-dev_') && f.endsWith('.deb'));
    if (!deb) throw new Error(`apt-get download golang-github-osrg-gobgp-dev left no .deb in ${cache}`);
  }
  execFileSync('sh', [
    '-c',
    `dpkg-deb --fsys-tarfile "$1" | tar -x -C "$2" --wildcards "./${API_DIR}/*.proto"`,
    'sh',
    join(cache, deb),
    cache,
  ]);
  if (!existsSync(join(apiDir, 'gobgp.proto'))) throw new Error(`no gobgp.proto in ${deb}`);
  return apiDir;
}
