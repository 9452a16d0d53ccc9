// The error every BGP check throws: the message names the value and where it came from
// (key=value pairs of `context`), and `context` keeps them for structured logs.
export class BgpValidationError extends Error {
  readonly context: Readonly<Record<string, unknown>>;
  constructor(message: string, context: Record<string, unknown>) {
    const where = Object.entries(context)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
      .join(' ');
    super(where ? `${message} (${where})` : message);
    this.name = 'BgpValidationError';
    this.context = context;
  }
}
