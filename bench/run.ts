// `npm run bench -- [<group>…] [--quick] [--json <file>]`: the one entry point for every benchmark
// group (bench/groups/<name>.ts, default export BenchGroup). No group named = all groups. Writes ONE
// JSON object: the union of the groups' keys plus `meta` (machine, versions, settings, date), and
// prints a table.
import { readdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { collectMeta } from './lib/meta.ts';
import { renderTable } from './lib/table.ts';
import type { BenchGroup, BenchValue } from './types.ts';

const GROUPS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'groups');

function isGroup(x: unknown): x is BenchGroup {
  const g = x as Partial<BenchGroup> | undefined;
  return typeof g === 'object' && g !== null && typeof g.name === 'string' && typeof g.run === 'function';
}

async function availableGroups(): Promise<string[]> {
  return (await readdir(GROUPS_DIR))
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .map((f) => f.slice(0, -3))
    .sort();
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      json: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    allowPositionals: true,
    strict: true,
  });
  const available = await availableGroups();
  if (values.help) {
    process.stdout.write(
      `usage: npm run bench -- [<group>…] [--quick] [--json <file>]\ngroups: ${available.join(', ')}\n`,
    );
    return 0;
  }
  const unknown = positionals.filter((g) => !available.includes(g));
  if (unknown.length > 0) {
    process.stderr.write(
      `bench: unknown group(s) ${unknown.join(', ')}; available: ${available.join(', ')}\n`,
    );
    return 2;
  }
  const selected = positionals.length > 0 ? [...new Set(positionals)] : available;
  const log = (msg: string): void => void process.stderr.write(`${msg}\n`);
  const result: Record<string, BenchValue> = {};
  const rows: { group: string; key: string; value: BenchValue }[] = [];
  const failed: string[] = [];
  const durations: Record<string, number> = {};
  for (const name of selected) {
    const mod = (await import(pathToFileURL(join(GROUPS_DIR, `${name}.ts`)).href)) as { default?: unknown };
    if (!isGroup(mod.default))
      throw new Error(`bench/groups/${name}.ts has no default export implementing BenchGroup`);
    const group = mod.default;
    log(`bench: ${group.name} — ${group.description}${values.quick ? ' (quick)' : ''}`);
    const t0 = performance.now();
    try {
      const figures = await group.run({ quick: values.quick, log: (m) => log(`  [${group.name}] ${m}`) });
      for (const [key, value] of Object.entries(figures)) {
        if (key === 'meta') throw new Error(`group ${group.name} returned the reserved key "meta"`);
        if (key in result)
          throw new Error(`key ${key} of group ${group.name} is already set by another group`);
        result[key] = value;
        rows.push({ group: group.name, key, value });
      }
    } catch (err) {
      failed.push(group.name);
      log(
        `bench: group ${group.name} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
      );
    }
    durations[group.name] = Math.round(performance.now() - t0);
  }
  const meta = await collectMeta({
    quick: values.quick,
    groups: selected,
    failed,
    durationsMs: durations,
    argv: process.argv.slice(2),
  });
  const out = { ...result, meta };
  if (values.json) {
    await writeFile(values.json, JSON.stringify(out, null, 2) + '\n');
    log(`bench: wrote ${values.json}`);
  }
  process.stdout.write(renderTable(rows) + '\n');
  process.stdout.write(
    `\n${meta.machine.cpus} × ${meta.machine.model}, ${meta.machine.memMiB} MiB, kernel ${meta.machine.kernel}; node ${meta.versions.node}, gobgpd ${meta.versions.gobgpd}, bird ${meta.versions.bird}, frr ${meta.versions.frr}\n`,
  );
  if (failed.length > 0) {
    process.stderr.write(`bench: failed group(s): ${failed.join(', ')}\n`);
    return 1;
  }
  return 0;
}

process.exitCode = await main();
