// BgpPeer rules that need BgpConf `default` (removePrivateAs / replacePeerAs on an iBGP session), the
// reverse warning on a BgpConf AS change, and the session options gobgpd 3.10 accepts but ignores.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { validateBgpConf, validateBgpPeer, type ValidationResult } from '../../../../src/api/rules/index.ts';

type Spec = Record<string, unknown>;
const peerObj = (spec: Spec, name = 'p') => ({ metadata: { name }, spec });
const confObj = (spec: Spec, name = 'default') => ({ metadata: { name }, spec });
const DEFAULT_CONF = confObj({ as: 65001 });
const conf = (peerAs: number, extra: Spec = {}): Spec => ({
  conf: { neighborAddress: '172.22.0.2', peerAs, ...extra },
});

function denied(r: ValidationResult, field: string, re: RegExp): void {
  assert.equal(r.errors.length, 1, `expected one error, got ${JSON.stringify(r.errors)}`);
  assert.equal(r.errors[0]?.field, field);
  assert.match(r.errors[0]?.message ?? '', re);
}
const ok = (r: ValidationResult, what?: string): void => assert.deepEqual(r.errors, [], what);
const warned = (r: ValidationResult, field: string, re: RegExp): void => {
  const w = r.warnings.find((x) => x.field === field && re.test(x.message));
  assert.ok(w, `no warning on ${field} matching ${re}: ${JSON.stringify(r.warnings)}`);
};
const noWarning = (r: ValidationResult, field: string): void =>
  assert.deepEqual(
    r.warnings.filter((w) => w.field === field),
    [],
  );

describe('validateBgpPeer: eBGP-only fields against BgpConf default', () => {
  it('removePrivateAs on an iBGP peer (peerAs = BgpConf spec.as) is denied, naming the field and why', () => {
    const r = validateBgpPeer(peerObj(conf(65001, { removePrivateAs: 'ALL' })), undefined, {
      bgpConf: DEFAULT_CONF,
    });
    denied(
      r,
      'spec.conf.removePrivateAs',
      /^Forbidden: "ALL": removePrivateAs applies to eBGP sessions only, and this session is iBGP \(peerAs 65001 equals spec\.as 65001 of BgpConf "default"\)/,
    );
  });
  it('replacePeerAs likewise; both at once give two errors', () => {
    denied(
      validateBgpPeer(peerObj(conf(65001, { replacePeerAs: true })), undefined, { bgpConf: DEFAULT_CONF }),
      'spec.conf.replacePeerAs',
      /replacePeerAs applies to eBGP sessions only/,
    );
    const r = validateBgpPeer(
      peerObj(conf(65001, { replacePeerAs: true, removePrivateAs: 'REPLACE' })),
      undefined,
      { bgpConf: DEFAULT_CONF },
    );
    assert.deepEqual(
      r.errors.map((e) => e.field),
      ['spec.conf.removePrivateAs', 'spec.conf.replacePeerAs'],
    );
  });
  it('eBGP peers, NONE / empty / false, and a missing BgpConf are allowed', () => {
    ok(
      validateBgpPeer(peerObj(conf(65002, { removePrivateAs: 'ALL', replacePeerAs: true })), undefined, {
        bgpConf: DEFAULT_CONF,
      }),
    );
    ok(
      validateBgpPeer(peerObj(conf(65001, { removePrivateAs: 'NONE', replacePeerAs: false })), undefined, {
        bgpConf: DEFAULT_CONF,
      }),
    );
    ok(validateBgpPeer(peerObj(conf(65001, { removePrivateAs: '' })), undefined, { bgpConf: DEFAULT_CONF }));
    ok(validateBgpPeer(peerObj(conf(65001, { removePrivateAs: 'ALL' })), undefined, { bgpConf: null }));
    ok(
      validateBgpPeer(peerObj(conf(65001, { removePrivateAs: 'ALL' }))),
      "no context: the reconcilers' Valid condition",
    );
    ok(
      validateBgpPeer(peerObj(conf(65001, { removePrivateAs: 'ALL' })), undefined, {
        bgpConf: confObj({ as: 65001 }, 'other'),
      }),
      'only "default" counts',
    );
  });
  it("the peer's own localAs decides, with or without a BgpConf", () => {
    denied(
      validateBgpPeer(peerObj(conf(65010, { localAs: 65010, removePrivateAs: 'ALL' }))),
      'spec.conf.removePrivateAs',
      /peerAs 65010 equals spec\.conf\.localAs 65010/,
    );
    ok(
      validateBgpPeer(peerObj(conf(65001, { localAs: 65099, removePrivateAs: 'ALL' })), undefined, {
        bgpConf: DEFAULT_CONF,
      }),
      'localAs makes it eBGP',
    );
    ok(
      validateBgpPeer(peerObj(conf(65001, { localAs: 0, removePrivateAs: 'ALL' })), undefined, {
        bgpConf: confObj({ as: 65000 }),
      }),
      'localAs 0 = the global AS',
    );
  });
  it('asPerRack: iBGP only on some replicas is a warning; on all of them a denial', () => {
    const racks = confObj({ as: 65001, asPerRack: { r1: 65101, r2: 65102 } });
    const some = validateBgpPeer(peerObj(conf(65001, { removePrivateAs: 'ALL' })), undefined, {
      bgpConf: racks,
    });
    ok(some);
    warned(some, 'spec.conf.removePrivateAs', /no rack of its asPerRack.*gobgp refuses the peer there/);
    const rack = validateBgpPeer(peerObj(conf(65102, { replacePeerAs: true })), undefined, {
      bgpConf: racks,
    });
    ok(rack);
    warned(rack, 'spec.conf.replacePeerAs', /rack\(s\) "r2" in spec\.asPerRack/);
    denied(
      validateBgpPeer(peerObj(conf(65001, { removePrivateAs: 'ALL' })), undefined, {
        bgpConf: confObj({ as: 65001, asPerRack: { r1: 65001 } }),
      }),
      'spec.conf.removePrivateAs',
      /every rack/,
    );
  });
  it('a failed BgpConf lookup allows with a warning', () => {
    const r = validateBgpPeer(peerObj(conf(65001, { removePrivateAs: 'ALL' })), undefined, {
      bgpConfError: 'timed out',
    });
    ok(r);
    warned(r, 'spec.conf.peerAs', /not checked against BgpConf "default".*timed out/);
  });
  it('update: an iBGP peer stored before stays editable (warning); turning a peer iBGP is denied', () => {
    const stored = peerObj({
      ...conf(65001, { removePrivateAs: 'ALL' }),
      timers: { config: { holdTime: '90' } },
    });
    const edited = peerObj({
      ...conf(65001, { removePrivateAs: 'ALL' }),
      timers: { config: { holdTime: '9', keepaliveInterval: '3' } },
    });
    const r = validateBgpPeer(edited, stored, { bgpConf: DEFAULT_CONF });
    ok(r);
    warned(r, 'spec.conf.removePrivateAs', /already stored/);
    const wasEbgp = peerObj(conf(65002, { removePrivateAs: 'ALL' }));
    denied(
      validateBgpPeer(peerObj(conf(65001, { removePrivateAs: 'ALL' })), wasEbgp, { bgpConf: DEFAULT_CONF }),
      'spec.conf.removePrivateAs',
      /iBGP/,
    );
    denied(
      validateBgpPeer(peerObj(conf(65001, { removePrivateAs: 'ALL' })), peerObj(conf(65001)), {
        bgpConf: DEFAULT_CONF,
      }),
      'spec.conf.removePrivateAs',
      /iBGP/,
    );
  });
});

describe('validateBgpConf: an AS change that turns a peer with eBGP-only fields into iBGP', () => {
  const peers = [
    peerObj(conf(65002, { removePrivateAs: 'ALL' }), 'strip-private'),
    peerObj(conf(65002), 'plain'),
    peerObj(conf(65003, { replacePeerAs: true }), 'override'),
    peerObj(conf(65002, { localAs: 65050, removePrivateAs: 'ALL' }), 'own-local-as'),
  ];
  it('warns (never denies), naming the peer and the field', () => {
    const r = validateBgpConf(confObj({ as: 65002 }), confObj({ as: 65001 }), { peers });
    ok(r);
    const msgs = r.warnings.filter((w) => w.field === 'spec.as').map((w) => w.message);
    assert.equal(msgs.length, 1, JSON.stringify(r.warnings));
    assert.match(
      msgs[0] ?? '',
      /^BgpPeer "strip-private" sets spec\.conf\.removePrivateAs \("ALL"\), which gobgp accepts on eBGP sessions only; peerAs 65002 equals spec\.as 65002 of BgpConf "default", so that session becomes iBGP and gobgp refuses the peer on every replica$/,
    );
  });
  it('on create too; a rack AS warns on spec.asPerRack', () => {
    warned(
      validateBgpConf(confObj({ as: 65003 }), undefined, { peers }),
      'spec.as',
      /BgpPeer "override" sets spec\.conf\.replacePeerAs/,
    );
    warned(
      validateBgpConf(confObj({ as: 65001, asPerRack: { east: 65003 } }), confObj({ as: 65001 }), { peers }),
      'spec.asPerRack',
      /BgpPeer "override".*rack\(s\) "east".*on those replicas/,
    );
  });
  it('no warning when nothing changes for the peer, for other names, or without peers', () => {
    noWarning(
      validateBgpConf(confObj({ as: 65002, listenPort: 1790 }), confObj({ as: 65002 }), { peers }),
      'spec.as',
    );
    noWarning(validateBgpConf(confObj({ as: 65009 }), confObj({ as: 65001 }), { peers }), 'spec.as');
    noWarning(validateBgpConf(confObj({ as: 65002 }, 'other'), undefined, { peers }), 'spec.as');
    noWarning(validateBgpConf(confObj({ as: 65002 })), 'spec.as');
  });
  it('a failed BgpPeer list is a warning', () => {
    const r = validateBgpConf(confObj({ as: 65002 }), confObj({ as: 65001 }), {
      peersError: 'connection refused',
    });
    ok(r);
    warned(r, 'spec.as', /not checked against the BgpPeers.*connection refused/);
  });
});

describe('validateBgpPeer: session options gobgpd 3.10 ignores', () => {
  const t = (transport: Spec): Spec => ({ ...conf(65002), transport });
  it('tcpMss: 0 or 88..32767; a set value is a warning that gobgpd ignores it', () => {
    ok(validateBgpPeer(peerObj(t({ tcpMss: 0 }))));
    noWarning(validateBgpPeer(peerObj(t({ tcpMss: 0 }))), 'spec.transport.tcpMss');
    for (const v of [88, 1400, 32767]) {
      const r = validateBgpPeer(peerObj(t({ tcpMss: v })));
      ok(r);
      warned(r, 'spec.transport.tcpMss', /gobgpd 3\.10 does not read transport\.tcp_mss/);
    }
    denied(
      validateBgpPeer(peerObj(t({ tcpMss: 87 }))),
      'spec.transport.tcpMss',
      /0 \(kernel default\) or between 88 and 32767/,
    );
    denied(validateBgpPeer(peerObj(t({ tcpMss: 40000 }))), 'spec.transport.tcpMss', /between 0 and 32767/);
  });
  it('mtuDiscovery: a boolean; true is a warning', () => {
    noWarning(validateBgpPeer(peerObj(t({ mtuDiscovery: false }))), 'spec.transport.mtuDiscovery');
    warned(
      validateBgpPeer(peerObj(t({ mtuDiscovery: true }))),
      'spec.transport.mtuDiscovery',
      /does not read transport\.mtu_discovery/,
    );
    denied(
      validateBgpPeer(peerObj(t({ mtuDiscovery: 'yes' }))),
      'spec.transport.mtuDiscovery',
      /true or false/,
    );
  });
  it('minimumAdvertisementInterval: a timer (string or integer, at most 65535); non-zero is a warning', () => {
    const m = (v: unknown) =>
      validateBgpPeer(peerObj({ ...conf(65002), timers: { config: { minimumAdvertisementInterval: v } } }));
    noWarning(m('0'), 'spec.timers.config.minimumAdvertisementInterval');
    warned(m('30'), 'spec.timers.config.minimumAdvertisementInterval', /no MRAI timer/);
    warned(m(5), 'spec.timers.config.minimumAdvertisementInterval', /no MRAI timer/);
    denied(m(70000), 'spec.timers.config.minimumAdvertisementInterval', /at most 65535/);
    denied(m('thirty'), 'spec.timers.config.minimumAdvertisementInterval', /whole number of seconds/);
  });
});
