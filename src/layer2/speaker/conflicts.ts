// Probe frames: an ARP probe (RFC 5227 §2.1.1: sender MAC ours, sender IP 0.0.0.0, target MAC zero,
// broadcast) and a DAD-style neighbour solicitation (RFC 4862 §5.4.2: source ::, to the target's
// solicited-node group, no source link-layer option). Neither carries an address of ours, so no
// neighbour cache learns anything from them; any host holding the address answers. Sent before the
// first answer for an IP (../guard/) and periodically for the IPs we answer.
import { BROADCAST_MAC, IPV6_UNSPECIFIED, ZERO_MAC } from '../addr.ts';
import { ipBytes } from '../../net/ip.ts';
import { ARP_REQUEST, buildArp } from '../arp.ts';
import { buildNeighborSolicit } from '../ndp.ts';

const IPV4_ANY = new Uint8Array(4);

/** A frame asking who has `ip` whose answer reveals any other holder; undefined for a non-IP. */
export function probeFrame(ourMac: Uint8Array, ip: string): Buffer | undefined {
  const p = ipBytes(ip);
  if (p === undefined) return undefined;
  if (p.family === 4) {
    return buildArp({
      ethDst: BROADCAST_MAC,
      ethSrc: ourMac,
      op: ARP_REQUEST,
      senderMac: ourMac,
      senderIp: IPV4_ANY,
      targetMac: ZERO_MAC,
      targetIp: p.bytes,
    });
  }
  return buildNeighborSolicit(ourMac, IPV6_UNSPECIFIED, p.bytes);
}
