// Flag text → typed values. Every error names the flag (and its variable) it came from.
import { OpenelbError } from '../core/errors.ts';
import type { FlagKind, HostPort, KindValues } from './types.ts';

/** Bad flags or environment; main prints the message and exits 2. */
export class ConfigError extends OpenelbError {
  constructor(message: string, context: Record<string, unknown> = {}) {
    super('OE_CONFIG', message, { context });
    this.name = 'ConfigError';
  }
}

export const LOG_LEVELS = ['error', 'warn', 'info', 'verbose', 'debug', 'silly'] as const;

/** "15s", "500ms", "2m", "1h", "1.5s" or a bare number of seconds → milliseconds. */
export function parseDuration(s: string, what = 'duration'): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(s.trim());
  if (!m || m[1] === undefined)
    throw new ConfigError(`${what}: "${s}" is not a duration (e.g. 500ms, 15s, 2m)`, { field: what });
  const n = Number(m[1]);
  const mult = m[2] === 'ms' ? 1 : m[2] === 'm' ? 60_000 : m[2] === 'h' ? 3_600_000 : 1000;
  return Math.round(n * mult);
}

/** ":8080", "127.0.0.1:8080", "[::1]:8080" → host and port. */
export function parseHostPort(s: string, what = 'address'): HostPort {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(s.trim());
  const port = m?.[3] !== undefined ? Number(m[3]) : NaN;
  if (!m || !(port >= 0 && port <= 65535))
    throw new ConfigError(`${what}: "${s}" is not host:port (e.g. :8080, 127.0.0.1:8080)`, { field: what });
  return { host: m[1] ?? m[2] ?? '', port };
}

function parseBool(raw: string, what: string): boolean {
  if (raw !== 'true' && raw !== 'false')
    throw new ConfigError(`${what}: "${raw}" is not true or false`, { field: what });
  return raw === 'true';
}

function parseCount(raw: string, what: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0)
    throw new ConfigError(`${what}: "${raw}" is not a whole number ≥ 0`, { field: what });
  return n;
}

function parseLevel(raw: string, what: string): string {
  if (!(LOG_LEVELS as readonly string[]).includes(raw))
    throw new ConfigError(`${what}: "${raw}" is not one of ${LOG_LEVELS.join(', ')}`, { field: what });
  return raw;
}

export const PARSERS: { readonly [K in FlagKind]: (raw: string, what: string) => KindValues[K] } = {
  string: (raw) => raw,
  level: parseLevel,
  duration: parseDuration,
  count: parseCount,
  bool: parseBool,
  addr: parseHostPort,
};

/** What `--help` shows in place of the value. */
export const VALUE_NAMES: { readonly [K in FlagKind]: string } = {
  string: 'value',
  duration: 'duration',
  addr: 'host:port',
  level: 'level',
  bool: 'true|false',
  count: 'n',
};
