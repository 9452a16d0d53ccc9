// Kubernetes `Status` error bodies, with the messages the real apiserver sends.
import type { Obj } from './json.ts';

export interface Cause {
  reason: string;
  message: string;
  field: string;
}

const REASONS: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  406: 'NotAcceptable',
  409: 'Conflict',
  410: 'Expired',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

/** An error that becomes a `Status` body with HTTP status `code`. */
export class ApiError extends Error {
  readonly code: number;
  readonly reason: string;
  readonly details: Obj | undefined;
  constructor(code: number, message: string, reason?: string, details?: Obj) {
    super(message);
    this.code = code;
    this.reason = reason ?? REASONS[code] ?? 'Unknown';
    this.details = details;
  }

  toStatus(): Obj {
    return statusBody(this.code, this.message, this.reason, this.details);
  }
}

export function statusBody(code: number, message: string, reason?: string, details?: Obj): Obj {
  const body: Obj = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message };
  const r = reason ?? REASONS[code] ?? 'Unknown';
  if (r !== '') body.reason = r;
  if (details !== undefined) body.details = details;
  body.code = code;
  return body;
}

/** `eips.network.kubesphere.io` / `services`: how the apiserver names a resource in messages. */
export function qualified(group: string, plural: string): string {
  return group === '' ? plural : `${plural}.${group}`;
}

export function notFound(group: string, plural: string, name: string): ApiError {
  return new ApiError(404, `${qualified(group, plural)} "${name}" not found`, 'NotFound', {
    name,
    group,
    kind: plural,
  });
}

export function alreadyExists(group: string, plural: string, name: string): ApiError {
  return new ApiError(409, `${qualified(group, plural)} "${name}" already exists`, 'AlreadyExists', {
    name,
    group,
    kind: plural,
  });
}

export function conflict(group: string, plural: string, name: string): ApiError {
  return new ApiError(
    409,
    `Operation cannot be fulfilled on ${qualified(group, plural)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    'Conflict',
    { name, group, kind: plural },
  );
}

export function badRequest(message: string): ApiError {
  return new ApiError(400, message, 'BadRequest');
}

/** 422 with field causes; `kindGroup` is `Eip.network.kubesphere.io` or `Service`. */
export function invalid(kind: string, group: string, name: string, causes: Cause[]): ApiError {
  const kindGroup = group === '' ? kind : `${kind}.${group}`;
  const parts = causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message));
  const list = parts.length === 1 ? parts[0] : `[${parts.join(', ')}]`;
  return new ApiError(422, `${kindGroup} "${name}" is invalid: ${list}`, 'Invalid', {
    name,
    group,
    kind,
    causes: causes.map((c) => ({ reason: c.reason, message: c.message, field: c.field })),
  });
}

export const WATCH_TOO_OLD = 'The resourceVersion for the provided watch is too old.';
export const LIST_TOO_OLD = 'The resourceVersion for the provided list is too old.';

export function expired(message: string): ApiError {
  return new ApiError(410, message, 'Expired');
}
