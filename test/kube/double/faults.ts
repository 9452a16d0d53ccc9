// Fault injection: request failures/delays and watch/connection disruption.
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { KubeApi } from './api.ts';
import { ApiError } from './status.ts';

export interface RequestMatch {
  method?: string;
  pathIncludes?: string;
  watch?: boolean;
}

interface Rule {
  kind: 'fail' | 'delay';
  remaining: number;
  code: number;
  ms: number;
  match: RequestMatch | undefined;
}

function matches(m: RequestMatch | undefined, req: IncomingMessage, url: URL): boolean {
  if (!m) return true;
  if (m.method !== undefined && m.method.toUpperCase() !== req.method) return false;
  if (m.pathIncludes !== undefined && !`${url.pathname}${url.search}`.includes(m.pathIncludes)) return false;
  if (
    m.watch !== undefined &&
    (url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1') !== m.watch
  )
    return false;
  return true;
}

function injected(code: number): ApiError {
  switch (code) {
    case 409:
      return new ApiError(
        409,
        'Operation cannot be fulfilled: the object has been modified; please apply your changes to the latest version and try again',
        'Conflict',
      );
    case 429:
      return new ApiError(429, 'Too many requests, please try again later.', 'TooManyRequests', {
        retryAfterSeconds: 1,
      });
    case 503:
      return new ApiError(503, 'the server is currently unable to handle the request', 'ServiceUnavailable');
    default:
      return new ApiError(500, 'Internal error occurred: injected fault', 'InternalError');
  }
}

export class FaultState {
  private rules: Rule[] = [];
  readonly sockets = new Set<Socket>();

  add(kind: 'fail' | 'delay', n: number, code: number, ms: number, match?: RequestMatch): void {
    if (n > 0) this.rules.push({ kind, remaining: n, code, ms, match });
  }

  /** Consumes matching rules: returns the delay to apply and the error to answer with, if any. */
  take(req: IncomingMessage, url: URL): { delayMs: number; error?: ApiError } {
    let delayMs = 0;
    let error: ApiError | undefined;
    for (const r of this.rules) {
      if (r.remaining <= 0 || !matches(r.match, req, url)) continue;
      if (r.kind === 'delay') {
        delayMs += r.ms;
        r.remaining--;
      } else if (!error) {
        error = injected(r.code);
        r.remaining--;
      }
    }
    this.rules = this.rules.filter((r) => r.remaining > 0);
    return error ? { delayMs, error } : { delayMs };
  }

  destroyAll(): void {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }
}

export function endWatches(api: KubeApi): void {
  for (const w of api.watches) w.end();
}

export function expireWatches(api: KubeApi): void {
  api.store.compact();
  for (const w of api.watches) w.expire();
}

export function stallWatches(api: KubeApi): void {
  api.stalled = true;
  for (const w of api.watches) w.stall();
}

export function resumeWatches(api: KubeApi): void {
  api.stalled = false;
  for (const w of api.watches) w.resume();
}

export function sendBookmarks(api: KubeApi): void {
  for (const w of api.watches) w.sendBookmark();
}
