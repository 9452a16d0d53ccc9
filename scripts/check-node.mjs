// Fails fast when an npm script runs on a Node.js older than the pinned 24 LTS.
// npm puts node_modules/.bin (the `node` devDependency) first on PATH, so this only trips when
// someone runs a script outside npm or before `npm ci` has installed the pinned Node.
const soft = process.argv.includes('--soft');
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  const msg =
    `openelb-ts needs Node.js 24 (found ${process.version} at ${process.execPath}). ` +
    'Run `npm ci` first: it installs Node 24 as a devDependency, and npm scripts then use it.';
  if (soft) {
    // preinstall runs on the machine's Node before the pinned one exists: only inform.
    process.exit(0);
  }
  console.error(msg);
  process.exit(1);
}
