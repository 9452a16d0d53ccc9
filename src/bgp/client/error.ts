import * as grpc from '@grpc/grpc-js';
import { OpenelbError } from '../../core/errors.ts';

/** What a gobgpd call was about, for the message and the error's context: `{ peer }`, `{ prefix }`… */
export type CallSubject = Readonly<Record<string, string | number>>;

/**
 * A failed gobgpd call (code OE_GOBGP_CALL): the method, gRPC's status and what the call was about
 * (peer, prefix, policy…) as context. gobgpd answers almost everything with UNKNOWN and free text.
 */
export class GobgpError extends OpenelbError {
  readonly method: string;
  /** the gRPC status gobgpd (or the channel) answered with */
  readonly status: grpc.status;
  readonly details: string;

  constructor(method: string, err: Partial<grpc.ServiceError>, subject: CallSubject = {}) {
    const details = err.details || err.message || 'unknown error';
    const status = err.code ?? grpc.status.UNKNOWN;
    const about = Object.entries(subject)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    super(
      'OE_GOBGP_CALL',
      `gobgp ${method} failed (${grpc.status[status] ?? status}): ${details}${about ? ` [${about}]` : ''}`,
      { context: { method, status: grpc.status[status] ?? status, ...subject } },
    );
    this.name = 'GobgpError';
    this.method = method;
    this.status = status;
    this.details = details;
  }

  /** the sidecar is unreachable (socket missing, process gone, deadline) rather than refusing */
  get unreachable(): boolean {
    return (
      this.status === grpc.status.UNAVAILABLE ||
      this.status === grpc.status.DEADLINE_EXCEEDED ||
      this.status === grpc.status.CANCELLED
    );
  }
}
