// Why a received frame was not decoded. Parsers never throw on wire input: a frame is either decoded
// (`ok(value)` from core/result), ignored (not a message this module handles) or bad (malformed,
// truncated, bad checksum) and counted.
import { err, type Result } from '../core/result.ts';

export interface FrameProblem {
  /** true: malformed (counted as dropped); false: well-formed but not ours (ignored). */
  readonly bad: boolean;
  readonly reason: string;
}

export type Parsed<T> = Result<T, FrameProblem>;

export function bad(reason: string): Parsed<never> {
  return err({ bad: true, reason });
}

export function ignored(reason: string): Parsed<never> {
  return err({ bad: false, reason });
}
