import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ANNOTATION_ANNOUNCED, decodeAnnounced, encodeAnnounced } from '../../../src/api/announced.ts';

describe('announced summary codec', () => {
  it('encodes canonically (sorted replicas and peers) and round-trips', () => {
    const a = encodeAnnounced({ node2: { tor2: false, tor1: true }, node1: { tor1: true } });
    const b = encodeAnnounced({ node1: { tor1: true }, node2: { tor1: true, tor2: false } });
    assert.equal(a, b);
    assert.equal(a, '{"node1":{"tor1":true},"node2":{"tor1":true,"tor2":false}}');
    assert.deepEqual(decodeAnnounced(a), {
      ok: true,
      value: { node1: { tor1: true }, node2: { tor1: true, tor2: false } },
    });
  });

  it('refuses what is not {replica: {peer: bool}}, naming the key', () => {
    const bad = (v: string): string => {
      const r = decodeAnnounced(v);
      assert.equal(r.ok, false);
      return r.ok ? '' : r.error;
    };
    assert.match(bad('{'), new RegExp(`^${ANNOTATION_ANNOUNCED}: not JSON`));
    assert.match(bad('[]'), /must be an object \{replica: \{peer: bool\}\}/);
    assert.match(bad('{"node1": true}'), /\["node1"\]: must be an object \{peer: bool\}/);
    assert.match(
      bad('{"node1": {"tor1": "yes"}}'),
      /\["node1"\]\["tor1"\]: must be true or false, not "yes"/,
    );
  });
});
