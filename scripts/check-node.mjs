// Fails fast when an npm script runs on a Node.js older than package.json `engines.node` (the pinned
// 24 LTS). npm puts node_modules/.bin (the `node` devDependency) first on PATH, so this only trips when
// someone runs a script outside npm or before `npm ci` has installed the pinned Node.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8'));
const wanted = /^>=(\d+)$/.exec(pkg.engines?.node ?? '');
if (!wanted) {
  console.error(`package.json engines.node must read ">=MAJOR" (found ${JSON.stringify(pkg.engines?.node)})`);
  process.exit(1);
}
const minMajor = Number(wanted[1]);
const soft = process.argv.includes('--soft');
const major = Number(process.versions.node.split('.')[0]);
if (major < minMajor) {
  const msg =
    `openelb-ts needs Node.js ${minMajor} (found ${process.version} at ${process.execPath}). ` +
    `Run \`npm ci\` first: it installs Node ${minMajor} as a devDependency, and npm scripts then use it.`;
  if (soft) {
    // preinstall runs on the machine's Node before the pinned one exists: only inform.
    console.warn(msg);
    process.exit(0);
  }
  console.error(msg);
  process.exit(1);
}
