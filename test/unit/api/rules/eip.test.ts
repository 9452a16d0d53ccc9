import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { validateEip, type EipLike } from '../../../../src/api/rules/index.ts';

const DEFAULT = 'eip.openelb.kubesphere.io/is-default-eip';

function eip(
  name: string,
  spec: Record<string, unknown>,
  extra: { annotations?: Record<string, string>; used?: Record<string, string> } = {},
): EipLike {
  const o: EipLike = { metadata: { name }, spec };
  if (extra.annotations) o.metadata.annotations = extra.annotations;
  if (extra.used) o.status = { used: extra.used };
  return o;
}

function errorsOf(obj: EipLike, others: EipLike[] = [], oldObject?: EipLike): string[] {
  const r = validateEip(obj, oldObject ? { others, oldObject } : { others });
  return r.errors.map((e) => `${e.field}: ${e.message}`);
}

function one(obj: EipLike, field: string, re: RegExp, others: EipLike[] = [], old?: EipLike): void {
  const errs = errorsOf(obj, others, old);
  assert.equal(errs.length, 1, `expected exactly one error, got ${JSON.stringify(errs)}`);
  assert.ok(errs[0]?.startsWith(`${field}: `), errs[0]);
  assert.match(errs[0] ?? '', re);
}

describe('validateEip: spec.address', () => {
  it('accepts the seed pool, a CIDR, a single IP and IPv6 forms', () => {
    for (const a of [
      '192.168.0.100-192.168.0.108',
      '10.0.0.0/24',
      '10.1.1.1',
      '2001:db8::/64',
      '2001:db8::1-2001:db8::ff',
    ]) {
      assert.deepEqual(errorsOf(eip('p', { address: a })), [], a);
    }
  });
  it('accepts huge IPv6 ranges', () => {
    assert.deepEqual(errorsOf(eip('p', { address: '2001:db8::/32' })), []);
    assert.deepEqual(
      errorsOf(eip('p', { address: '2001:db8::-2001:db8:ffff:ffff:ffff:ffff:ffff:ffff' })),
      [],
    );
  });
  it('denies a reversed range, quoting the value', () => {
    one(
      eip('p', { address: '192.168.0.108-192.168.0.100' }),
      'spec.address',
      /"192\.168\.0\.108-192\.168\.0\.100".*after its end/,
    );
  });
  it('denies a /33', () => {
    one(eip('p', { address: '10.0.0.0/33' }), 'spec.address', /"10\.0\.0\.0\/33".*\/33 is out of range/);
  });
  it('denies garbage and bad octets', () => {
    one(eip('p', { address: 'not-an-ip' }), 'spec.address', /"not-an-ip"/);
    one(eip('p', { address: '192.168.0.300' }), 'spec.address', /"192\.168\.0\.300"/);
    one(eip('p', { address: '10.0.0.1 - 10.0.0.5' }), 'spec.address', /whitespace/);
  });
  it('denies a range mixing families', () => {
    one(eip('p', { address: '10.0.0.1-2001:db8::1' }), 'spec.address', /mixes IPv4.*IPv6/);
  });
  it('denies a missing or empty address', () => {
    one(eip('p', { address: '' }), 'spec.address', /Required/);
    one(eip('p', {}), 'spec.address', /Required/);
  });
  it('denies special-purpose space (loopback, multicast, unspecified)', () => {
    one(eip('p', { address: '127.0.0.1' }), 'spec.address', /loopback/);
    one(eip('p', { address: '224.0.0.0/24' }), 'spec.address', /multicast/);
    one(eip('p', { address: '0.0.0.0/0' }), 'spec.address', /unspecified/);
    one(eip('p', { address: 'ff02::1' }), 'spec.address', /multicast/);
  });
  it('warns (does not deny) when a CIDR has host bits set', () => {
    const r = validateEip(eip('p', { address: '10.0.0.5/24' }), { others: [] });
    assert.deepEqual(r.errors, []);
    assert.match(r.warnings[0]?.message ?? '', /host bits set; the pool is 10\.0\.0\.0\/24/);
  });
});

describe('validateEip: overlap', () => {
  const existing = eip('eip-pool', { address: '192.168.0.100-192.168.0.108' });
  it('names the other Eip', () => {
    one(
      eip('new', { address: '192.168.0.0/24' }),
      'spec.address',
      /overlaps Eip "eip-pool" \("192\.168\.0\.100-192\.168\.0\.108"\)/,
      [existing],
    );
  });
  it('a neighbouring range and the other family do not overlap', () => {
    assert.deepEqual(errorsOf(eip('new', { address: '192.168.0.109-192.168.0.120' }), [existing]), []);
    assert.deepEqual(errorsOf(eip('new', { address: '2001:db8::/64' }), [existing]), []);
  });
  it('skips itself on update', () => {
    assert.deepEqual(
      errorsOf(eip('eip-pool', { address: '192.168.0.100-192.168.0.110' }), [existing], existing),
      [],
    );
  });
  it('an overlap already stored is only a warning on an unrelated update', () => {
    const a = eip('a', { address: '10.0.0.0/24' });
    const b = eip('b', { address: '10.0.0.0/25' });
    const r = validateEip(eip('b', { address: '10.0.0.0/25', disable: true }), {
      others: [a, b],
      oldObject: b,
    });
    assert.deepEqual(r.errors, []);
    assert.match(r.warnings.map((w) => w.message).join('\n'), /overlaps Eip "a".*already stored/);
  });
});

describe('validateEip: default pool', () => {
  const first = eip('first', { address: '10.0.0.0/24' }, { annotations: { [DEFAULT]: 'true' } });
  it('denies a second default pool, naming the first', () => {
    one(
      eip('second', { address: '10.0.1.0/24' }, { annotations: { [DEFAULT]: 'true' } }),
      `metadata.annotations[${DEFAULT}]`,
      /Eip "first" is already the default pool/,
      [first],
    );
  });
  it('allows the default pool to be updated and a non-default second pool', () => {
    assert.deepEqual(errorsOf(first, [first], first), []);
    assert.deepEqual(
      errorsOf(eip('second', { address: '10.0.1.0/24' }, { annotations: { [DEFAULT]: 'false' } }), [first]),
      [],
    );
  });
  it('warns about values other than "true"/"false"', () => {
    const r = validateEip(eip('x', { address: '10.0.2.0/24' }, { annotations: { [DEFAULT]: 'yes' } }), {
      others: [first],
    });
    assert.deepEqual(r.errors, []);
    assert.equal(r.warnings[0]?.field, `metadata.annotations[${DEFAULT}]`);
  });
});

describe('validateEip: protocol and interface', () => {
  it('denies vip with a reason and unknown protocols', () => {
    one(eip('p', { address: '10.0.0.1', protocol: 'vip' }), 'spec.protocol', /keepalived.*use "layer2"/);
    one(eip('p', { address: '10.0.0.1', protocol: 'ospf' }), 'spec.protocol', /Unsupported value: "ospf"/);
  });
  it('a stored vip pool can still be updated (e.g. finalizer removal): the error becomes a warning', () => {
    const old = eip('p', { address: '10.0.0.1', protocol: 'vip' });
    const r = validateEip(old, { others: [], oldObject: old });
    assert.deepEqual(r.errors, []);
    assert.equal(r.warnings[0]?.field, 'spec.protocol');
  });
  it('layer2 interface is optional; names and can_reach are checked; lo refused', () => {
    assert.deepEqual(errorsOf(eip('p', { address: '10.0.0.1', protocol: 'layer2' })), []);
    assert.deepEqual(errorsOf(eip('p', { address: '10.0.0.1', protocol: 'layer2', interface: 'eth0' })), []);
    assert.deepEqual(
      errorsOf(eip('p', { address: '10.0.0.1', protocol: 'layer2', interface: 'can_reach:192.168.0.1' })),
      [],
    );
    one(eip('p', { address: '10.0.0.1', protocol: 'layer2', interface: 'lo' }), 'spec.interface', /loopback/);
    one(
      eip('p', { address: '10.0.0.1', protocol: 'layer2', interface: 'can_reach:nowhere' }),
      'spec.interface',
      /can_reach/,
    );
    one(
      eip('p', { address: '10.0.0.1', protocol: 'layer2', interface: 'a-very-long-interface-name' }),
      'spec.interface',
      /not an interface name/,
    );
  });
  it('interface on a bgp pool is a warning', () => {
    const r = validateEip(eip('p', { address: '10.0.0.1', interface: 'eth0' }), { others: [] });
    assert.deepEqual(r.errors, []);
    assert.match(r.warnings[0]?.message ?? '', /ignored for bgp/);
  });
});

describe('validateEip: address edits', () => {
  const old = eip(
    'p',
    { address: '10.0.0.0/24' },
    { used: { '10.0.0.10': 'default/a', '10.0.0.200': 'default/b;default/c' } },
  );
  it('allows growing and shrinking that keep every allocation', () => {
    assert.deepEqual(
      errorsOf(
        eip(
          'p',
          { address: '10.0.0.0/23' },
          { used: old.status ? { '10.0.0.10': 'default/a', '10.0.0.200': 'default/b;default/c' } : {} },
        ),
        [old],
        old,
      ),
      [],
    );
    assert.deepEqual(errorsOf(eip('p', { address: '10.0.0.10-10.0.0.200' }), [old], old), []);
  });
  it('denies an edit that orphans allocations, naming the addresses and Services', () => {
    one(
      eip('p', { address: '10.0.0.0/25' }),
      'spec.address',
      /would orphan allocated address 10\.0\.0\.200 \(default\/b;default\/c\)/,
      [old],
      old,
    );
    one(
      eip('p', { address: '10.0.1.0/24' }),
      'spec.address',
      /addresses 10\.0\.0\.10 \(default\/a\), 10\.0\.0\.200/,
      [old],
      old,
    );
  });
  it('disable is fine', () => {
    assert.deepEqual(errorsOf(eip('p', { address: '10.0.0.0/24', disable: true }), [old], old), []);
  });
});

describe('validateEip: other fields', () => {
  it('namespaces must be names; bgp attributes are parsed', () => {
    one(eip('p', { address: '10.0.0.1', namespaces: ['ok', 'Not_OK'] }), 'spec.namespaces[1]', /"Not_OK"/);
    one(
      eip('p', { address: '10.0.0.1', bgp: { communities: ['65000:100', '70000:1'] } }),
      'spec.bgp.communities[1]',
      /"70000:1"/,
    );
    one(
      eip('p', { address: '10.0.0.1', bgp: { largeCommunities: ['1:2'] } }),
      'spec.bgp.largeCommunities[0]',
      /"1:2"/,
    );
    assert.deepEqual(
      errorsOf(eip('p', { address: '10.0.0.1', bgp: { communities: ['no-export'], localPref: 200 } })),
      [],
    );
  });
  it('usingKnownIPs is a warning', () => {
    const r = validateEip(eip('p', { address: '10.0.0.1', usingKnownIPs: true }), { others: [] });
    assert.deepEqual(r.errors, []);
    assert.equal(r.warnings[0]?.field, 'spec.usingKnownIPs');
  });
});

describe("validateEip: pools covering other hosts' addresses", () => {
  const nodes = [
    {
      metadata: { name: 'node1' },
      status: {
        addresses: [
          { type: 'InternalIP', address: '10.99.0.11' },
          { type: 'Hostname', address: 'node1' },
          { type: 'InternalIP', address: 'fd99::11' },
        ],
      },
    },
    { metadata: { name: 'node2' }, status: { addresses: [{ type: 'InternalIP', address: '10.99.0.12' }] } },
  ];
  const peers = [
    { metadata: { name: 'tor' }, spec: { conf: { neighborAddress: '10.99.0.1', peerAs: 64512 } } },
    { metadata: { name: 'far' }, spec: { conf: { neighborAddress: '192.0.2.1' } } },
  ];

  it('a layer2 pool covering the router (a BgpPeer) and a node: allowed, with a warning naming each', () => {
    const r = validateEip(eip('lan', { address: '10.99.0.0/28', protocol: 'layer2' }), {
      others: [],
      nodes,
      peers,
    });
    assert.deepEqual(r.errors, []);
    assert.equal(r.warnings.length, 1);
    assert.equal(r.warnings[0]?.field, 'spec.address');
    assert.match(
      r.warnings[0]?.message ?? '',
      /covers 10\.99\.0\.11 \(InternalIP of Node "node1"\), 10\.99\.0\.12 \(InternalIP of Node "node2"\), 10\.99\.0\.1 \(neighborAddress of BgpPeer "tor"\): no replica ever answers ARP\/NDP/,
    );
    assert.doesNotMatch(r.warnings[0]?.message ?? '', /192\.0\.2\.1|fd99/);
  });

  it('a bgp pool gets the warning too, with its own consequence; IPv6 node addresses are matched', () => {
    const r = validateEip(eip('v6', { address: 'fd99::10-fd99::20' }), { others: [], nodes, peers });
    assert.match(
      r.warnings[0]?.message ?? '',
      /covers fd99::11 \(InternalIP of Node "node1"\): announcing such an address/,
    );
  });

  it('no warning for a pool clear of them; a failed lookup is a warning, not a denial', () => {
    assert.deepEqual(
      validateEip(eip('ok', { address: '10.99.0.200-10.99.0.250', protocol: 'layer2' }), {
        others: [],
        nodes,
        peers,
      }).warnings,
      [],
    );
    const r = validateEip(eip('ok', { address: '10.99.0.200-10.99.0.250' }), {
      others: [],
      lookupErrors: ['cannot read the Nodes: timeout'],
    });
    assert.deepEqual(r.errors, []);
    assert.match(
      r.warnings[0]?.message ?? '',
      /not checked against node and BGP peer addresses: cannot read the Nodes: timeout/,
    );
  });
});

describe('validateEip: spec.bgp.aggregationLength / aggregationLengthV6', () => {
  const warnings = (obj: EipLike): string[] =>
    validateEip(obj, { others: [] }).warnings.map((w) => `${w.field}: ${w.message}`);
  it('accepts lengths from the pool prefix to 32/128, warning about the eTP=Local trade-off', () => {
    for (const len of [24, 28, 32])
      assert.deepEqual(errorsOf(eip('p', { address: '10.0.0.0/24', bgp: { aggregationLength: len } })), []);
    assert.deepEqual(errorsOf(eip('p', { address: '2001:db8::/64', bgp: { aggregationLengthV6: 64 } })), []);
    const w = warnings(eip('p', { address: '10.0.0.0/24', bgp: { aggregationLength: 24 } }));
    assert.equal(w.length, 1);
    assert.match(w[0] ?? '', /^spec\.bgp\.aggregationLength: .*whole \/24.*externalTrafficPolicy: Local/);
    assert.deepEqual(warnings(eip('p', { address: '10.0.0.0/24', bgp: { aggregationLength: 32 } })), []);
  });
  it('denies a length shorter than the pool prefix, naming it', () => {
    one(
      eip('p', { address: '10.0.0.0/24', bgp: { aggregationLength: 16 } }),
      'spec.bgp.aggregationLength',
      /Invalid value: 16: shorter than 10\.0\.0\.0\/24, the pool's own prefix; a \/16 aggregate/,
    );
    one(
      eip('p', { address: '2001:db8::/64', bgp: { aggregationLengthV6: 48 } }),
      'spec.bgp.aggregationLengthV6',
      /Invalid value: 48: shorter than 2001:db8::\/64, the pool's own prefix/,
    );
    one(
      eip('p', { address: '10.0.0.7', bgp: { aggregationLength: 31 } }),
      'spec.bgp.aggregationLength',
      /shorter than 10\.0\.0\.7\/32, the pool's own prefix/,
    );
  });
  it('for a range pool, the smallest prefix covering the range is the bound', () => {
    const range = '10.0.0.10-10.0.0.20';
    one(
      eip('p', { address: range, bgp: { aggregationLength: 26 } }),
      'spec.bgp.aggregationLength',
      /shorter than 10\.0\.0\.0\/27, the smallest prefix covering the range "10\.0\.0\.10-10\.0\.0\.20"/,
    );
    assert.deepEqual(errorsOf(eip('p', { address: range, bgp: { aggregationLength: 27 } })), []);
  });
  it('denies a non-integer and a length past 32/128', () => {
    one(
      eip('p', { address: '10.0.0.0/24', bgp: { aggregationLength: '24' } }),
      'spec.bgp.aggregationLength',
      /Invalid value: "24": must be an integer \(an IPv4 prefix length\)/,
    );
    one(
      eip('p', { address: '10.0.0.0/24', bgp: { aggregationLength: 24.5 } }),
      'spec.bgp.aggregationLength',
      /must be an integer/,
    );
    one(
      eip('p', { address: '10.0.0.0/24', bgp: { aggregationLength: 33 } }),
      'spec.bgp.aggregationLength',
      /Invalid value: 33: must be between 0 and 32/,
    );
    one(
      eip('p', { address: '2001:db8::/64', bgp: { aggregationLengthV6: 129 } }),
      'spec.bgp.aggregationLengthV6',
      /Invalid value: 129: must be between 0 and 128/,
    );
  });
  it('the other family field is ignored with a warning', () => {
    const obj = eip('p', { address: '10.0.0.0/24', bgp: { aggregationLengthV6: 64 } });
    assert.deepEqual(errorsOf(obj), []);
    assert.match(warnings(obj).join('\n'), /spec\.bgp\.aggregationLengthV6: ignored: the pool is IPv4/);
  });
  it('an address edit that makes the stored length too short is denied', () => {
    const old = eip('p', { address: '10.0.0.0/23', bgp: { aggregationLength: 23 } });
    one(
      eip('p', { address: '10.0.0.0/24', bgp: { aggregationLength: 23 } }),
      'spec.bgp.aggregationLength',
      /Invalid value: 23: shorter than 10\.0\.0\.0\/24, the pool's own prefix/,
      [old],
      old,
    );
  });
});

describe('validateEip: spec.bgp.weightedEcmp', () => {
  it('accepts true and false, alone or with host-route aggregation lengths (32 / 128)', () => {
    for (const bgp of [
      { weightedEcmp: true },
      { weightedEcmp: false },
      { weightedEcmp: true, aggregationLength: 32 },
      { weightedEcmp: false, aggregationLength: 24 },
      // the other family's length does not apply to an IPv4 pool
      { weightedEcmp: true, aggregationLengthV6: 64 },
    ])
      assert.deepEqual(errorsOf(eip('p', { address: '10.0.0.0/24', bgp })), [], JSON.stringify(bgp));
    assert.deepEqual(
      errorsOf(eip('p', { address: '2001:db8::/64', bgp: { weightedEcmp: true, aggregationLengthV6: 128 } })),
      [],
    );
  });
  it('denies a value that is not a boolean', () => {
    one(
      eip('p', { address: '10.0.0.0/24', bgp: { weightedEcmp: 'true' } }),
      'spec.bgp.weightedEcmp',
      /Invalid value: "true": must be true or false/,
    );
  });
  it('denies it together with an aggregate, naming the aggregation field and why', () => {
    one(
      eip('p', { address: '10.0.0.0/24', bgp: { weightedEcmp: true, aggregationLength: 24 } }),
      'spec.bgp.weightedEcmp',
      /cannot be combined with spec\.bgp\.aggregationLength 24: a \/24 aggregate stands for every Service inside it, so a replica has no per-Service endpoint count/,
    );
    one(
      eip('p', { address: '2001:db8::/64', bgp: { weightedEcmp: true, aggregationLengthV6: 64 } }),
      'spec.bgp.weightedEcmp',
      /cannot be combined with spec\.bgp\.aggregationLengthV6 64/,
    );
  });
});
