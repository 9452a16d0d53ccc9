// argv + environment → configuration, through node:util parseArgs and the flag table. A flag beats its
// variable, the variable beats the default. Every table flag takes a value (`--f v` or `--f=v`, also
// the booleans: `--enable-bgp=false`), so a value may start with a dash.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { FLAGS } from './flags.ts';
import { helpText } from './help.ts';
import { checkRelations } from './rules.ts';
import type { FlagDef, ManagerConfig, ParseResult } from './types.ts';
import { ConfigError, PARSERS } from './values.ts';

export type Environment = Readonly<Record<string, string | undefined>>;

const BY_NAME = new Map<string, FlagDef>(
  FLAGS.flatMap((f) => [[f.flag, f] as const, ...(f.was ? [[f.was.flag, f] as const] : [])]),
);

const OPTIONS: NonNullable<ParseArgsConfig['options']> = {
  ...Object.fromEntries([...BY_NAME.keys()].map((name) => [name, { type: 'string' as const }])),
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
};

type Given = { kind: 'flags'; values: Map<string, string> } | { kind: 'help' } | { kind: 'version' };

/** Reads argv left to right: --help / --version win if they come before anything wrong. */
function readArgv(argv: readonly string[]): Given {
  const { tokens } = parseArgs({
    args: [...argv],
    options: OPTIONS,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const values = new Map<string, string>();
  const formerly = new Map<string, string>();
  for (const t of tokens) {
    if (t.kind === 'positional') throw new ConfigError(`unexpected argument "${t.value}" (see --help)`);
    if (t.kind === 'option-terminator') throw new ConfigError(`unexpected argument "--" (see --help)`);
    if (t.name === 'help') return { kind: 'help' };
    if (t.name === 'version') return { kind: 'version' };
    const def = BY_NAME.get(t.name);
    if (!t.rawName.startsWith('--') || !def)
      throw new ConfigError(`unknown flag ${t.rawName} (see --help)`, { field: t.rawName });
    if (t.value === undefined) throw new ConfigError(`--${t.name} needs a value`, { field: `--${t.name}` });
    // a former name fills the flag unless the current name is given too
    if (t.name === def.flag) values.set(def.flag, t.value);
    else formerly.set(def.flag, t.value);
  }
  for (const [flag, value] of formerly) if (!values.has(flag)) values.set(flag, value);
  return { kind: 'flags', values };
}

function resolve(given: Map<string, string>, env: Environment): ManagerConfig {
  const out: Partial<Record<keyof ManagerConfig, unknown>> = {};
  for (const f of FLAGS) {
    const envVal = env[f.env] || (f.was ? env[f.was.env] : undefined);
    const raw = given.get(f.flag) ?? (envVal !== undefined && envVal !== '' ? envVal : undefined) ?? f.def;
    const what = `--${f.flag} / ${f.env}`;
    if (raw === undefined || (raw === '' && f.required)) {
      if (f.required) throw new ConfigError(`${what} is required`, { field: what });
      out[f.key] = undefined;
      continue;
    }
    out[f.key] = PARSERS[f.kind](raw, what);
  }
  // Every key of ManagerConfig has a row in the table (test/unit/config.test.ts checks it).
  const c = out as ManagerConfig;
  c.podName ??= c.nodeName;
  return c;
}

export function parseWith(argv: readonly string[], env: Environment): ParseResult {
  const given = readArgv(argv);
  if (given.kind === 'help') return { kind: 'help', text: helpText() };
  if (given.kind === 'version') return given;
  const config = resolve(given.values, env);
  checkRelations(config);
  return { kind: 'config', config };
}
