// Pure: a ListPeer / WatchEvent peer → the session status BgpPeer status writers report.
import type { PeerStatus } from './types.ts';
import type { WirePeerOut } from './client/wire.ts';

/** ListPeer entry → status for BgpPeer status writers. */
export function peerStatusFromWire(p: WirePeerOut, now: Date = new Date()): PeerStatus | undefined {
  const address = p.conf?.neighbor_address ?? p.state?.neighbor_address;
  if (!address) return undefined;
  const st = p.state;
  const ts = p.timers?.state;
  let advertised = 0;
  let received = 0;
  let accepted = 0;
  for (const a of p.afi_safis ?? []) {
    advertised += a.state?.advertised ?? 0;
    received += a.state?.received ?? 0;
    accepted += a.state?.accepted ?? 0;
  }
  const established = st?.session_state === 'ESTABLISHED';
  const out: PeerStatus = {
    address,
    peerAsn: p.conf?.peer_asn ?? st?.peer_asn ?? 0,
    sessionState: st?.session_state ?? 'UNKNOWN',
    adminState: st?.admin_state ?? 'UP',
    negotiatedHoldTime: ts?.negotiated_hold_time ?? 0,
    remoteRouterId: st?.router_id ?? '',
    advertised,
    received,
    accepted,
    flops: st?.flops ?? 0,
    notificationsReceived: st?.messages?.received?.notification ?? 0,
    notificationsSent: st?.messages?.sent?.notification ?? 0,
  };
  if (established && ts?.uptime && ts.uptime.seconds > 0) {
    out.establishedSince = new Date(ts.uptime.seconds * 1000);
    out.uptimeSeconds = Math.max(0, Math.floor((now.getTime() - out.establishedSince.getTime()) / 1000));
  }
  if (ts?.downtime && ts.downtime.seconds > 0) out.downSince = new Date(ts.downtime.seconds * 1000);
  return out;
}
