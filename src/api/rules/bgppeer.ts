// BgpPeer admission rules: neighbour address and AS, timers (strings or integers, as OpenELB wrote
// them), families (IPv4/IPv6 unicast only), multihop TTL, transport. vrf and neighborInterface are
// refused (global table, numbered sessions only); a plain-text authPassword is accepted with a
// warning recommending authPasswordSecretRef; fields gobgp treats as state or that openelb-ts
// ignores get a warning each. removePrivateAs / replacePeerAs on an iBGP session are refused; when
// that depends on BgpConf `default`, the caller passes it in (see bgp-session.ts). A neighbour
// another BgpPeer already has on a node both can select is refused (see bgppeer-neighbor.ts) when
// the caller passes the other BgpPeers in. Timers, afiSafis, nodeSelector and the checks across
// objects each live in a bgppeer-*.ts file of their own.
import { strictIpFamily, type Family } from '../../net/ip.ts';
import { TCP_MSS_MAX, TCP_MSS_MIN } from '../bgp-values.ts';
import { checkAsn } from './bgpconf.ts';
import { neighborIssues, sessionIssues, type BgpPeerContext } from './bgppeer-cross.ts';
import { checkAfiSafis } from './bgppeer-families.ts';
import { checkNodeSelector } from './bgppeer-selector.ts';
import { checkTimers } from './bgppeer-timers.ts';
import { GOBGPD_IGNORES } from './gobgpd-ignores.ts';
import { checkGracefulRestart } from './graceful-restart.ts';
import {
  Issues,
  intInRange,
  isDnsSubdomain,
  isRecord,
  ratchet,
  recordAt,
  show,
  type ValidationResult,
} from './issues.ts';
import type { BgpPeerLike } from './objects.ts';

/** Linux TCP_MD5SIG_MAXKEYLEN. */
const MD5_MAX_KEY = 80;

function isSet(v: unknown): boolean {
  return v !== undefined && v !== null && v !== '' && v !== 0 && v !== false;
}

function checkNeighbor(issues: Issues, conf: Record<string, unknown>): Family | undefined {
  const f = 'spec.conf.neighborAddress';
  const a = conf['neighborAddress'];
  if (a === undefined || a === null || a === '') {
    issues.error(f, "Required value: the neighbour's IPv4 or IPv6 address");
    return undefined;
  }
  const fam = strictIpFamily(a) ?? 0;
  if (fam === 0) {
    issues.error(f, `Invalid value: ${show(a)}: must be an IPv4 or IPv6 address (no prefix length, no zone)`);
    return undefined;
  }
  const s = String(a).toLowerCase();
  if (s === '0.0.0.0' || s === '::' || /^(22[4-9]|23\d)\./.test(s) || s.startsWith('ff')) {
    issues.error(f, `Invalid value: ${show(a)}: must be a unicast address`);
    return undefined;
  }
  return fam === 4 ? 4 : 6;
}

function checkPassword(issues: Issues, conf: Record<string, unknown>): void {
  const pw = conf['authPassword'];
  const ref = conf['authPasswordSecretRef'];
  if (typeof pw === 'string' && pw !== '') {
    if (Buffer.byteLength(pw) > MD5_MAX_KEY)
      issues.error('spec.conf.authPassword', `Invalid value: a TCP-MD5 key is at most ${MD5_MAX_KEY} bytes`);
    issues.warn(
      'spec.conf.authPassword',
      ref !== undefined
        ? 'ignored: authPasswordSecretRef is set and wins; remove the plain-text password from the object'
        : "the password is stored in plain text in this object; prefer authPasswordSecretRef (a Secret in the manager's namespace)",
    );
  }
  if (ref === undefined || ref === null) return;
  const name = recordAt(conf, 'authPasswordSecretRef')?.['name'];
  if (typeof name !== 'string' || !isDnsSubdomain(name)) {
    issues.error('spec.conf.authPasswordSecretRef.name', `Invalid value: ${show(name)}: must name a Secret`);
  }
}

const IGNORED_CONF: ReadonlyArray<[string, string]> = [
  ['sendCommunity', 'communities are always sent when a pool sets them (Eip spec.bgp)'],
  ['peerType', 'the peer type (internal or external) follows from the AS numbers'],
  ['peerGroup', 'peer groups are not used'],
  ['routeFlapDamping', 'gobgp does not implement route flap damping'],
];

function checkConf(issues: Issues, spec: Record<string, unknown>): Family | undefined {
  const conf = spec['conf'];
  if (!isRecord(conf)) {
    issues.error('spec.conf', 'Required value: neighborAddress and peerAs');
    return undefined;
  }
  const family = checkNeighbor(issues, conf);
  checkAsn(issues, 'spec.conf.peerAs', conf['peerAs'], true);
  if (conf['localAs'] !== 0) checkAsn(issues, 'spec.conf.localAs', conf['localAs'], false);
  intInRange(issues, 'spec.conf.allowOwnAs', conf['allowOwnAs'], 0, 255);
  checkPassword(issues, conf);
  if (isSet(conf['vrf']))
    issues.error(
      'spec.conf.vrf',
      `Forbidden: ${show(conf['vrf'])}: openelb-ts peers in the global routing table only; remove vrf`,
    );
  if (isSet(conf['neighborInterface'])) {
    issues.error(
      'spec.conf.neighborInterface',
      `Forbidden: ${show(conf['neighborInterface'])}: unnumbered BGP over an interface is not supported; set neighborAddress instead`,
    );
  }
  for (const [k, why] of IGNORED_CONF) if (isSet(conf[k])) issues.warn(`spec.conf.${k}`, `ignored: ${why}`);
  return family;
}

function checkMultihop(issues: Issues, spec: Record<string, unknown>): void {
  const mh = spec['ebgpMultihop'];
  if (!isRecord(mh)) return;
  const ttl = mh['multihopTtl'];
  if (mh['enabled'] === true) {
    if (ttl === undefined || ttl === 0)
      issues.error(
        'spec.ebgpMultihop.multihopTtl',
        'Required value: a TTL between 1 and 255 when multihop is enabled',
      );
    else intInRange(issues, 'spec.ebgpMultihop.multihopTtl', ttl, 1, 255);
  } else if (ttl !== undefined && ttl !== 0) {
    if (intInRange(issues, 'spec.ebgpMultihop.multihopTtl', ttl, 1, 255) !== undefined) {
      issues.warn('spec.ebgpMultihop.multihopTtl', 'ignored: ebgpMultihop.enabled is not true');
    }
  }
}

function checkTransport(issues: Issues, spec: Record<string, unknown>, family: Family | undefined): void {
  const t = spec['transport'];
  if (!isRecord(t)) return;
  intInRange(issues, 'spec.transport.remotePort', t['remotePort'], 0, 65535, ' (0 = 179)');
  const mss = t['tcpMss'];
  if (
    intInRange(issues, 'spec.transport.tcpMss', mss, 0, TCP_MSS_MAX, ' (0 = kernel default)') !== undefined &&
    typeof mss === 'number' &&
    mss > 0
  ) {
    if (mss < TCP_MSS_MIN)
      issues.error(
        'spec.transport.tcpMss',
        `Invalid value: ${mss}: must be 0 (kernel default) or between ${TCP_MSS_MIN} and ${TCP_MSS_MAX} (Linux refuses a smaller TCP_MAXSEG)`,
      );
    else issues.warn('spec.transport.tcpMss', `accepted, but ${GOBGPD_IGNORES.tcpMss}`);
  }
  const mtu = t['mtuDiscovery'];
  if (mtu !== undefined && mtu !== null && typeof mtu !== 'boolean')
    issues.error('spec.transport.mtuDiscovery', `Invalid value: ${show(mtu)}: must be true or false`);
  else if (mtu === true)
    issues.warn('spec.transport.mtuDiscovery', `accepted, but ${GOBGPD_IGNORES.mtuDiscovery}`);
  const la = t['localAddress'];
  if (la !== undefined && la !== null && la !== '') {
    const fam = strictIpFamily(la) ?? 0;
    if (fam === 0)
      issues.error(
        'spec.transport.localAddress',
        `Invalid value: ${show(la)}: must be an IP address (no prefix length, no zone index)`,
      );
    else if (family !== undefined && fam !== family) {
      issues.error(
        'spec.transport.localAddress',
        `Invalid value: ${show(la)}: must be an IPv${family} address like neighborAddress`,
      );
    }
  }
  if (isSet(t['remoteAddress']))
    issues.warn(
      'spec.transport.remoteAddress',
      'ignored: a gobgp state field; conf.neighborAddress is the address dialled',
    );
}

export function validateBgpPeer(
  obj: BgpPeerLike,
  oldObject?: BgpPeerLike,
  ctx: BgpPeerContext = {},
): ValidationResult {
  const issues = new Issues();
  const spec = isRecord(obj.spec) ? obj.spec : undefined;
  if (!spec) {
    issues.error('spec', 'Required value');
    return issues.result();
  }
  const family = checkConf(issues, spec);
  checkTimers(issues, spec);
  checkMultihop(issues, spec);
  checkTransport(issues, spec, family);
  checkAfiSafis(issues, spec);
  checkGracefulRestart(issues, 'spec.gracefulRestart', spec['gracefulRestart'], 'the neighbour');
  checkNodeSelector(issues, spec);
  const own = oldObject
    ? ratchet(issues.result(), obj, oldObject, validateBgpPeer(oldObject))
    : issues.result();
  const cross = sessionIssues(obj, oldObject, ctx);
  const unique = neighborIssues(obj, oldObject, ctx);
  return {
    errors: [...own.errors, ...cross.errors, ...unique.errors],
    warnings: [...own.warnings, ...cross.warnings, ...unique.warnings],
  };
}
