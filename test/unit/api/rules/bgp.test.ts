import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { validateBgpConf, validateBgpPeer, type ValidationResult } from '../../../../src/api/rules/index.ts';

const conf = (spec: Record<string, unknown>, name = 'default'): ValidationResult =>
  validateBgpConf({ metadata: { name }, spec });
const peer = (spec: Record<string, unknown>): ValidationResult =>
  validateBgpPeer({ metadata: { name: 'p' }, spec });
const base = { conf: { neighborAddress: '172.22.0.2', peerAs: 65001 } };
const withPeer = (extra: Record<string, unknown>): Record<string, unknown> => ({ ...base, ...extra });

function one(r: ValidationResult, field: string, re: RegExp): void {
  assert.equal(r.errors.length, 1, `expected one error, got ${JSON.stringify(r.errors)}`);
  assert.equal(r.errors[0]?.field, field);
  assert.match(r.errors[0]?.message ?? '', re);
}
const ok = (r: ValidationResult): void => assert.deepEqual(r.errors, []);
const warned = (r: ValidationResult, field: string, re: RegExp): void => {
  const w = r.warnings.find((x) => x.field === field);
  assert.ok(w, `no warning on ${field}: ${JSON.stringify(r.warnings)}`);
  assert.match(w.message, re);
};

describe('validateBgpConf', () => {
  it('accepts the seed BgpConf', () => ok(conf({ as: 50000, listenPort: 17900, routerId: '172.22.0.10' })));
  it('ASN range', () => {
    one(conf({ as: 0 }), 'spec.as', /AS 0 is reserved/);
    one(conf({ as: 4294967296 }), 'spec.as', /between 1 and 4294967295/);
    one(conf({ as: 1.5 }), 'spec.as', /integer/);
    one(conf({}), 'spec.as', /Required/);
    ok(conf({ as: 4294967295 }));
    one(conf({ as: 65000, asPerRack: { rack1: 0 } }), 'spec.asPerRack[rack1]', /reserved/);
  });
  it('router ID must be dotted IPv4', () => {
    one(conf({ as: 1, routerId: '2001:db8::1' }), 'spec.routerId', /dotted IPv4/);
    one(conf({ as: 1, routerId: '1.2.3' }), 'spec.routerId', /dotted IPv4/);
    one(conf({ as: 1, routerId: '0.0.0.0' }), 'spec.routerId', /other than 0\.0\.0\.0/);
    warned(conf({ as: 1, routerId: '10.0.0.1' }), 'spec.routerId', /every replica/);
  });
  it('listenPort -1 or 1..65535', () => {
    ok(conf({ as: 1, listenPort: -1 }));
    ok(conf({ as: 1, listenPort: 179 }));
    one(conf({ as: 1, listenPort: 0 }), 'spec.listenPort', /-1/);
    one(conf({ as: 1, listenPort: 65536 }), 'spec.listenPort', /between -1 and 65535/);
    one(conf({ as: 1, listenPort: -2 }), 'spec.listenPort', /between -1 and 65535/);
  });
  it('families: only IPv4 and IPv6 unicast', () => {
    ok(conf({ as: 1, families: [65537, 131073] }));
    one(conf({ as: 1, families: [65537, 65540] }), 'spec.families[1]', /Unsupported value: 65540/);
  });
  it('listen addresses must be IPs', () =>
    one(conf({ as: 1, listenAddresses: ['0.0.0.0', 'any'] }), 'spec.listenAddresses[1]', /"any"/));
  it('listen addresses: no prefix length, no zone index (node:net isIP takes both zone forms)', () => {
    one(conf({ as: 1, listenAddresses: ['10.99.0.0/24'] }), 'spec.listenAddresses[0]', /no prefix length/);
    one(
      conf({ as: 1, listenAddresses: ['::', 'fe80::11%eth0'] }),
      'spec.listenAddresses[1]',
      /no zone index/,
    );
    ok(conf({ as: 1, listenAddresses: ['fe80::11', '2001:db8::1'] }));
  });
  it('neighbour and local addresses: no zone index', () => {
    one(
      peer({ conf: { neighborAddress: 'fe80::2%eth0', peerAs: 65001 } }),
      'spec.conf.neighborAddress',
      /no zone/,
    );
    one(
      peer(withPeer({ transport: { localAddress: '172.22.0.1%eth0' } })),
      'spec.transport.localAddress',
      /no zone index/,
    );
  });
  it('graceful restart timer ranges; state fields warned', () => {
    one(
      conf({ as: 1, gracefulRestart: { enabled: true, restartTime: 5000 } }),
      'spec.gracefulRestart.restartTime',
      /0 and 4095/,
    );
    one(
      conf({ as: 1, gracefulRestart: { deferralTime: -1 } }),
      'spec.gracefulRestart.deferralTime',
      /0 and 65535/,
    );
    const r = conf({ as: 1, gracefulRestart: { enabled: true, restartTime: 120, peerRestarting: true } });
    ok(r);
    warned(r, 'spec.gracefulRestart.peerRestarting', /state field/);
    warned(r, 'spec.gracefulRestart.enabled', /dead replica/);
  });
  it('policy and a name other than default are warnings', () => {
    const r = conf({ as: 1, policy: 'my-policy' }, 'other');
    ok(r);
    warned(r, 'spec.policy', /ignored/);
    warned(r, 'metadata.name', /only the BgpConf named "default"/);
  });
});

describe('validateBgpPeer', () => {
  it('accepts the seed BgpPeer (timers as strings)', () => {
    ok(
      peer(
        withPeer({
          timers: { config: { holdTime: '9', keepaliveInterval: '3' } },
          transport: { remotePort: 179 },
          afiSafis: [{ config: { family: { afi: 'AFI_IP', safi: 'SAFI_UNICAST' }, enabled: true } }],
        }),
      ),
    );
  });
  it('neighbour address must be an IP', () => {
    one(
      peer({ conf: { neighborAddress: '172.22.0.300', peerAs: 1 } }),
      'spec.conf.neighborAddress',
      /"172\.22\.0\.300"/,
    );
    one(
      peer({ conf: { neighborAddress: '10.0.0.0/24', peerAs: 1 } }),
      'spec.conf.neighborAddress',
      /no prefix length/,
    );
    one(peer({ conf: { peerAs: 1 } }), 'spec.conf.neighborAddress', /Required/);
    one(peer({ conf: { neighborAddress: '224.0.0.5', peerAs: 1 } }), 'spec.conf.neighborAddress', /unicast/);
    ok(peer({ conf: { neighborAddress: '2001:db8::2', peerAs: 1 } }));
  });
  it('peerAs range', () => {
    one(peer({ conf: { neighborAddress: '10.0.0.1', peerAs: 0 } }), 'spec.conf.peerAs', /reserved/);
    one(
      peer({ conf: { neighborAddress: '10.0.0.1', peerAs: 4294967296 } }),
      'spec.conf.peerAs',
      /4294967295/,
    );
    one(peer({ conf: { neighborAddress: '10.0.0.1' } }), 'spec.conf.peerAs', /Required/);
  });
  it('timers: hold 0 or 3..65535, keepalive < hold, strings or ints', () => {
    ok(peer(withPeer({ timers: { config: { holdTime: 0 } } })));
    ok(peer(withPeer({ timers: { config: { holdTime: 90, keepaliveInterval: 30, connectRetry: '5' } } })));
    one(
      peer(withPeer({ timers: { config: { holdTime: '2' } } })),
      'spec.timers.config.holdTime',
      /0 \(no keepalives\) or between 3 and 65535/,
    );
    one(
      peer(withPeer({ timers: { config: { holdTime: 70000 } } })),
      'spec.timers.config.holdTime',
      /at most 65535/,
    );
    one(
      peer(withPeer({ timers: { config: { holdTime: 'nine' } } })),
      'spec.timers.config.holdTime',
      /whole number of seconds/,
    );
    one(
      peer(withPeer({ timers: { config: { holdTime: '9', keepaliveInterval: '9' } } })),
      'spec.timers.config.keepaliveInterval',
      /less than holdTime 9/,
    );
    one(
      peer(withPeer({ timers: { config: { keepaliveInterval: 100 } } })),
      'spec.timers.config.keepaliveInterval',
      /default holdTime 90/,
    );
    warned(
      peer(withPeer({ timers: { config: { holdTime: 9, keepaliveInterval: 5 } } })),
      'spec.timers.config.keepaliveInterval',
      /more than a third/,
    );
  });
  it('afiSafis: only IPv4/IPv6 unicast, no duplicates', () => {
    one(
      peer(withPeer({ afiSafis: [{ config: { family: { afi: 'AFI_L2VPN', safi: 'SAFI_EVPN' } } }] })),
      'spec.afiSafis[0].config.family',
      /AFI_L2VPN/,
    );
    one(
      peer(
        withPeer({ afiSafis: [{ config: { family: { afi: 'AFI_IP', safi: 'SAFI_FLOWSPEC_UNICAST' } } }] }),
      ),
      'spec.afiSafis[0].config.family',
      /SAFI_FLOWSPEC/,
    );
    one(
      peer(
        withPeer({
          afiSafis: [
            { config: { family: { afi: 'AFI_IP', safi: 'SAFI_UNICAST' } } },
            { config: { family: { afi: 'AFI_IP', safi: 'SAFI_UNICAST' } } },
          ],
        }),
      ),
      'spec.afiSafis[1].config.family',
      /Duplicate/,
    );
    ok(
      peer(
        withPeer({
          afiSafis: [
            { config: { family: { afi: 'AFI_IP', safi: 'SAFI_UNICAST' } } },
            { config: { family: { afi: 'AFI_IP6', safi: 'SAFI_UNICAST' } } },
            { config: { enabled: true } },
          ],
        }),
      ),
    );
    warned(
      peer(withPeer({ afiSafis: [{ addPaths: { config: { sendMax: 10 } } }] })),
      'spec.afiSafis[0].addPaths',
      /ignored/,
    );
  });
  it('ebgpMultihop TTL 1..255', () => {
    one(
      peer(withPeer({ ebgpMultihop: { enabled: true, multihopTtl: 0 } })),
      'spec.ebgpMultihop.multihopTtl',
      /Required/,
    );
    one(
      peer(withPeer({ ebgpMultihop: { enabled: true, multihopTtl: 256 } })),
      'spec.ebgpMultihop.multihopTtl',
      /1 and 255/,
    );
    ok(peer(withPeer({ ebgpMultihop: { enabled: true, multihopTtl: 2 } })));
  });
  it('vrf and neighborInterface are refused', () => {
    one(peer({ conf: { ...base.conf, vrf: 'blue' } }), 'spec.conf.vrf', /global routing table/);
    one(
      peer({ conf: { ...base.conf, neighborInterface: 'eth1' } }),
      'spec.conf.neighborInterface',
      /unnumbered/,
    );
  });
  it('plain authPassword is a warning recommending a Secret; over-long keys refused', () => {
    const r = peer({ conf: { ...base.conf, authPassword: 'secret' } });
    ok(r);
    warned(r, 'spec.conf.authPassword', /authPasswordSecretRef/);
    one(
      peer({ conf: { ...base.conf, authPassword: 'x'.repeat(81) } }),
      'spec.conf.authPassword',
      /at most 80 bytes/,
    );
    ok(peer({ conf: { ...base.conf, authPasswordSecretRef: { name: 'bgp-auth' } } }));
    one(
      peer({ conf: { ...base.conf, authPasswordSecretRef: { name: 'Bad Name' } } }),
      'spec.conf.authPasswordSecretRef.name',
      /Secret/,
    );
  });
  it('remotePort range; localAddress family', () => {
    one(peer(withPeer({ transport: { remotePort: 70000 } })), 'spec.transport.remotePort', /0 and 65535/);
    one(
      peer(withPeer({ transport: { localAddress: '2001:db8::1' } })),
      'spec.transport.localAddress',
      /IPv4/,
    );
  });
  it('ignored fields are warnings', () => {
    const r = peer({
      conf: { ...base.conf, peerType: 1, peerGroup: 'g', sendCommunity: 1 },
      transport: { remoteAddress: '1.2.3.4' },
    });
    ok(r);
    for (const f of [
      'spec.conf.peerType',
      'spec.conf.peerGroup',
      'spec.conf.sendCommunity',
      'spec.transport.remoteAddress',
    ])
      warned(r, f, /ignored/);
  });
  it('nodeSelector expressions', () => {
    ok(
      peer(
        withPeer({
          nodeSelector: {
            matchLabels: { 'kubernetes.io/hostname': 'node1' },
            matchExpressions: [{ key: 'rack', operator: 'In', values: ['a'] }],
          },
        }),
      ),
    );
    one(
      peer(withPeer({ nodeSelector: { matchExpressions: [{ key: 'rack', operator: 'In' }] } })),
      'spec.nodeSelector.matchExpressions[0].values',
      /non-empty/,
    );
    one(
      peer(
        withPeer({ nodeSelector: { matchExpressions: [{ key: 'rack', operator: 'Like', values: ['a'] }] } }),
      ),
      'spec.nodeSelector.matchExpressions[0].operator',
      /"Like"/,
    );
  });
});
