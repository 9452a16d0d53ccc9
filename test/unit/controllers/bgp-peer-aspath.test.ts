import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BgpPeer } from '../../../src/api/v1alpha2.ts';
import type { Node } from '../../../src/kube/types.ts';
import { listedPeer } from '../fixtures/listed-peer.ts';
import { desiredPeers } from '../../../src/controllers/bgp/desired.ts';
import { desiredPeerFields } from '../../../src/bgp/peer-desired.ts';
import { diffPeerFields, PEER_FIELD_CLASSES } from '../../../src/bgp/peer-fields.ts';
import { actualPeerFields, toWirePeer } from '../../../src/bgp/peer-wire.ts';
import type { DesiredGlobal, DesiredPeer } from '../../../src/bgp/types.ts';

// BgpPeer spec.conf allowOwnAs / replacePeerAs / removePrivateAs: CRD → DesiredPeer → gobgp wire
// form and back, their edit class, and the eBGP-only rule gobgpd enforces.

const G: DesiredGlobal = {
  asn: 65001,
  routerId: '10.0.0.1',
  listenPort: -1,
  listenAddresses: [],
  families: [],
};
const n1: Node = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } };
const peer = (conf: NonNullable<BgpPeer['spec']['conf']>): BgpPeer => ({
  apiVersion: 'network.kubesphere.io/v1alpha2',
  kind: 'BgpPeer',
  metadata: { name: 'p' },
  spec: { conf },
});
const one = (conf: NonNullable<BgpPeer['spec']['conf']>): DesiredPeer => {
  const r = desiredPeers([peer(conf)], n1, () => undefined);
  assert.deepEqual(r.errors, {});
  assert.equal(r.peers.length, 1);
  return r.peers[0] as DesiredPeer;
};

describe('BgpPeer AS-path options', () => {
  it('map from the CRD (NONE and "" mean none)', () => {
    const d = one({
      neighborAddress: '10.0.0.2',
      peerAs: 65000,
      allowOwnAs: 3,
      replacePeerAs: true,
      removePrivateAs: 'REPLACE',
    });
    assert.deepEqual([d.allowOwnAs, d.replacePeerAs, d.removePrivateAs], [3, true, 'replace']);
    assert.equal(
      one({ neighborAddress: '10.0.0.2', peerAs: 65000, removePrivateAs: 'ALL' }).removePrivateAs,
      'all',
    );
    for (const none of ['', 'NONE'] as const) {
      const x = one({
        neighborAddress: '10.0.0.2',
        peerAs: 65000,
        removePrivateAs: none,
        allowOwnAs: 0,
        replacePeerAs: false,
      });
      assert.deepEqual([x.allowOwnAs, x.replacePeerAs, x.removePrivateAs], [undefined, undefined, undefined]);
    }
  });

  it('go onto the wire as gobgp names them', () => {
    const w = toWirePeer(
      desiredPeerFields(
        { address: '10.0.0.2', peerAsn: 65000, allowOwnAs: 3, replacePeerAs: true, removePrivateAs: 'all' },
        G,
      ),
    );
    assert.equal(w.conf.allow_own_asn, 3);
    assert.equal(w.conf.replace_peer_asn, true);
    assert.equal(w.conf.remove_private, 'REMOVE_ALL');
    const plain = toWirePeer(desiredPeerFields({ address: '10.0.0.2', peerAsn: 65000 }, G));
    assert.deepEqual(
      [plain.conf.allow_own_asn, plain.conf.replace_peer_asn, plain.conf.remove_private],
      [0, false, 'REMOVE_NONE'],
    );
  });

  it('round-trip through ListPeer form without a diff; each edit is peer-reset', () => {
    const base: DesiredPeer = {
      address: '10.0.0.2',
      peerAsn: 65000,
      allowOwnAs: 1,
      removePrivateAs: 'replace',
    };
    const have = actualPeerFields(listedPeer(desiredPeerFields(base, G)), G.asn);
    assert.ok(have);
    assert.deepEqual(diffPeerFields(have, desiredPeerFields(base, G)), []);
    const edits: [DesiredPeer, string][] = [
      [{ ...base, allowOwnAs: 2 }, 'allowOwnAs'],
      [{ ...base, replacePeerAs: true }, 'replacePeerAs'],
      [{ ...base, removePrivateAs: undefined }, 'removePrivateAs'],
    ];
    for (const [edited, field] of edits) {
      assert.deepEqual(
        diffPeerFields(have, desiredPeerFields(edited, G)),
        [{ field, class: 'peer-reset' }],
        field,
      );
    }
    for (const f of ['allowOwnAs', 'replacePeerAs', 'removePrivateAs'] as const)
      assert.equal(PEER_FIELD_CLASSES[f], 'peer-reset');
  });

  it('are validated: allowOwnAs 0..255, the other two eBGP only (local AS counts, not only the global one)', () => {
    assert.throws(
      () => desiredPeerFields({ address: '10.0.0.2', peerAsn: 65000, allowOwnAs: 256 }, G),
      /allowOwnAs must be 0..255/,
    );
    assert.throws(
      () => desiredPeerFields({ address: '10.0.0.2', peerAsn: 65001, removePrivateAs: 'all' }, G),
      /removePrivateAs applies to eBGP sessions only/,
    );
    assert.throws(
      () => desiredPeerFields({ address: '10.0.0.2', peerAsn: 65001, replacePeerAs: true }, G),
      /replacePeerAs applies to eBGP sessions only/,
    );
    assert.throws(
      () =>
        desiredPeerFields({ address: '10.0.0.2', peerAsn: 65009, localAsn: 65009, replacePeerAs: true }, G),
      /eBGP sessions only/,
    );
    assert.doesNotThrow(
      () => desiredPeerFields({ address: '10.0.0.2', peerAsn: 65001, allowOwnAs: 2 }, G),
      'allowOwnAs is fine on iBGP',
    );
    assert.doesNotThrow(() =>
      desiredPeerFields(
        { address: '10.0.0.2', peerAsn: 65001, localAsn: 65002, replacePeerAs: true, removePrivateAs: 'all' },
        G,
      ),
    );
  });
});
