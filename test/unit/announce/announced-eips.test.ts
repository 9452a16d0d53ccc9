// Found by the bad-input property test: an Eip edit stored without the webhook (a community past
// 65535, protocol "vip", interface "lo") withdrew the routes of every Service on the pool. The
// speakers now keep the last valid protocol, interface and spec.bgp; status.used stays the newest.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Eip } from '../../../src/api/v1alpha2.ts';
import { AnnouncedEips, speakerFieldErrors } from '../../../src/announce/announced-eips.ts';

function eip(
  spec: Partial<Eip['spec']>,
  used: Record<string, string> = { '10.0.0.2': 'default/web' },
  uid = 'u1',
): Eip {
  return {
    apiVersion: 'network.kubesphere.io/v1alpha2',
    kind: 'Eip',
    metadata: { name: 'pool', uid },
    spec: { address: '10.0.0.0/24', ...spec },
    status: { used },
  };
}

test('speakerFieldErrors names protocol, interface and spec.bgp problems only', () => {
  assert.equal(speakerFieldErrors(eip({ protocol: 'bgp', bgp: { communities: ['65000:1'] } })), '');
  assert.match(
    speakerFieldErrors(eip({ bgp: { communities: ['90358:15'] } })),
    /^spec\.bgp\.communities\[0\]: /,
  );
  assert.match(speakerFieldErrors(eip({ protocol: 'vip' })), /^spec\.protocol: /);
  assert.match(speakerFieldErrors(eip({ protocol: 'layer2', interface: 'lo' })), /^spec\.interface: /);
  // an address or namespace problem is the allocator's business, not the speakers'
  assert.equal(speakerFieldErrors(eip({ address: '10.0.0.0/33', namespaces: ['Bad_NS'] })), '');
});

test('an invalid edit keeps the last valid speaker fields with the newest status.used', () => {
  const view = new AnnouncedEips();
  const good = eip({ protocol: 'bgp', bgp: { communities: ['65000:1'], localPref: 200 } });
  assert.deepEqual(view.select([good]), [good]);

  const bad = eip(
    { protocol: 'bgp', bgp: { communities: ['90358:15'] }, disable: true },
    { '10.0.0.2': 'default/web', '10.0.0.3': 'default/new' },
  );
  const [chosen] = view.select([bad]);
  assert.deepEqual(chosen?.spec.bgp, { communities: ['65000:1'], localPref: 200 });
  assert.equal(chosen?.spec.disable, true, 'the other fields are the newest');
  assert.deepEqual(chosen?.status?.used, bad.status?.used, 'allocations are the newest');
  assert.equal(view.select([bad])[0], chosen, 'the same object while the Eip does not change');

  const vip = eip({ protocol: 'vip' });
  assert.equal(view.select([vip])[0]?.spec.protocol, 'bgp');

  const fixed = eip({ protocol: 'bgp' });
  assert.deepEqual(view.select([fixed]), [fixed]);
});

test('a pool that was never valid is not announced; a re-created Eip does not inherit', () => {
  const view = new AnnouncedEips();
  assert.deepEqual(view.select([eip({ protocol: 'vip' })]), []);
  view.select([eip({ protocol: 'layer2', interface: 'eth0' }, {}, 'old')]);
  view.select([]); // deleted
  assert.deepEqual(view.select([eip({ protocol: 'layer2', interface: 'lo' }, {}, 'old')]), []);
  assert.deepEqual(view.select([eip({ protocol: 'layer2', interface: 'lo' }, {}, 'new')]), []);
});

test('an aggregation length stored without the webhook is judged like the other spec.bgp fields', () => {
  assert.match(
    speakerFieldErrors(eip({ bgp: { aggregationLength: 16 } })),
    /^spec\.bgp\.aggregationLength: Invalid value: 16: shorter than 10\.0\.0\.0\/24, the pool's own prefix/,
  );
  assert.match(speakerFieldErrors(eip({ bgp: { aggregationLength: 33 } })), /between 0 and 32/);
  const view = new AnnouncedEips();
  const good = eip({ bgp: { aggregationLength: 24 } });
  assert.deepEqual(view.select([good]), [good]);
  const [chosen] = view.select([eip({ bgp: { aggregationLength: 8 } })]);
  assert.deepEqual(chosen?.spec.bgp, { aggregationLength: 24 });
});
