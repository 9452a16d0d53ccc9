// Checks of single BGP values that are not addresses or paths: communities, ASNs, the router id,
// session timers and TCP MSS. Each returns the value (or its wire form) or throws BgpValidationError.
import { strictIpFamily } from '../net/ip.ts';
import { BgpValidationError } from './validation-error.ts';

// ---- communities -------------------------------------------------------------------------------

const WELL_KNOWN_COMMUNITIES: Readonly<Record<string, number>> = {
  'no-export': 0xffffff01,
  'no-advertise': 0xffffff02,
  'no-export-subconfed': 0xffffff03,
};

/** `"65000:100"` or a well-known name → the 32-bit value BGP carries. */
export function parseCommunity(text: string, context: Record<string, unknown> = {}): number {
  const ctx = { community: text, ...context };
  const known = WELL_KNOWN_COMMUNITIES[text.toLowerCase()];
  if (known !== undefined) return known;
  const m = /^(\d{1,5}):(\d{1,5})$/.exec(text);
  const hi = Number(m?.[1]);
  const lo = Number(m?.[2]);
  if (!m || hi > 0xffff || lo > 0xffff)
    throw new BgpValidationError(
      'community must be "0-65535:0-65535" or no-export/no-advertise/no-export-subconfed',
      ctx,
    );
  return ((hi << 16) | lo) >>> 0;
}

export function formatCommunity(value: number): string {
  for (const [name, v] of Object.entries(WELL_KNOWN_COMMUNITIES)) if (v === value) return name;
  return `${value >>> 16}:${value & 0xffff}`;
}

export interface LargeCommunity {
  global_admin: number;
  local_data1: number;
  local_data2: number;
}

/** `"65000:1:2"` (three unsigned 32-bit numbers). */
export function parseLargeCommunity(text: string, context: Record<string, unknown> = {}): LargeCommunity {
  const m = /^(\d{1,10}):(\d{1,10}):(\d{1,10})$/.exec(text);
  const parts = m ? [Number(m[1]), Number(m[2]), Number(m[3])] : [];
  if (!m || parts.some((n) => n > 0xffffffff))
    throw new BgpValidationError('large community must be "a:b:c" with 32-bit unsigned numbers', {
      largeCommunity: text,
      ...context,
    });
  const [g, d1, d2] = parts as [number, number, number];
  return { global_admin: g, local_data1: d1, local_data2: d2 };
}

export function validateUint32(value: number, what: string, context: Record<string, unknown> = {}): number {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff)
    throw new BgpValidationError(`${what} must be an unsigned 32-bit integer`, { [what]: value, ...context });
  return value;
}

export function validateAsn(asn: number, what: string, context: Record<string, unknown> = {}): number {
  if (!Number.isInteger(asn) || asn < 1 || asn > 0xffffffff)
    throw new BgpValidationError(`${what} must be an AS number 1..4294967295`, { [what]: asn, ...context });
  return asn;
}

export function validateRouterId(id: string, context: Record<string, unknown> = {}): string {
  if (strictIpFamily(id) !== 4 || id === '0.0.0.0')
    throw new BgpValidationError('router id must be a non-zero dotted IPv4 address', {
      routerId: id,
      ...context,
    });
  return id;
}

// ---- session transport and timers -------------------------------------------------------------

/**
 * TCP MSS a BGP socket may ask for: Linux's setsockopt(TCP_MAXSEG) takes 0 (kernel default) or
 * TCP_MIN_MSS (88) .. MAX_TCP_WINDOW (32767) and fails with EINVAL otherwise (measured on 6.x).
 */
export const TCP_MSS_MIN = 88;
export const TCP_MSS_MAX = 32767;
/** Upper bound we accept for every session timer in seconds (the BGP hold time is 16 bits on the wire). */
export const TIMER_MAX_SECONDS = 65535;

export function validateTcpMss(value: number, context: Record<string, unknown> = {}): number {
  if (!Number.isInteger(value) || (value !== 0 && (value < TCP_MSS_MIN || value > TCP_MSS_MAX)))
    throw new BgpValidationError(`tcpMss must be 0 (kernel default) or ${TCP_MSS_MIN}..${TCP_MSS_MAX}`, {
      tcpMss: value,
      ...context,
    });
  return value;
}

export function validateTimerSeconds(
  value: number,
  what: string,
  context: Record<string, unknown> = {},
): number {
  if (!Number.isInteger(value) || value < 0 || value > TIMER_MAX_SECONDS)
    throw new BgpValidationError(`${what} must be 0..${TIMER_MAX_SECONDS} seconds`, {
      [what]: value,
      ...context,
    });
  return value;
}
