// BGP readiness: every (non admin-down) desired session Established and advertising at least the
// paths this node wants for that session's families. Pure; the component adds the bounded wait.
import { canonicalIp, type Family } from '../../net/ip.ts';
import type { DesiredGlobal, DesiredPeer, PeerStatus } from '../../bgp/index.ts';
import { peerFamilies } from './desired.ts';
import { READY, notReady, type Readiness } from '../../obs/health.ts';

function canon(a: string): string {
  return canonicalIp(a) ?? a;
}

/** READY, or the reason it is not ready yet. */
export function bgpReady(
  peers: readonly DesiredPeer[],
  g: DesiredGlobal,
  wanted: Readonly<Record<Family, number>>,
  status: readonly PeerStatus[],
  pathsApplied: boolean,
): Readiness {
  if (!pathsApplied) return notReady('paths not applied to gobgpd yet');
  const byAddr = new Map(status.map((s) => [canon(s.address), s]));
  const waiting: string[] = [];
  for (const p of peers) {
    if (p.adminDown) continue;
    const s = byAddr.get(canon(p.address));
    if (!s || s.sessionState !== 'ESTABLISHED') {
      waiting.push(`${p.address} ${s?.sessionState ?? 'not configured'}`);
      continue;
    }
    const want = peerFamilies(p, g).reduce((n, f) => n + wanted[f], 0);
    if (s.advertised < want) waiting.push(`${p.address} advertised ${s.advertised}/${want}`);
  }
  return waiting.length === 0 ? READY : notReady(`waiting for BGP: ${waiting.join(', ')}`);
}
