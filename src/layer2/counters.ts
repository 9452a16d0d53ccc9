// Plain counters shared by the responder and the announcer; the metrics module exports them.
export interface Layer2Counters {
  /** Frames handed to the responder. */
  framesReceived: number;
  /** Well-formed frames that needed no answer (other addresses, other ICMPv6 types, ...). */
  framesIgnored: number;
  /** Malformed, truncated or bad-checksum frames, dropped. */
  framesDroppedBad: number;
  arpRepliesSent: number;
  ndpAdvertsSent: number;
  /** Answers not sent because mayAnswer() said no (fence or ownership). */
  repliesFenced: number;
  /** Frames the kernel refused (interface gone, buffer full) or not sent because the socket was closed. */
  sendErrors: number;
  /** Gratuitous ARP and unsolicited NA frames sent. */
  gratuitousSent: number;
  /** Frames in which another MAC claims one of our addresses. */
  foreignClaims: number;
}

export function newCounters(): Layer2Counters {
  return {
    framesReceived: 0,
    framesIgnored: 0,
    framesDroppedBad: 0,
    arpRepliesSent: 0,
    ndpAdvertsSent: 0,
    repliesFenced: 0,
    sendErrors: 0,
    gratuitousSent: 0,
    foreignClaims: 0,
  };
}
