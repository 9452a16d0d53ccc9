// The ratchet lets an update through when an error was already stored. Found by the bad-input
// property test: an error that is NEW with this update, but reported on an element the update did
// not change, was taken for a stored one — a BgpPeer edit to afiSafis [IPv6, IPv6] (the duplicate is
// reported at [1], which was IPv6 before too) and a holdTime lowered to the keepaliveInterval (the
// error is reported on keepaliveInterval, unchanged) were let through with a warning, and the entry
// check then refused what the webhook had admitted.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { validateBgpConf, validateBgpPeer, validateEip } from '../../../../src/api/rules/index.ts';

const fam = (afi: string) => ({ config: { family: { afi, safi: 'SAFI_UNICAST' }, enabled: true } });
const peer = (spec: Record<string, unknown>, annotations?: Record<string, string>) => ({
  metadata: { name: 'router1', ...(annotations ? { annotations } : {}) },
  spec: { conf: { neighborAddress: '10.99.0.1', peerAs: 64512 }, ...spec },
});

describe('ratchet: only errors the stored object already had become warnings', () => {
  it('a duplicate family created by changing the other element is denied', () => {
    const old = peer({ afiSafis: [fam('AFI_IP'), fam('AFI_IP6')] });
    const r = validateBgpPeer(peer({ afiSafis: [fam('AFI_IP6'), fam('AFI_IP6')] }), old);
    assert.deepEqual(
      r.errors.map((e) => e.field),
      ['spec.afiSafis[1].config.family'],
    );
  });

  it('a holdTime lowered to the keepaliveInterval is denied (the error names keepaliveInterval)', () => {
    const old = peer({ timers: { config: { holdTime: '9', keepaliveInterval: '3' } } });
    const r = validateBgpPeer(peer({ timers: { config: { holdTime: '3', keepaliveInterval: '3' } } }), old);
    assert.deepEqual(
      r.errors.map((e) => e.field),
      ['spec.timers.config.keepaliveInterval'],
    );
  });

  it('a stored duplicate still ratchets on an unrelated edit', () => {
    const stored = peer({ afiSafis: [fam('AFI_IP6'), fam('AFI_IP6')] });
    const r = validateBgpPeer(peer({ afiSafis: [fam('AFI_IP6'), fam('AFI_IP6')] }, { note: 'x' }), stored);
    assert.deepEqual(r.errors, []);
    assert.match(
      r.warnings.map((w) => `${w.field}: ${w.message}`).join('\n'),
      /spec\.afiSafis\[1\]\.config\.family: Duplicate value.*already stored/,
    );
  });

  it('BgpConf and Eip: the same rule', () => {
    const conf = (spec: Record<string, unknown>) => ({
      metadata: { name: 'default' },
      spec: { as: 64600, ...spec },
    });
    assert.deepEqual(validateBgpConf(conf({ listenPort: 1790 }), conf({ listenPort: 1790 })).errors, []);
    const bad = conf({ listenAddresses: ['10.0.0.0/24'] });
    assert.deepEqual(validateBgpConf(conf({ listenAddresses: ['10.0.0.0/24'], as: 64601 }), bad).errors, []);
    const eip = (address: string) => ({ metadata: { name: 'p' }, spec: { address } });
    const others = [{ metadata: { name: 'q' }, spec: { address: '10.0.0.0/24' } }];
    assert.deepEqual(
      validateEip(eip('10.0.0.0/25'), { others, oldObject: eip('10.0.0.0/25') }).errors,
      [],
      'a stored overlap ratchets',
    );
  });
});
