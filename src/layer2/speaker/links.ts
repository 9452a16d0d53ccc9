// One packet link per interface the speaker answers on: the socket, its responder and announcer.
// The speaker talks to links through LinkHandle so tests can run it over in-memory links.
import { formatMac } from '../addr.ts';
import type { FrameLink } from '../link.ts';
import { PacketSocket, type SocketErrorEvent } from '../socket.ts';

export interface LinkHandle extends FrameLink {
  readonly ifname: string;
  start(): void;
  close(): void;
  onFrame(cb: (frame: Buffer, pkttype: number) => void): void;
  /** The socket was (re)opened or the interface MAC changed. */
  onOpen(cb: () => void): void;
  /** Socket errors (opening, receiving, sending), for health reporting. */
  onSocketError?(cb: (ev: SocketErrorEvent) => void): void;
}

/** LinkHandle over a real AF_PACKET socket. */
export function packetLink(ifname: string): LinkHandle {
  const s = new PacketSocket(ifname);
  return {
    ifname,
    get mac() {
      return s.mac;
    },
    send: (f) => s.send(f),
    joinGroup: (m) => s.joinGroup(m),
    leaveGroup: (m) => s.leaveGroup(m),
    start: () => s.start(),
    close: () => s.close(),
    onFrame: (cb) => void s.on('frame', cb),
    onOpen: (cb) => void s.on('open', () => cb()),
    onSocketError: (cb) => void s.on('socketError', cb),
  };
}

export function macText(link: FrameLink): string | undefined {
  return link.mac === undefined ? undefined : formatMac(link.mac);
}
