import { isAbsolute } from 'node:path';
import { OpenelbError } from '../../core/errors.ts';

/** gobgpd's API socket as a gRPC target: `/abs/path` or `unix:///abs/path` → `unix:///abs/path`. */
export function socketTarget(socket: string): string {
  const path = socket.startsWith('unix://') ? socket.slice('unix://'.length) : socket;
  if (!isAbsolute(path))
    throw new OpenelbError(
      'OE_GOBGP_SOCKET',
      `gobgpd socket must be an absolute path, got ${JSON.stringify(socket)}`,
      { context: { socket } },
    );
  return `unix://${path}`;
}
