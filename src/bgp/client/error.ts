import * as grpc from '@grpc/grpc-js';

/** A failed gobgpd call: gobgpd answers almost everything with code 2 (UNKNOWN) and free text. */
export class GobgpError extends Error {
  readonly method: string;
  readonly code: grpc.status;
  readonly details: string;
  constructor(method: string, err: Partial<grpc.ServiceError>, context?: string) {
    const details = err.details || err.message || 'unknown error';
    super(
      `gobgp ${method} failed (${grpc.status[err.code ?? grpc.status.UNKNOWN] ?? err.code}): ${details}${context ? ` [${context}]` : ''}`,
    );
    this.name = 'GobgpError';
    this.method = method;
    this.code = err.code ?? grpc.status.UNKNOWN;
    this.details = details;
  }
  /** the sidecar is unreachable (socket missing, process gone, deadline) rather than refusing */
  get unreachable(): boolean {
    return (
      this.code === grpc.status.UNAVAILABLE ||
      this.code === grpc.status.DEADLINE_EXCEEDED ||
      this.code === grpc.status.CANCELLED
    );
  }
}
