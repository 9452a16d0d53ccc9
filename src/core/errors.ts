// One error base for the codebase (undici style): every error the manager raises on purpose carries a
// stable `code` that logs, metrics and tests match on, and the context (which object, which field)
// as data rather than only inside the message.
export type ErrorCode = `OE_${Uppercase<string>}`;

export class OpenelbError extends Error {
  readonly code: ErrorCode;
  readonly context: Readonly<Record<string, unknown>>;

  constructor(
    code: ErrorCode,
    message: string,
    opts: { context?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'OpenelbError';
    this.code = code;
    this.context = opts.context ?? {};
  }
}

export function isOpenelbError(e: unknown, code?: ErrorCode): e is OpenelbError {
  return e instanceof OpenelbError && (code === undefined || e.code === code);
}

/**
 * Log fields of anything thrown: the OE_ code and context of our own errors, the errno-style code
 * (ECONNRESET …) of a system error, always the message and the stack.
 */
export function errorFields(e: unknown): Record<string, unknown> {
  const fields: Record<string, unknown> = { error: errorMessage(e) };
  if (e instanceof OpenelbError) {
    fields.code = e.code;
    if (Object.keys(e.context).length > 0) fields.context = e.context;
  } else if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') fields.code = code;
  }
  if (e instanceof Error) fields.stack = e.stack;
  return fields;
}

/** The message of anything thrown (with its cause's), for logs and status text. */
export function errorMessage(e: unknown): string {
  if (e instanceof Error) {
    const cause = (e as { cause?: unknown }).cause;
    return cause instanceof Error ? `${e.message} (${cause.message})` : e.message;
  }
  return String(e);
}
