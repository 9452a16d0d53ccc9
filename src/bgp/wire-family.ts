// The address family at the gobgp edge: our Family (4 | 6) ↔ gobgp's route family (AFI + SAFI).
// Everything inside src/ keeps a Family; only messages to and from gobgpd spell it as an AFI.
import type { Family } from '../net/ip.ts';
import type { WireFamily } from './client/wire.ts';

export const FAMILY: Readonly<Record<Family, WireFamily>> = {
  4: { afi: 'AFI_IP', safi: 'SAFI_UNICAST' },
  6: { afi: 'AFI_IP6', safi: 'SAFI_UNICAST' },
};

/** The Family of a gobgp AFI name (`AFI_IP`, `AFI_IP6`, also BgpPeer afiSafis); undefined for any other. */
export function familyOfAfi(afi: unknown): Family | undefined {
  return afi === 'AFI_IP' ? 4 : afi === 'AFI_IP6' ? 6 : undefined;
}
