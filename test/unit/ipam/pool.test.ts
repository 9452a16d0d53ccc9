import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ok } from '../../../src/core/result.ts';
import { OffsetTable, PoolTable, type Claim } from '../../../src/ipam/index.ts';
import { formatIp } from '../../../src/net/ip.ts';

const svc = (key: string, extra: Partial<Claim> = {}): Claim => ({ key, ports: ['TCP/80'], ...extra });

test('the seed: first Service gets 192.168.0.100, usage follows', () => {
  const t = new PoolTable('192.168.0.100-192.168.0.108');
  const r = t.allocate(svc('default/nginx'));
  assert.deepEqual(r, ok({ ip: '192.168.0.100', held: false, shared: false }));
  assert.equal(t.usage, 1);
  assert.equal(t.release('default/nginx'), '192.168.0.100');
  assert.equal(t.usage, 0);
});

test('sticky: the same key gets the same address; a different request must release first', () => {
  const t = new PoolTable('10.0.0.1-10.0.0.5');
  const a = t.allocate(svc('ns/a'));
  assert.ok(a.ok);
  t.allocate(svc('ns/b'));
  const again = t.allocate(svc('ns/a'));
  assert.deepEqual(again, ok({ ip: a.value.ip, held: true, shared: false }));
  const other = t.allocate(svc('ns/a'), '10.0.0.5');
  assert.equal(other.ok, false);
  assert.ok(!other.ok && other.error.reason === 'holds-other' && other.error.heldIp === '10.0.0.1');
  assert.ok(t.allocate(svc('ns/a'), '10.0.0.1').ok);
});

test('specific requests: free, out of pool, garbage, taken', () => {
  const t = new PoolTable('10.0.0.0/29'); // .1-.6
  assert.deepEqual(t.allocate(svc('a'), '10.0.0.4'), ok({ ip: '10.0.0.4', held: false, shared: false }));
  const net = t.allocate(svc('b'), '10.0.0.0');
  assert.ok(
    !net.ok &&
      net.error.reason === 'not-in-pool' &&
      /10\.0\.0\.0 is not an address of pool 10\.0\.0\.0\/29/.test(net.error.message),
  );
  const bad = t.allocate(svc('b'), 'nope');
  assert.ok(!bad.ok && bad.error.reason === 'invalid-ip');
  const taken = t.allocate(svc('b'), '10.0.0.4');
  assert.ok(!taken.ok && taken.error.reason === 'in-use' && /held by a/.test(taken.error.message));
  // automatic allocation skips the explicitly taken address
  const got = [1, 2, 3, 4, 5].map((i) => t.allocate(svc(`x${i}`)));
  assert.deepEqual(
    got.map((g) => (g.ok ? g.value.ip : g.error.reason)),
    ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.5', '10.0.0.6'],
  );
  const full = t.allocate(svc('y'));
  assert.ok(!full.ok && full.error.reason === 'exhausted' && /exhausted/.test(full.error.message));
  assert.ok(t.full);
});

test('sharing: same key and disjoint ports only', () => {
  const t = new PoolTable('10.0.0.1-10.0.0.3');
  const tcp = t.allocate({ key: 'ns/dns-tcp', sharingKey: 'dns', ports: ['TCP/53'] });
  assert.ok(tcp.ok);
  // automatic allocation joins the address of the same sharing key
  const udp = t.allocate({ key: 'ns/dns-udp', sharingKey: 'dns', ports: ['UDP/53'] });
  assert.deepEqual(udp, ok({ ip: tcp.value.ip, held: false, shared: true }));
  // same key, colliding port: gets its own address automatically, is refused on a specific request
  const clash = t.allocate({ key: 'ns/dns2', sharingKey: 'dns', ports: ['UDP/53'] }, tcp.value.ip);
  assert.ok(
    !clash.ok &&
      clash.error.reason === 'ports-collide' &&
      /UDP\/53 collides with ns\/dns-udp/.test(clash.error.message),
  );
  const own = t.allocate({ key: 'ns/dns2', sharingKey: 'dns', ports: ['UDP/53'] });
  assert.ok(own.ok && own.value.ip !== tcp.value.ip && !own.value.shared);
  // no sharing key: never shares
  const nokey = t.allocate({ key: 'ns/web', ports: ['TCP/8080'] }, tcp.value.ip);
  assert.ok(!nokey.ok && nokey.error.reason === 'in-use');
  // no port list: collides with everything
  const noports = t.allocate({ key: 'ns/any', sharingKey: 'dns' }, tcp.value.ip);
  assert.ok(!noports.ok && noports.error.reason === 'ports-collide');
  assert.deepEqual([...t.holdersOf(tcp.value.ip)].sort(), ['ns/dns-tcp', 'ns/dns-udp']);
  // the address stays until the last holder goes
  t.release('ns/dns-tcp');
  assert.equal(t.usage, 2);
  t.release('ns/dns-udp');
  assert.equal(t.usage, 1);
  assert.deepEqual(t.holdersOf(tcp.value.ip), []);
});

test('restore accepts OpenELB implicit sharing and reports the conflict', () => {
  const t = new PoolTable('192.168.0.100-192.168.0.108');
  assert.deepEqual(t.restore('192.168.0.101', { key: 'a/x' }), ok({ ip: '192.168.0.101', shared: false }));
  const r = t.restore('192.168.0.101', { key: 'a/y' });
  assert.ok(r.ok && r.value.shared && r.value.conflict === 'sharing-key-mismatch');
  const dup = t.restore('192.168.0.102', { key: 'a/x' });
  assert.ok(!dup.ok && dup.error.reason === 'holds-other' && dup.error.heldIp === '192.168.0.101');
  assert.ok(!t.restore('10.0.0.1', { key: 'a/z' }).ok);
  // after the rebuild, automatic allocation fills the hole below
  const n = t.allocate(svc('a/new'));
  assert.ok(n.ok && n.value.ip === '192.168.0.100');
  assert.equal(t.usage, 2);
});

test('a /64 with 100,000 allocations and a far specific request', () => {
  const t = new PoolTable('2001:db8::/64');
  let last = '';
  for (let i = 0; i < 100_000; i++) {
    const r = t.allocate({ key: `ns/s${i}` });
    assert.ok(r.ok);
    last = r.value.ip;
  }
  assert.equal(last, formatIp(6, (0x20010db8n << 96n) + 100_000n));
  const far = t.allocate({ key: 'far' }, '2001:db8::ffff:ffff:ffff:fff0');
  assert.ok(far.ok && far.value.ip === '2001:db8::ffff:ffff:ffff:fff0');
  assert.equal(t.lookup('far'), '2001:db8::ffff:ffff:ffff:fff0');
  assert.equal(t.release('far'), '2001:db8::ffff:ffff:ffff:fff0');
  assert.equal(t.usage, 100_000);
});

test('OffsetTable reuses released offsets oldest first, then fresh ones', () => {
  const o = new OffsetTable(10n);
  for (let i = 0; i < 5; i++) o.next();
  o.release(3);
  o.release(1);
  assert.deepEqual([o.next(), o.next(), o.next()], [3, 1, 5]);
  assert.equal(o.take(5), false);
  assert.equal(o.take(10), false);
  assert.equal(o.release(7), false);
});

// ---- model-based property: random operations against a plain model ----

type Op =
  | { kind: 'alloc'; key: number; sk?: string; port: number }
  | { kind: 'want'; key: number; sk?: string; port: number; at: number }
  | { kind: 'release'; key: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('alloc' as const),
      key: fc.nat(30),
      sk: fc.option(fc.constantFrom('s1', 's2'), { nil: undefined }),
      port: fc.nat(3),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('want' as const),
      key: fc.nat(30),
      sk: fc.option(fc.constantFrom('s1', 's2'), { nil: undefined }),
      port: fc.nat(3),
      at: fc.nat(12),
    }),
  },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('release' as const), key: fc.nat(30) }) },
);

test('no duplicates outside sharing, sticky, usage exact, exhaustion only when full (property)', () => {
  fc.assert(
    fc.property(
      fc.constantFrom('10.1.0.1-10.1.0.10', '10.1.0.0/28', '2001:db8::5-2001:db8::e', '2001:db8::/124'),
      fc.array(op, { maxLength: 200 }),
      (address, ops) => {
        const t = new PoolTable(address);
        const size = Number(t.size);
        const held = new Map<string, { ip: string; claim: Claim }>();
        const conflicted = new Set<string>(); // sticky wins over a changed sharing key / ports
        for (const o of ops) {
          const key = `k${o.key}`;
          if (o.kind === 'release') {
            const before = held.get(key);
            assert.equal(t.release(key), before?.ip);
            held.delete(key);
            if (before && ![...held.values()].some((h) => h.ip === before.ip)) conflicted.delete(before.ip);
          } else {
            const claim: Claim = { key, ports: [`TCP/${o.port}`], ...(o.sk ? { sharingKey: o.sk } : {}) };
            const ip = o.kind === 'want' ? formatIp(t.family, t.range.span.first + BigInt(o.at)) : undefined;
            const before = held.get(key);
            const r = t.allocate(claim, ip);
            if (before) {
              // sticky: never moves
              if (r.ok) assert.equal(r.value.ip, before.ip);
              else assert.equal(r.error.reason, 'holds-other');
              if (r.ok) held.set(key, { ip: r.value.ip, claim });
              if (r.ok && r.value.conflict) conflicted.add(r.value.ip);
              continue;
            }
            if (r.ok) held.set(key, { ip: r.value.ip, claim });
            else if (r.error.reason === 'exhausted')
              assert.equal(new Set([...held.values()].map((h) => h.ip)).size, size);
            else assert.ok(ip !== undefined, `only specific requests fail otherwise: ${r.error.message}`);
          }
          // invariants
          const byIp = new Map<string, Claim[]>();
          for (const h of held.values()) byIp.set(h.ip, [...(byIp.get(h.ip) ?? []), h.claim]);
          assert.equal(t.usage, byIp.size);
          for (const [ip, claims] of byIp) {
            assert.ok(t.contains(ip));
            assert.deepEqual([...t.holdersOf(ip)].sort(), claims.map((c) => c.key).sort());
            if (claims.length > 1 && !conflicted.has(ip)) {
              const sk = claims[0]?.sharingKey;
              assert.ok(
                sk !== undefined && claims.every((c) => c.sharingKey === sk),
                `shared without a common key at ${ip}`,
              );
              const ports = claims.flatMap((c) => c.ports ?? []);
              assert.equal(new Set(ports).size, ports.length, `ports collide at ${ip}`);
            }
          }
          for (const [k, h] of held) assert.equal(t.lookup(k), h.ip);
        }
      },
    ),
    { numRuns: 400 },
  );
});

test('release then reuse: a full pool emptied and refilled gives the same set (property)', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 64 }), fc.array(fc.nat(63)), (n, releases) => {
      const t = new PoolTable(`10.2.0.1-${formatIp(4, 0x0a020001n + BigInt(n - 1))}`);
      const ips = new Set<string>();
      for (let i = 0; i < n; i++) {
        const r = t.allocate({ key: `k${i}` });
        assert.ok(r.ok);
        ips.add(r.value.ip);
      }
      assert.equal(ips.size, n);
      assert.equal(t.allocate({ key: 'extra' }).ok, false);
      const freed = new Set<string>();
      for (const i of releases) {
        const ip = t.release(`k${i % n}`);
        if (ip) freed.add(ip);
      }
      const again = new Set<string>();
      for (let i = 0; i < freed.size; i++) {
        const r = t.allocate({ key: `new${i}` });
        assert.ok(r.ok);
        again.add(r.value.ip);
      }
      assert.deepEqual([...again].sort(), [...freed].sort());
      assert.ok(t.full);
    }),
  );
});
