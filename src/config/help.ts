// `--help`, written from the flag table.
import { FLAGS } from './flags.ts';
import { VALUE_NAMES } from './values.ts';

const COLUMN = 38;

export function helpText(): string {
  const lines = [
    'Usage: openelb-manager [flags]',
    '',
    'OpenELB-compatible bare-metal LoadBalancer manager. Every flag can also be set through the',
    'environment variable shown; a flag wins over its variable.',
    '',
  ];
  for (const f of FLAGS) {
    const left = `  --${f.flag} <${VALUE_NAMES[f.kind]}>`;
    const extra = [
      f.required ? 'required' : f.def !== undefined ? `default ${f.def}` : '',
      `env ${f.env}`,
      f.was ? `formerly --${f.was.flag} / ${f.was.env}` : '',
    ]
      .filter(Boolean)
      .join('; ');
    lines.push(`${left.padEnd(COLUMN)} ${f.help} (${extra})`);
  }
  lines.push(`${'  --help'.padEnd(COLUMN)} print this help and exit`);
  lines.push(`${'  --version'.padEnd(COLUMN)} print the version and exit`);
  return lines.join('\n') + '\n';
}
