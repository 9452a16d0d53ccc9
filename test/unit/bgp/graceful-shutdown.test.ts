import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  GRACEFUL_SHUTDOWN_COMMUNITY,
  gracefulShutdownDesired,
  planGracefulShutdown,
} from '../../../src/bgp/graceful-shutdown.ts';
import { buildPath, readWirePath } from '../../../src/bgp/path-build.ts';

const GSHUT = 0xffff0000;

/** What gobgpd would list back for a path we announced. */
function held(d: Parameters<typeof buildPath>[0]) {
  const listed = readWirePath(buildPath(d).wire);
  assert.ok(listed);
  return listed;
}

test('the community is RFC 8326 GRACEFUL_SHUTDOWN, 0xFFFF0000', () => {
  const b = buildPath({ prefix: '192.0.2.1/32', family: 4, communities: [GRACEFUL_SHUTDOWN_COMMUNITY] });
  assert.deepEqual(b.attrs.communities, [GSHUT]);
});

test('a plain path gets GRACEFUL_SHUTDOWN and keeps prefix, family and next hop', () => {
  const plan = planGracefulShutdown([held({ prefix: '198.51.100.7', family: 4 })]);
  assert.deepEqual(plan.refused, []);
  const [p] = plan.paths;
  assert.ok(p);
  assert.equal(p.key, 'ipv4 198.51.100.7/32');
  assert.equal(p.attrs.nextHop, '0.0.0.0');
  assert.deepEqual(p.attrs.communities, [GSHUT]);
  // the wire form carries it, so AddPath replaces the held path in place
  const wire = readWirePath(p.wire);
  assert.deepEqual(wire?.attrs.communities, [GSHUT]);
});

test('every other attribute the Eip asked for is kept, including well-known communities', () => {
  const h = held({
    prefix: '2001:db8:100::20/128',
    family: 6,
    nextHop: '2001:db8::7',
    communities: ['65000:100', 'no-export'],
    largeCommunities: ['65000:1:2'],
    localPref: 200,
    med: 10,
  });
  const [p] = planGracefulShutdown([h]).paths;
  assert.ok(p);
  assert.equal(p.attrs.nextHop, '2001:db8::7');
  assert.deepEqual(p.attrs.communities, [65000 * 65536 + 100, GSHUT, 0xffffff01]);
  assert.deepEqual(p.attrs.largeCommunities, ['65000:1:2']);
  assert.equal(p.attrs.localPref, 200);
  assert.equal(p.attrs.med, 10);
  assert.notEqual(p.fingerprint, h.fingerprint);
});

test('a path that already carries GRACEFUL_SHUTDOWN carries it once', () => {
  const h = held({ prefix: '198.51.100.8/32', family: 4, communities: [GRACEFUL_SHUTDOWN_COMMUNITY] });
  assert.deepEqual(gracefulShutdownDesired(h).communities, ['65535:0', '65535:0']);
  const [p] = planGracefulShutdown([h]).paths;
  assert.deepEqual(p?.attrs.communities, [GSHUT]);
});

test('a held path that fails validation is refused with the prefix and reason, the others go on', () => {
  // gobgpd listed a next hop we could not read: the re-announcement is not sent (only withdrawn later)
  const bad = {
    family: 4 as const,
    cidr: '198.51.100.9/32',
    attrs: { ...held({ prefix: '198.51.100.9/32', family: 4 }).attrs, nextHop: '' },
  };
  const good = held({ prefix: '198.51.100.10/32', family: 4 });
  const plan = planGracefulShutdown([bad, good]);
  assert.deepEqual(
    plan.paths.map((p) => p.cidr),
    ['198.51.100.10/32'],
  );
  assert.equal(plan.refused.length, 1);
  assert.equal(plan.refused[0]?.cidr, '198.51.100.9/32');
  assert.match(plan.refused[0]?.error ?? '', /next.?hop/i);
});

test('nothing held → nothing to announce', () => {
  assert.deepEqual(planGracefulShutdown([]), { paths: [], refused: [] });
});
