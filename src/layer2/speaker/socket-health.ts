// Whether this replica can really answer ARP/NDP. Without CAP_NET_RAW every AF_PACKET socket fails
// with EPERM: the speaker would log it and go on "answering" into the void while the pod reports
// ready. So a socket is opened once on loopback at start (the capability check) and every link's
// open errors are tracked until that link opens; either makes readiness false with the errno.
import { PacketSocket, type SocketErrorEvent } from '../socket.ts';

const HINT: Readonly<Record<string, string>> = {
  EPERM: 'the manager container needs the NET_RAW capability (or run with --enable-layer2=false)',
  EACCES: 'the manager container needs the NET_RAW capability (or run with --enable-layer2=false)',
  ENODEV: 'no such interface',
};

function describe(ev: SocketErrorEvent): string {
  const hint = HINT[ev.code] ?? '';
  return `AF_PACKET socket on ${ev.ifname} cannot be opened: ${ev.message} (${ev.code || `errno ${ev.errno}`})${hint ? `: ${hint}` : ''}`;
}

/** Opens (and closes) one AF_PACKET socket on `ifname`: undefined when that works, else why not. */
export function checkPacketSocket(ifname = 'lo'): string | undefined {
  let problem: string | undefined;
  try {
    const s = new PacketSocket(ifname, { ref: false, checkIntervalMs: 60_000 });
    s.on('socketError', (ev) => {
      if (ev.phase === 'open') problem ??= describe(ev);
    });
    s.start();
    s.close();
  } catch (e) {
    problem = `AF_PACKET sockets are not available: ${(e as Error).message}`;
  }
  return problem;
}

/** Open failures per interface, until the interface's socket opens or is closed. */
export class LinkOpenErrors {
  readonly #errors = new Map<string, string>();

  failed(ev: SocketErrorEvent): void {
    if (ev.phase === 'open') this.#errors.set(ev.ifname, describe(ev));
  }
  opened(ifname: string): void {
    this.#errors.delete(ifname);
  }
  closed(ifname: string): void {
    this.#errors.delete(ifname);
  }
  /** undefined when every link in use is open */
  problem(): string | undefined {
    return this.#errors.size ? [...this.#errors.values()].join('; ') : undefined;
  }
}
