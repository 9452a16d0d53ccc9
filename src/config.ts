// Command line and environment → the manager's configuration. The flag table lives in config/flags.ts.
import { parseWith } from './config/parse.ts';
import type { ParseResult } from './config/types.ts';

export { FLAGS } from './config/flags.ts';
export { helpText } from './config/help.ts';
export type { FlagDef, HostPort, ManagerConfig, ParseResult } from './config/types.ts';
export { ConfigError, parseDuration, parseHostPort } from './config/values.ts';

export function parseConfig(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = process.env,
): ParseResult {
  return parseWith(argv, env);
}
