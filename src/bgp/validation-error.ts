// The error every BGP check throws: the message names the value and where it came from
// (key=value pairs of `context`), and `context` keeps them for structured logs.
import { OpenelbError } from '../core/errors.ts';

export class BgpValidationError extends OpenelbError {
  constructor(message: string, context: Record<string, unknown>) {
    const where = Object.entries(context)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
      .join(' ');
    super('OE_BGP_INVALID', where ? `${message} (${where})` : message, { context });
    this.name = 'BgpValidationError';
  }
}
