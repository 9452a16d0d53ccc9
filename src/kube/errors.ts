import { OpenelbError } from '../core/errors.ts';
import type { StatusBody } from './types.ts';

/**
 * A non-2xx answer from the API server, with the server's `Status` body when it sent one. Its code is
 * OE_KUBE_API; the HTTP status is `httpStatus`.
 */
export class KubeApiError extends OpenelbError {
  readonly httpStatus: number;
  readonly reason: string;
  readonly status: StatusBody | undefined;
  readonly method: string;
  readonly path: string;

  constructor(method: string, path: string, code: number, status: StatusBody | undefined, rawBody?: string) {
    const reason = status?.reason ?? httpReason(code);
    const detail = status?.message ?? (rawBody !== undefined ? rawBody.slice(0, 300) : '');
    super('OE_KUBE_API', `${method} ${path}: ${code} ${reason}${detail ? `: ${detail}` : ''}`, {
      context: { method, path, httpStatus: code, reason },
    });
    this.name = 'KubeApiError';
    this.httpStatus = code;
    this.reason = reason;
    this.status = status;
    this.method = method;
    this.path = path;
  }
}

function httpReason(code: number): string {
  switch (code) {
    case 400:
      return 'BadRequest';
    case 404:
      return 'NotFound';
    case 409:
      return 'Conflict';
    case 410:
      return 'Expired';
    case 415:
      return 'UnsupportedMediaType';
    case 422:
      return 'Invalid';
    case 429:
      return 'TooManyRequests';
    case 500:
      return 'InternalError';
    case 503:
      return 'ServiceUnavailable';
    default:
      return `HTTP${code}`;
  }
}

export function isKubeApiError(e: unknown): e is KubeApiError {
  return e instanceof KubeApiError;
}
export function isNotFound(e: unknown): boolean {
  return isKubeApiError(e) && e.httpStatus === 404;
}
/** 409 from a stale resourceVersion (not AlreadyExists). */
export function isConflict(e: unknown): boolean {
  return isKubeApiError(e) && e.httpStatus === 409 && e.reason !== 'AlreadyExists';
}
export function isAlreadyExists(e: unknown): boolean {
  return isKubeApiError(e) && e.httpStatus === 409 && e.reason === 'AlreadyExists';
}
export function isGone(e: unknown): boolean {
  return isKubeApiError(e) && e.httpStatus === 410;
}
/** Worth retrying later unchanged: throttling, server trouble, or no answer at all. */
export function isTransient(e: unknown): boolean {
  if (isKubeApiError(e)) return e.httpStatus === 429 || e.httpStatus >= 500;
  return true;
}

/**
 * The API's weather rather than a bug: an answer from the server, a socket error (ECONNREFUSED,
 * ECONNRESET …) or an abort/timeout. Loops retry these quietly; anything else is unexpected.
 */
export function isApiWeather(e: unknown): boolean {
  if (isKubeApiError(e)) return true;
  const name = errorName(e);
  if (name === 'AbortError' || name === 'TimeoutError') return true;
  // fetch wraps socket errors: TypeError('fetch failed') with the errno in `cause`
  for (let x: unknown = e, depth = 0; x !== null && typeof x === 'object' && depth < 3; depth++) {
    const code = 'code' in x ? x.code : undefined;
    if (typeof code === 'string' && /^E[A-Z_]+$/.test(code)) return true;
    x = 'cause' in x ? x.cause : undefined;
  }
  return false;
}

/** `name` of an Error-like value (AbortError, TimeoutError …), or ''. */
export function errorName(e: unknown): string {
  if (e !== null && typeof e === 'object' && 'name' in e && typeof e.name === 'string') return e.name;
  return '';
}

export { errorMessage } from '../core/errors.ts';
