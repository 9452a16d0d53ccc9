// BgpPeer fields gobgpd takes without acting on them: accepted, each with a warning saying so.
/** gobgpd 3.10 takes these over gRPC without acting on them (read in its source, checked with ListPeer). */
export const GOBGPD_IGNORES = {
  minimumAdvertisementInterval:
    'gobgpd 3.10 stores it but has no MRAI timer (UPDATEs go out as soon as they are ready)',
  mtuDiscovery:
    'gobgpd 3.10 does not read transport.mtu_discovery; the kernel default applies (Linux: path MTU discovery on unless net.ipv4.ip_no_pmtu_disc is set)',
  tcpMss:
    'gobgpd 3.10 does not read transport.tcp_mss and sets no TCP_MAXSEG; the kernel derives the MSS from the route (an advmss on the route to the neighbour sets it)',
} as const;
