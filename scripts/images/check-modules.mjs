// check-modules.mjs APP_DIR: imports every production dependency of the package in APP_DIR, resolved
// from there, so a pruned node_modules that lost a file some module loads fails the image build.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const app = resolve(process.argv[2] ?? '.');
const names = Object.keys(JSON.parse(readFileSync(join(app, 'package.json'), 'utf8')).dependencies ?? {});
// Code given with -e resolves bare specifiers from the working directory. What fails is retried with
// require() once the rest is loaded: some packages need another loaded first (@peculiar/x509 needs
// reflect-metadata), and import() would only replay its cached failure.
const probe = `
import { createRequire } from 'node:module';
const names = ${JSON.stringify(names)};
const first = [];
for (const name of names) {
  try { await import(name); } catch { first.push(name); }
}
const require = createRequire(process.cwd() + '/');
const failed = [];
for (const name of first) {
  try { require(name); } catch (err) { failed.push({ name, message: err.message }); }
}
if (failed.length > 0) {
  console.error('check-modules: dependencies that do not load:\\n  ' + failed.map((f) => f.name + ': ' + f.message).join('\\n  '));
  process.exit(1);
}
console.log('check-modules: ' + names.length + ' dependencies load from ' + process.cwd());
`;
try {
  execFileSync(process.execPath, ['--input-type=module', '-e', probe], { cwd: app, stdio: 'inherit' });
} catch {
  process.exit(1);
}
