// Counting gobgpd calls per method, through the client's onCall observer (production code keeps no
// counters of its own).
import { GobgpClient, type GobgpClientOptions } from '../../../src/bgp/client/client.ts';

/** An onCall observer that counts into `calls`. */
export function countInto(calls: Record<string, number>): (method: string) => void {
  return (method) => {
    calls[method] = (calls[method] ?? 0) + 1;
  };
}

/** A GobgpClient whose `calls` holds how often each method was called since construction. */
export class CountingGobgpClient extends GobgpClient {
  readonly calls: Record<string, number>;

  constructor(opts: GobgpClientOptions) {
    const calls: Record<string, number> = {};
    super({ ...opts, onCall: countInto(calls) });
    this.calls = calls;
  }
}
