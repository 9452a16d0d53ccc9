// Result of parsing one received frame. Parsers never throw on wire input: a frame is either decoded,
// ignored (not a message this module handles) or bad (malformed, truncated, bad checksum) and counted.
export type Parsed<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly bad: boolean; readonly reason: string };

export function ok<T>(value: T): Parsed<T> {
  return { ok: true, value };
}

export function bad(reason: string): { readonly ok: false; readonly bad: true; readonly reason: string } {
  return { ok: false, bad: true, reason };
}

export function ignored(reason: string): {
  readonly ok: false;
  readonly bad: false;
  readonly reason: string;
} {
  return { ok: false, bad: false, reason };
}
