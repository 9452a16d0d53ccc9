import { isAbsolute } from 'node:path';

/** gobgpd's API socket as a gRPC target: `/abs/path` or `unix:///abs/path` → `unix:///abs/path`. */
export function socketTarget(socket: string): string {
  const path = socket.startsWith('unix://') ? socket.slice('unix://'.length) : socket;
  if (!isAbsolute(path))
    throw new Error(`gobgpd socket must be an absolute path, got ${JSON.stringify(socket)}`);
  return `unix://${path}`;
}
