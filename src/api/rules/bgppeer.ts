// BgpPeer admission rules: neighbour address and AS, timers (strings or integers, as OpenELB wrote
// them), families (IPv4/IPv6 unicast only), multihop TTL, transport. vrf and neighborInterface are
// refused (global table, numbered sessions only); a plain-text authPassword is accepted with a
// warning recommending authPasswordSecretRef; fields gobgp treats as state or that openelb-ts
// ignores get a warning each. removePrivateAs / replacePeerAs on an iBGP session are refused; when
// that depends on BgpConf `default`, the caller passes it in (see bgp-session.ts). A neighbour
// another BgpPeer already has on a node both can select is refused (see bgppeer-neighbor.ts) when
// the caller passes the other BgpPeers in.
import { strictIpFamily } from '../../net/ip.ts';
import { TCP_MSS_MAX, TCP_MSS_MIN } from '../../bgp/validate.ts';
import { checkAsn } from './bgpconf.ts';
import { ibgpFindings, peerMessage } from './bgp-session.ts';
import { neighborClashes, neighborKey, type NeighborPeer } from './bgppeer-neighbor.ts';
import { checkGracefulRestart } from './graceful-restart.ts';
import type { BgpConfLike, BgpPeerLike } from './objects.ts';
import {
  Issues,
  intInRange,
  isDnsSubdomain,
  isLabelKey,
  isLabelValue,
  isRecord,
  ratchet,
  recordAt,
  show,
  type FieldIssue,
  type ValidationResult,
} from './issues.ts';

/** What the admission check knows beyond the object itself. */
export interface BgpPeerContext {
  /** BgpConf `default`; null = it does not exist; undefined = not looked up */
  bgpConf?: BgpConfLike | null;
  /** reading BgpConf `default` failed: the iBGP checks that need it are skipped with a warning */
  bgpConfError?: string;
  /** every stored BgpPeer (the object itself may be among them), for the one-peer-per-neighbour rule */
  peers?: readonly NeighborPeer[];
  /** reading the BgpPeers failed: the rule is skipped with a warning (the controllers still apply it) */
  peersError?: string;
}

/** gobgpd 3.10 takes these over gRPC without acting on them (read in its source, checked with ListPeer). */
const GOBGPD_IGNORES = {
  minimumAdvertisementInterval:
    'gobgpd 3.10 stores it but has no MRAI timer (UPDATEs go out as soon as they are ready)',
  mtuDiscovery:
    'gobgpd 3.10 does not read transport.mtu_discovery; the kernel default applies (Linux: path MTU discovery on unless net.ipv4.ip_no_pmtu_disc is set)',
  tcpMss:
    'gobgpd 3.10 does not read transport.tcp_mss and sets no TCP_MAXSEG; the kernel derives the MSS from the route (an advmss on the route to the neighbour sets it)',
} as const;

/** Linux TCP_MD5SIG_MAXKEYLEN. */
const MD5_MAX_KEY = 80;
const DEFAULT_HOLD = 90;
const SUPPORTED_FAMILIES = new Set(['AFI_IP/SAFI_UNICAST', 'AFI_IP6/SAFI_UNICAST']);

function isSet(v: unknown): boolean {
  return v !== undefined && v !== null && v !== '' && v !== 0 && v !== false;
}

function checkNeighbor(issues: Issues, conf: Record<string, unknown>): 4 | 6 | undefined {
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

function checkConf(issues: Issues, spec: Record<string, unknown>): 4 | 6 | undefined {
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

/** Timer value: integer or decimal-digit string (protobuf-JSON uint64). */
function timer(issues: Issues, field: string, v: unknown): number | undefined {
  if (v === undefined || v === null) return undefined;
  let n: number;
  if (typeof v === 'string' && /^\d{1,10}$/.test(v)) n = Number(v);
  else if (typeof v === 'number' && Number.isInteger(v) && v >= 0) n = v;
  else {
    issues.error(
      field,
      `Invalid value: ${show(v)}: must be a whole number of seconds (an integer or a string of digits like "9")`,
    );
    return undefined;
  }
  if (n > 65535) {
    issues.error(field, `Invalid value: ${show(v)}: must be at most 65535 seconds`);
    return undefined;
  }
  return n;
}

function checkTimers(issues: Issues, spec: Record<string, unknown>): void {
  const cfg = recordAt(spec['timers'], 'config');
  if (!cfg) return;
  const base = 'spec.timers.config';
  const hold = timer(issues, `${base}.holdTime`, cfg['holdTime']);
  const keepalive = timer(issues, `${base}.keepaliveInterval`, cfg['keepaliveInterval']);
  timer(issues, `${base}.connectRetry`, cfg['connectRetry']);
  const mrai = timer(issues, `${base}.minimumAdvertisementInterval`, cfg['minimumAdvertisementInterval']);
  if (mrai !== undefined && mrai > 0)
    issues.warn(
      `${base}.minimumAdvertisementInterval`,
      `accepted, but ${GOBGPD_IGNORES.minimumAdvertisementInterval}`,
    );
  if (hold !== undefined && hold > 0 && hold < 3) {
    issues.error(
      `${base}.holdTime`,
      `Invalid value: ${show(cfg['holdTime'])}: must be 0 (no keepalives) or between 3 and 65535 seconds (RFC 4271)`,
    );
    return;
  }
  if (keepalive === undefined) return;
  const effHold = hold ?? DEFAULT_HOLD;
  if (effHold === 0) {
    if (keepalive > 0)
      issues.warn(`${base}.keepaliveInterval`, 'ignored: with holdTime 0 no keepalives are sent');
    return;
  }
  const holdText = hold === undefined ? `the default holdTime ${DEFAULT_HOLD}` : `holdTime ${hold}`;
  if (keepalive >= effHold) {
    issues.error(
      `${base}.keepaliveInterval`,
      `Invalid value: ${show(cfg['keepaliveInterval'])}: must be less than ${holdText} (usually a third of it)`,
    );
  } else if (keepalive * 3 > effHold) {
    issues.warn(
      `${base}.keepaliveInterval`,
      `${keepalive}s is more than a third of ${holdText}; one lost keepalive may drop the session`,
    );
  }
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

function checkTransport(issues: Issues, spec: Record<string, unknown>, family: 4 | 6 | undefined): void {
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

function checkAfiSafis(issues: Issues, spec: Record<string, unknown>): void {
  const list = spec['afiSafis'];
  if (list === undefined || list === null) return;
  if (!Array.isArray(list)) {
    issues.error('spec.afiSafis', `Invalid value: ${show(list)}: must be a list`);
    return;
  }
  const seen = new Map<string, number>();
  list.forEach((item, i) => {
    const f = `spec.afiSafis[${i}]`;
    const family = recordAt(recordAt(item, 'config'), 'family');
    if (isRecord(item) && item['addPaths'] !== undefined)
      issues.warn(
        `${f}.addPaths`,
        'ignored: each replica announces one path with itself as next hop, so no add-path is needed',
      );
    if (!family) return; // the family of neighborAddress
    const key = `${String(family['afi'])}/${String(family['safi'])}`;
    if (!SUPPORTED_FAMILIES.has(key)) {
      issues.error(
        `${f}.config.family`,
        `Unsupported value: {afi: ${show(family['afi'])}, safi: ${show(family['safi'])}}: supported: AFI_IP or AFI_IP6 with SAFI_UNICAST`,
      );
      return;
    }
    const prev = seen.get(key);
    if (prev !== undefined)
      issues.error(
        `${f}.config.family`,
        `Duplicate value: ${key} is already listed at spec.afiSafis[${prev}]`,
      );
    else seen.set(key, i);
  });
}

const OPERATORS = new Set(['In', 'NotIn', 'Exists', 'DoesNotExist']);

function checkNodeSelector(issues: Issues, spec: Record<string, unknown>): void {
  const sel = spec['nodeSelector'];
  if (!isRecord(sel)) return;
  const labels = recordAt(sel, 'matchLabels') ?? {};
  for (const [k, v] of Object.entries(labels)) {
    const f = `spec.nodeSelector.matchLabels[${k}]`;
    if (!isLabelKey(k)) issues.error(f, `Invalid value: ${show(k)}: not a label key`);
    if (typeof v !== 'string' || !isLabelValue(v))
      issues.error(f, `Invalid value: ${show(v)}: not a label value`);
  }
  const exprs = sel['matchExpressions'];
  if (!Array.isArray(exprs)) return;
  exprs.forEach((e, i) => {
    const f = `spec.nodeSelector.matchExpressions[${i}]`;
    if (!isRecord(e)) return issues.error(f, 'Invalid value: must be {key, operator, values}');
    const op = e['operator'];
    const values = e['values'];
    const n = Array.isArray(values) ? values.length : 0;
    if (typeof e['key'] !== 'string' || !isLabelKey(e['key']))
      issues.error(`${f}.key`, `Invalid value: ${show(e['key'])}: not a label key`);
    if (typeof op !== 'string' || !OPERATORS.has(op))
      issues.error(
        `${f}.operator`,
        `Unsupported value: ${show(op)}: supported values: "In", "NotIn", "Exists", "DoesNotExist"`,
      );
    else if ((op === 'In' || op === 'NotIn') && n === 0)
      issues.error(`${f}.values`, `Required value: must be non-empty for operator ${op}`);
    else if ((op === 'Exists' || op === 'DoesNotExist') && n > 0)
      issues.error(`${f}.values`, `Forbidden: must be empty for operator ${op}`);
  });
}

/**
 * removePrivateAs / replacePeerAs on an iBGP session. An update that leaves the peer as iBGP as it
 * already was (same fields, same AS numbers) only warns, like ratchet() does for other errors: the
 * BgpConf may have changed under a stored peer, and its other edits must stay possible.
 */
function sessionIssues(
  obj: BgpPeerLike,
  oldObject: BgpPeerLike | undefined,
  ctx: BgpPeerContext,
): ValidationResult {
  const errors: FieldIssue[] = [];
  const warnings: FieldIssue[] = [];
  const stored = new Set(
    oldObject
      ? ibgpFindings(oldObject.spec, ctx.bgpConf)
          .filter((f) => f.everywhere)
          .map((f) => `${f.field}\n${peerMessage(f)}`)
      : [],
  );
  for (const f of ibgpFindings(obj.spec, ctx.bgpConf)) {
    const message = peerMessage(f);
    if (!f.everywhere) warnings.push({ field: f.field, message });
    else if (stored.has(`${f.field}\n${message}`))
      warnings.push({
        field: f.field,
        message: `${message} (already stored; allowed because this update does not change it)`,
      });
    else errors.push({ field: f.field, message });
  }
  if (ctx.bgpConfError !== undefined) {
    warnings.push({
      field: 'spec.conf.peerAs',
      message: `not checked against BgpConf "default" (is this session iBGP?): ${ctx.bgpConfError}`,
    });
  }
  return { errors, warnings };
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

/**
 * One BgpPeer per neighbour and node. Denied on create, and on an update that changes the neighbour
 * or the nodeSelector into a clash (either side of it: the later peer would be the one dropped, and
 * an edit of the earlier one must not take the later one's node away); an update that leaves both
 * alone on a clash stored without the webhook only warns, so the object stays editable.
 */
function neighborIssues(
  obj: BgpPeerLike,
  oldObject: BgpPeerLike | undefined,
  ctx: BgpPeerContext,
): ValidationResult {
  const errors: FieldIssue[] = [];
  const warnings: FieldIssue[] = [];
  const field = 'spec.conf.neighborAddress';
  if (ctx.peersError !== undefined) {
    warnings.push({
      field,
      message: `not checked against the other BgpPeers (one BgpPeer per neighbour and node): ${ctx.peersError}`,
    });
    return { errors, warnings };
  }
  if (!ctx.peers) return { errors, warnings };
  const spec = isRecord(obj.spec) ? obj.spec : {};
  const old = oldObject && isRecord(oldObject.spec) ? oldObject.spec : undefined;
  const unchanged =
    old !== undefined &&
    neighborKey(old) === neighborKey(spec) &&
    sameJson(old['nodeSelector'], spec['nodeSelector']);
  const given = recordAt(spec, 'conf')?.['neighborAddress'];
  for (const c of neighborClashes(obj, ctx.peers)) {
    const message = `Duplicate value: ${show(given)}: BgpPeer "${c.other}" already has neighbour ${c.address}, and both nodeSelectors can select the same node; gobgpd keeps one peer per neighbour address, so the two would share one session and one status (edit BgpPeer "${c.other}" instead, or make the nodeSelectors disjoint)`;
    if (unchanged)
      warnings.push({
        field,
        message: `${message} (already stored; allowed because this update changes neither the neighbour nor the nodeSelector)`,
      });
    else errors.push({ field, message });
  }
  return { errors, warnings };
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
