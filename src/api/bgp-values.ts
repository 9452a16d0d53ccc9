// BGP values the CRDs carry (Eip spec.bgp communities, BgpPeer spec.transport.tcpMss), decoded one
// way for the admission rules and for the BGP sink (src/bgp/validate.ts adds its error context).
import { err, ok, type Result } from '../core/result.ts';

const WELL_KNOWN_COMMUNITIES: Readonly<Record<string, number>> = {
  'no-export': 0xffffff01,
  'no-advertise': 0xffffff02,
  'no-export-subconfed': 0xffffff03,
};

/** `"65000:100"` or a well-known name → the 32-bit value BGP carries. */
export function decodeCommunity(text: string): Result<number> {
  const known = WELL_KNOWN_COMMUNITIES[text.toLowerCase()];
  if (known !== undefined) return ok(known);
  const m = /^(\d{1,5}):(\d{1,5})$/.exec(text);
  const hi = Number(m?.[1]);
  const lo = Number(m?.[2]);
  if (!m || hi > 0xffff || lo > 0xffff)
    return err('community must be "0-65535:0-65535" or no-export/no-advertise/no-export-subconfed');
  return ok(((hi << 16) | lo) >>> 0);
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
export function decodeLargeCommunity(text: string): Result<LargeCommunity> {
  const m = /^(\d{1,10}):(\d{1,10}):(\d{1,10})$/.exec(text);
  const parts = m ? [Number(m[1]), Number(m[2]), Number(m[3])] : [];
  if (!m || parts.some((n) => n > 0xffffffff))
    return err('large community must be "a:b:c" with 32-bit unsigned numbers');
  const [g, d1, d2] = parts as [number, number, number];
  return ok({ global_admin: g, local_data1: d1, local_data2: d2 });
}

/**
 * TCP MSS a BGP socket may ask for: Linux's setsockopt(TCP_MAXSEG) takes 0 (kernel default) or
 * TCP_MIN_MSS (88) .. MAX_TCP_WINDOW (32767) and fails with EINVAL otherwise (measured on 6.x).
 */
export const TCP_MSS_MIN = 88;
export const TCP_MSS_MAX = 32767;
