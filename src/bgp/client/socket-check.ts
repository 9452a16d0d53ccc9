// Why gobgpd's unix socket cannot be reached, in words an operator can act on. gRPC only says
// "Failed to connect before the deadline"; the socket's owner, mode and the errno of a plain
// connect(2) say whether the sidecar is not up yet (ENOENT, ECONNREFUSED) or the pod spec keeps us
// out (EACCES: the manager lacks the socket's group in supplementalGroups).
import { connect } from 'node:net';
import { stat } from 'node:fs/promises';
import { Timer } from '../../core/timer.ts';

export interface SocketCheck {
  /** true when a plain connect succeeded (gRPC may still fail above it) */
  connectable: boolean;
  /** one line: path, owner:group and mode, our identity, connect errno and what it means */
  text: string;
  errno?: string;
}

const HINT: Readonly<Record<string, string>> = {
  ENOENT: 'no socket at this path yet: is the gobgpd sidecar running and its --api-hosts pointing here?',
  ECONNREFUSED: 'the socket exists but nothing listens (gobgpd exited or is restarting)',
  EACCES:
    "permission denied: the manager needs the socket's group (pod supplementalGroups) or the sidecar's umask lets the group in",
  EPERM: 'operation not permitted (a security policy blocks the connect)',
  ENOTSOCK: 'the path is not a socket',
};

function modeText(mode: number): string {
  const type =
    (mode & 0o170000) === 0o140000
      ? 's'
      : (mode & 0o170000) === 0o040000
        ? 'd'
        : (mode & 0o170000) === 0o100000
          ? '-'
          : '?';
  const bits = 'rwxrwxrwx';
  let out = type;
  for (let i = 0; i < 9; i++) out += mode & (1 << (8 - i)) ? bits[i] : '-';
  return out;
}

function identity(): string {
  const uid = process.getuid?.();
  const gid = process.getgid?.();
  const groups = process.getgroups?.() ?? [];
  return `this process runs as ${uid ?? '?'}:${gid ?? '?'} with groups [${groups.join(',')}]`;
}

function tryConnect(path: string, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const s = connect(path);
    const timeout = new Timer(() => done('ETIMEDOUT'), { unref: false });
    const done = (errno: string | undefined): void => {
      timeout.cancel();
      s.destroy();
      resolve(errno);
    };
    timeout.restart(timeoutMs);
    s.once('connect', () => done(undefined));
    s.once('error', (e: NodeJS.ErrnoException) => done(e.code ?? e.message));
  });
}

/** Checks the socket at `path` (a path or unix:// target). Never throws. */
export async function checkGobgpSocket(socket: string, timeoutMs = 1000): Promise<SocketCheck> {
  const path = socket.startsWith('unix://') ? socket.slice('unix://'.length) : socket;
  let owner = 'missing';
  try {
    const st = await stat(path);
    owner = `${modeText(st.mode)} ${st.uid}:${st.gid}`;
  } catch (e) {
    owner = `stat: ${(e as NodeJS.ErrnoException).code ?? String(e)}`;
  }
  const errno = await tryConnect(path, timeoutMs);
  if (errno === undefined)
    return { connectable: true, text: `gobgpd socket ${path} (${owner}) accepts connections` };
  const hint = HINT[errno] ?? 'connect failed';
  return {
    connectable: false,
    errno,
    text: `gobgpd socket ${path} (${owner}; ${identity()}): connect: ${errno}: ${hint}`,
  };
}
