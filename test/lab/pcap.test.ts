import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeEthernet, framesOf, ipv6, readPcap } from './pcap.ts';

// The pcap reader and frame decoders on hand-built bytes (no capture needed).

const macB = (s: string): Buffer => Buffer.from(s.split(':').map((x) => parseInt(x, 16)));
const v4B = (s: string): Buffer => Buffer.from(s.split('.').map(Number));
function v6B(s: string): Buffer {
  const [head = '', tail = ''] = s.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  const b = Buffer.alloc(16);
  groups.forEach((g, i) => b.writeUInt16BE(parseInt(g, 16), i * 2));
  return b;
}

const A = '02:00:00:00:00:0a';
const B = '02:00:00:00:00:0b';

function arpReply(): Buffer {
  const arp = Buffer.concat([
    Buffer.from([0, 1, 8, 0, 6, 4, 0, 2]),
    macB(A),
    v4B('10.99.0.200'),
    macB(B),
    v4B('10.99.0.9'),
  ]);
  return Buffer.concat([macB(B), macB(A), Buffer.from([0x08, 0x06]), arp]);
}

function na(): Buffer {
  const icmp = Buffer.alloc(32);
  icmp[0] = 136;
  icmp[4] = 0x60; // solicited + override
  v6B('fd99::200').copy(icmp, 8);
  icmp[24] = 2; // target link-layer address option
  icmp[25] = 1;
  macB(A).copy(icmp, 26);
  const ip = Buffer.alloc(40);
  ip[0] = 0x60;
  ip.writeUInt16BE(icmp.length, 4);
  ip[6] = 58;
  ip[7] = 255;
  v6B('fd99::200').copy(ip, 8);
  v6B('fd99::9').copy(ip, 24);
  return Buffer.concat([macB(B), macB(A), Buffer.from([0x86, 0xdd]), ip, icmp]);
}

function pcap(frames: Buffer[], le: boolean, nano: boolean): Buffer {
  const w32 = (b: Buffer, v: number, o: number): void => {
    if (le) b.writeUInt32LE(v, o);
    else b.writeUInt32BE(v, o);
  };
  const g = Buffer.alloc(24);
  w32(g, nano ? 0xa1b23c4d : 0xa1b2c3d4, 0);
  w32(g, 262144, 16);
  w32(g, 1, 20);
  const recs = frames.map((f, i) => {
    const h = Buffer.alloc(16);
    w32(h, 1_700_000_000 + i, 0);
    w32(h, nano ? 5000 : 5, 4);
    w32(h, f.length, 8);
    w32(h, f.length, 12);
    return Buffer.concat([h, f]);
  });
  return Buffer.concat([g, ...recs]);
}

describe('pcap reader and decoders', () => {
  for (const [le, nano] of [
    [true, false],
    [false, false],
    [true, true],
  ] as const) {
    it(`reads ${le ? 'little' : 'big'}-endian ${nano ? 'nanosecond' : 'microsecond'} files`, () => {
      const file = readPcap(pcap([arpReply(), na()], le, nano));
      assert.equal(file.linkType, 1);
      assert.equal(file.records.length, 2);
      assert.equal(file.records[0]?.tsUs, 1_700_000_000 * 1e6 + 5);
      const [f1, f2] = framesOf(file);
      assert.deepEqual(f1?.arp, { op: 2, sha: A, spa: '10.99.0.200', tha: B, tpa: '10.99.0.9' });
      assert.equal(f1?.src, A);
      assert.equal(f2?.ipv6?.src, 'fd99::200');
      assert.equal(f2?.ipv6?.hopLimit, 255);
      assert.deepEqual(f2?.ipv6?.icmp6, {
        type: 136,
        code: 0,
        flags: { router: false, solicited: true, override: true },
        target: 'fd99::200',
        targetLl: A,
      });
    });
  }

  it('ignores a truncated last record and rejects a bad magic', () => {
    const full = pcap([arpReply(), na()], true, false);
    assert.equal(readPcap(full.subarray(0, full.length - 3)).records.length, 1);
    assert.throws(() => readPcap(Buffer.alloc(24)), /bad magic/);
  });

  it('skips an 802.1Q tag and formats IPv6 as RFC 5952', () => {
    const f = arpReply();
    const tagged = Buffer.concat([f.subarray(0, 12), Buffer.from([0x81, 0x00, 0x00, 0x2a]), f.subarray(12)]);
    const d = decodeEthernet(tagged);
    assert.equal(d?.vlan, 42);
    assert.equal(d?.arp?.spa, '10.99.0.200');
    assert.equal(ipv6(v6B('2001:db8:0:0:1:0:0:1'), 0), '2001:db8::1:0:0:1');
    assert.equal(ipv6(v6B('fe80::'), 0), 'fe80::');
    assert.equal(ipv6(v6B('::1'), 0), '::1');
  });
});
