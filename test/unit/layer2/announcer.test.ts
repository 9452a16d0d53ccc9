import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatMac, parseMac } from '../../../src/layer2/addr.ts';
import { formatIpv6Bytes } from '../../../src/net/ip.ts';
import { parseArp } from '../../../src/layer2/arp.ts';
import { Announcer } from '../../../src/layer2/announcer.ts';
import { parseNdp } from '../../../src/layer2/ndp.ts';
import { ManualClock } from '../fixtures/manual-clock.ts';
import { MemoryLink } from './memory-link.ts';

const NODE = parseMac('02:00:00:00:00:02') ?? assert.fail();

test('burst: count rounds at the interval, GARP request+reply for IPv4, unsolicited NA for IPv6', async () => {
  const clock = new ManualClock();
  const link = new MemoryLink(NODE);
  const a = new Announcer({ link, mayAnswer: () => true, count: 3, intervalMs: 1000, clock });
  const v4 = a.announce('10.99.0.200');
  const v6 = a.announce('FD00:99::200');
  assert.equal(link.sent.length, 3); // first round immediately
  clock.advance(999);
  assert.equal(link.sent.length, 3);
  clock.advance(1);
  assert.equal(link.sent.length, 6);
  clock.advance(1000);
  assert.deepEqual(await v4, { ip: '10.99.0.200', rounds: 3, end: 'done' });
  assert.deepEqual(await v6, { ip: 'fd00:99::200', rounds: 3, end: 'done' });
  assert.equal(link.sent.length, 9);
  assert.equal(a.counters.gratuitousSent, 9);
  const arp = parseArp(link.sent[0] ?? assert.fail());
  assert.ok(arp.ok);
  assert.equal(formatMac(arp.value.arp.senderMac), formatMac(NODE));
  const na = parseNdp(link.sent[2] ?? assert.fail());
  assert.ok(na.ok);
  assert.equal(formatIpv6Bytes(na.value.ndp.target), 'fd00:99::200');
  assert.equal(na.value.ndp.override, true);
  assert.equal(na.value.ndp.solicited, false);
});

test('the fence ends a burst; cancel and restart', async () => {
  const clock = new ManualClock();
  const link = new MemoryLink(NODE);
  let open = true;
  const a = new Announcer({ link, mayAnswer: () => open, count: 5, intervalMs: 100, clock });
  const p = a.announce('10.99.0.200');
  clock.advance(100);
  open = false;
  clock.advance(100);
  assert.deepEqual(await p, { ip: '10.99.0.200', rounds: 2, end: 'fenced' });
  open = true;
  const q = a.announce('10.99.0.200');
  const q2 = a.announce('10.99.0.200'); // restarts: the first one is cancelled
  assert.equal((await q).end, 'cancelled');
  a.cancelAll();
  assert.deepEqual(await q2, { ip: '10.99.0.200', rounds: 1, end: 'cancelled' });
  assert.deepEqual(a.active, []);
});
