// What the responder and the announcer need from a packet socket (PacketSocket implements it; tests
// use an in-memory link).
export interface FrameLink {
  /** The interface MAC to answer with; undefined while the interface is missing. */
  readonly mac: Uint8Array | undefined;
  /** 0 or an errno. */
  send(frame: Buffer): number;
  joinGroup(mac: Uint8Array): void;
  leaveGroup(mac: Uint8Array): void;
}

/** sll_pkttype of a frame addressed to another host (seen only when the NIC or bridge floods it). */
export const PACKET_OTHERHOST = 3;
