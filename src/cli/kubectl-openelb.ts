#!/usr/bin/env node
// The `kubectl-openelb` executable: kubectl finds it on PATH and runs it for `kubectl openelb …`.
// Checks the Node.js version before loading anything that needs Node 24 (type stripping, APIs).
const MIN_NODE_MAJOR = 24;
const major = Number(process.versions.node.split('.')[0]);
if (major < MIN_NODE_MAJOR) {
  process.stderr.write(
    `error: kubectl-openelb needs Node.js ${MIN_NODE_MAJOR} or newer; ${process.execPath} is ${process.version}\n`,
  );
  process.exit(1);
}
const { environment } = await import('../config.ts');
const { run } = await import('./main.ts');
const code = await run(process.argv.slice(2), {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  colour: process.stdout.isTTY === true && !environment.noColor(),
});
process.exitCode = code;
