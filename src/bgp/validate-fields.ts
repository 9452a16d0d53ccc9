// Checks of single BGP values that are not addresses or paths: communities, ASNs, the router id,
// session timers and TCP MSS. Each returns the value (or its wire form) or throws BgpValidationError.
import { strictIpFamily } from '../net/ip.ts';
import { BgpValidationError } from './validation-error.ts';
import {
  TCP_MSS_MAX,
  TCP_MSS_MIN,
  decodeCommunity,
  decodeLargeCommunity,
  formatCommunity,
  type LargeCommunity,
} from '../api/bgp-values.ts';

export { TCP_MSS_MAX, TCP_MSS_MIN, formatCommunity, type LargeCommunity };

// ---- communities -------------------------------------------------------------------------------

/** `"65000:100"` or a well-known name → the 32-bit value BGP carries. */
export function parseCommunity(text: string, context: Record<string, unknown> = {}): number {
  const r = decodeCommunity(text);
  if (!r.ok) throw new BgpValidationError(r.error, { community: text, ...context });
  return r.value;
}

/** `"65000:1:2"` (three unsigned 32-bit numbers). */
export function parseLargeCommunity(text: string, context: Record<string, unknown> = {}): LargeCommunity {
  const r = decodeLargeCommunity(text);
  if (!r.ok) throw new BgpValidationError(r.error, { largeCommunity: text, ...context });
  return r.value;
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
