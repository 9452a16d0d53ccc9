// Pure: a desired peer (BgpPeer + BgpConf defaults) → the fields gobgpd should hold, validated field by
// field so that nothing invalid reaches AddPeer / UpdatePeer.
import type { DesiredGlobal, DesiredPeer } from './types.ts';
import {
  DEFAULT_CONNECT_RETRY,
  DEFAULT_HOLD,
  familyOfAddress,
  grFields,
  type PeerFields,
} from './peer-fields.ts';
import { REMOVE_PRIVATE_WIRE } from './peer-wire.ts';
import {
  BgpValidationError,
  parseAddress,
  validateAsn,
  validateTcpMss,
  validateTimerSeconds,
  validateUint32,
} from './validate.ts';

/** Desired peer + global defaults → the fields we want gobgpd to hold (validated). */
export function desiredPeerFields(d: DesiredPeer, g: DesiredGlobal): PeerFields {
  const ctx = { peer: d.address };
  const address = parseAddress(d.address, ctx).address;
  validateAsn(d.peerAsn, 'peerAsn', ctx);
  if (d.localAsn !== undefined) validateAsn(d.localAsn, 'localAsn', ctx);
  const families = [
    ...new Set(d.families?.length ? d.families : g.families.length ? g.families : [familyOfAddress(address)]),
  ].sort((a, b) => a - b);
  for (const f of families)
    if (f !== 4 && f !== 6) throw new BgpValidationError('families: ipv4 or ipv6', { ...ctx, family: f });
  const holdTime = d.holdTime ? validateUint32(d.holdTime, 'holdTime', ctx) : DEFAULT_HOLD;
  if (holdTime !== 0 && holdTime < 3)
    throw new BgpValidationError('holdTime must be 0 or at least 3 seconds', { ...ctx, holdTime });
  const keepaliveInterval = d.keepaliveInterval
    ? validateUint32(d.keepaliveInterval, 'keepaliveInterval', ctx)
    : Math.floor(holdTime / 3);
  if (keepaliveInterval > holdTime)
    throw new BgpValidationError('keepaliveInterval must not exceed holdTime', {
      ...ctx,
      keepaliveInterval,
      holdTime,
    });
  const ttl = d.ebgpMultihopTtl ?? 0;
  if (!Number.isInteger(ttl) || ttl < 0 || ttl > 255)
    throw new BgpValidationError('ebgpMultihopTtl must be 0..255', { ...ctx, ebgpMultihopTtl: ttl });
  const remotePort = d.remotePort ?? 0;
  if (!Number.isInteger(remotePort) || remotePort < 0 || remotePort > 65535)
    throw new BgpValidationError('remotePort must be 0..65535', { ...ctx, remotePort });
  const minimumAdvertisementInterval = validateTimerSeconds(
    d.minimumAdvertisementInterval ?? 0,
    'minimumAdvertisementInterval',
    ctx,
  );
  const tcpMss = validateTcpMss(d.tcpMss ?? 0, ctx);
  const mtuDiscovery: unknown = d.mtuDiscovery ?? false;
  if (typeof mtuDiscovery !== 'boolean')
    throw new BgpValidationError('mtuDiscovery must be true or false', { ...ctx, mtuDiscovery });
  const allowOwnAs = d.allowOwnAs ?? 0;
  if (!Number.isInteger(allowOwnAs) || allowOwnAs < 0 || allowOwnAs > 255)
    throw new BgpValidationError('allowOwnAs must be 0..255', { ...ctx, allowOwnAs });
  const removePrivateAs = d.removePrivateAs ?? 'none';
  if (!Object.hasOwn(REMOVE_PRIVATE_WIRE, removePrivateAs))
    throw new BgpValidationError('removePrivateAs must be none, all or replace', { ...ctx, removePrivateAs });
  const localAsn = d.localAsn ?? g.asn;
  // gobgp refuses both on an iBGP session ("can't set ... for iBGP peer"); say so here, by field
  if (d.peerAsn === localAsn && removePrivateAs !== 'none')
    throw new BgpValidationError('removePrivateAs applies to eBGP sessions only (peer AS equals local AS)', {
      ...ctx,
      removePrivateAs,
    });
  if (d.peerAsn === localAsn && d.replacePeerAs)
    throw new BgpValidationError(
      'replacePeerAs applies to eBGP sessions only (peer AS equals local AS)',
      ctx,
    );
  let localAddress = familyOfAddress(address) === 4 ? '0.0.0.0' : '::';
  if (d.localAddress) {
    const la = parseAddress(d.localAddress, { ...ctx, field: 'localAddress' });
    if (la.family !== familyOfAddress(address))
      throw new BgpValidationError('localAddress family differs from the neighbour address', {
        ...ctx,
        localAddress: d.localAddress,
      });
    localAddress = la.address;
  }
  return {
    address,
    peerAsn: d.peerAsn,
    localAsn,
    description: d.description ?? '',
    password: d.password ?? '',
    adminDown: d.adminDown ?? false,
    ebgpMultihopTtl: ttl,
    holdTime,
    keepaliveInterval,
    connectRetry: d.connectRetry
      ? validateUint32(d.connectRetry, 'connectRetry', ctx)
      : DEFAULT_CONNECT_RETRY,
    families,
    passive: d.passive ?? false,
    localAddress,
    remotePort: remotePort === 179 ? 0 : remotePort,
    minimumAdvertisementInterval,
    mtuDiscovery,
    tcpMss,
    gracefulRestart: grFields(d.gracefulRestart ?? g.gracefulRestart),
    maxReceivedPrefixes: d.maxReceivedPrefixes
      ? validateUint32(d.maxReceivedPrefixes, 'maxReceivedPrefixes', ctx)
      : 0,
    allowOwnAs,
    replacePeerAs: d.replacePeerAs ?? false,
    removePrivateAs,
  };
}
