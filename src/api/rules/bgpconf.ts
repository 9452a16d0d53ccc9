// BgpConf admission rules: AS numbers, router ID, listen port and addresses, families, graceful
// restart timers. policy (a ConfigMap of gobgp TOML in OpenELB) is accepted and ignored with a
// warning; only the object named "default" is used, any other name gets a warning (not a denial,
// so OpenELB manifests with other names still apply). An AS change that makes an existing BgpPeer
// with removePrivateAs / replacePeerAs iBGP is a warning naming that peer (see bgp-session.ts).
import { strictIpFamily } from '../../net/ip.ts';
import { BGPCONF_DEFAULT_NAME } from '../names.ts';
import { confMessage, ibgpFindings, needsBgpConf } from './bgp-session.ts';
import { checkGracefulRestart } from './graceful-restart.ts';
import type { BgpConfLike } from './objects.ts';
import {
  Issues,
  intInRange,
  isLabelValue,
  isRecord,
  ratchet,
  show,
  type ValidationResult,
} from './issues.ts';

/** What the admission check knows beyond the object itself. */
export interface BgpConfContext {
  /** every BgpPeer; undefined = not looked up */
  peers?: readonly { metadata: { name: string }; spec?: unknown }[];
  /** listing the BgpPeers failed: the iBGP warnings are skipped, with a warning saying so */
  peersError?: string;
}

/** gobgp route-family codes (AFI << 16 | SAFI) openelb-ts handles. */
export const KNOWN_FAMILIES: Readonly<Record<number, string>> = {
  65537: 'IPv4 unicast',
  131073: 'IPv6 unicast',
};

const AS_TRANS = 23456;

export function checkAsn(issues: Issues, field: string, v: unknown, required: boolean): void {
  if (v === undefined || v === null) {
    if (required) issues.error(field, 'Required value: the AS number (1-4294967295)');
    return;
  }
  if (v === 0) {
    issues.error(field, 'Invalid value: 0: AS 0 is reserved (RFC 7607); must be between 1 and 4294967295');
    return;
  }
  if (intInRange(issues, field, v, 1, 0xffffffff) === AS_TRANS) {
    issues.warn(field, 'AS 23456 is AS_TRANS (RFC 6793), a placeholder for 4-byte AS numbers, not a real AS');
  }
}

export function checkRouterId(issues: Issues, field: string, v: unknown): boolean {
  if (v === undefined || v === null || v === '') return false;
  if (typeof v !== 'string' || strictIpFamily(v) !== 4 || v === '0.0.0.0') {
    issues.error(field, `Invalid value: ${show(v)}: must be a dotted IPv4 address other than 0.0.0.0`);
    return false;
  }
  return true;
}

function checkFamilies(issues: Issues, v: unknown): void {
  if (v === undefined || v === null) return;
  if (!Array.isArray(v)) {
    issues.error('spec.families', `Invalid value: ${show(v)}: must be a list of gobgp route-family codes`);
    return;
  }
  const known = Object.entries(KNOWN_FAMILIES)
    .map(([c, n]) => `${c} (${n})`)
    .join(', ');
  v.forEach((f, i) => {
    if (typeof f !== 'number' || KNOWN_FAMILIES[f] === undefined) {
      issues.error(`spec.families[${i}]`, `Unsupported value: ${show(f)}: supported families: ${known}`);
    }
  });
}

/** Peers that this BgpConf makes iBGP while they set eBGP-only fields, and the old one did not. */
function peersTurnedIbgp(
  issues: Issues,
  obj: BgpConfLike,
  oldObject: BgpConfLike | undefined,
  ctx: BgpConfContext,
): void {
  if (obj.metadata.name !== BGPCONF_DEFAULT_NAME) return;
  if (ctx.peersError !== undefined) {
    issues.warn(
      'spec.as',
      `not checked against the BgpPeers (does this AS make one of them iBGP?): ${ctx.peersError}`,
    );
    return;
  }
  const peers = [...(ctx.peers ?? [])]
    .filter((p) => needsBgpConf(p.spec))
    .sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1));
  for (const p of peers) {
    const before = new Set(
      oldObject ? ibgpFindings(p.spec, oldObject).map((f) => confMessage(p.metadata.name, f)) : [],
    );
    for (const f of ibgpFindings(p.spec, obj)) {
      const message = confMessage(p.metadata.name, f);
      if (!before.has(message)) issues.warn(f.confField ?? 'spec.as', message);
    }
  }
}

export function validateBgpConf(
  obj: BgpConfLike,
  oldObject?: BgpConfLike,
  ctx: BgpConfContext = {},
): ValidationResult {
  const issues = new Issues();
  if (obj.metadata.name !== BGPCONF_DEFAULT_NAME) {
    issues.warn(
      'metadata.name',
      `only the BgpConf named "${BGPCONF_DEFAULT_NAME}" is used; ${show(obj.metadata.name)} is ignored`,
    );
  }
  const spec = isRecord(obj.spec) ? obj.spec : undefined;
  if (!spec) {
    issues.error('spec', 'Required value');
    return issues.result();
  }
  checkAsn(issues, 'spec.as', spec['as'], true);
  const racks = spec['asPerRack'];
  if (racks !== undefined && racks !== null) {
    if (!isRecord(racks))
      issues.error('spec.asPerRack', `Invalid value: ${show(racks)}: must map rack names to AS numbers`);
    else {
      for (const [rack, asn] of Object.entries(racks)) {
        if (!isLabelValue(rack))
          issues.error(
            `spec.asPerRack[${rack}]`,
            `Invalid value: ${show(rack)}: a rack name must be a valid label value (it matches the node label openelb.kubesphere.io/rack)`,
          );
        checkAsn(issues, `spec.asPerRack[${rack}]`, asn, true);
      }
    }
  }
  if (checkRouterId(issues, 'spec.routerId', spec['routerId'])) {
    issues.warn(
      'spec.routerId',
      "every replica will use this same router ID, which routers may reject (OpenELB issue #315); leave it empty to use each node's InternalIP",
    );
  }
  const port = spec['listenPort'];
  if (port !== undefined && port !== null) {
    if (port === 0)
      issues.error('spec.listenPort', 'Invalid value: 0: must be -1 (do not listen) or between 1 and 65535');
    else intInRange(issues, 'spec.listenPort', port, -1, 65535, ' (-1 = do not listen)');
  }
  const addrs = spec['listenAddresses'];
  if (Array.isArray(addrs)) {
    addrs.forEach((a, i) => {
      if (strictIpFamily(a) === undefined)
        issues.error(
          `spec.listenAddresses[${i}]`,
          `Invalid value: ${show(a)}: must be an IP address (no prefix length, no zone index)`,
        );
    });
  } else if (addrs !== undefined && addrs !== null) {
    issues.error('spec.listenAddresses', `Invalid value: ${show(addrs)}: must be a list of IP addresses`);
  }
  checkFamilies(issues, spec['families']);
  checkGracefulRestart(issues, 'spec.gracefulRestart', spec['gracefulRestart'], 'every peer');
  if (spec['policy'] !== undefined && spec['policy'] !== '') {
    issues.warn(
      'spec.policy',
      'ignored: openelb-ts installs its own export policy; set communities and local-pref per pool in Eip spec.bgp',
    );
  }
  peersTurnedIbgp(issues, obj, oldObject, ctx);
  return oldObject ? ratchet(issues.result(), obj, oldObject, validateBgpConf(oldObject)) : issues.result();
}
