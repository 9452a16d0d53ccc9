// Eip spec.bgp.aggregationLength / aggregationLengthV6 through plain `kubectl apply` on the API
// double with the install manifest's webhook: a length shorter than the pool (or than the smallest
// prefix covering a range pool), past 32/128 or not an integer is refused naming the field, nothing
// stored; an allowed length brings the eTP=Local trade-off to kubectl as a warning; an address edit
// that leaves the stored length shorter than the new pool is denied; v1alpha1 carries the field
// (Eip has one schema for both versions, conversion strategy None) and reads back unchanged.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeDouble } from './double.ts';
import { bgpEip as eip, storedEip, type Obj } from './fixtures/eip-bgp.ts';
import { kubectlRunner } from './fixtures/kubectl-run.ts';
import { startWebhookOnDouble, type WebhookOnDouble } from './fixtures/webhook-on-double.ts';

describe('webhook on the API double: Eip aggregation lengths', () => {
  let env: WebhookOnDouble | undefined;
  let d: KubeDouble;
  let tmp: string;

  const { apply, applyOk } = kubectlRunner(() => ({ kubeconfig: d.kubeconfigPath, dir: tmp }));
  const stored = (name: string, version?: string): Promise<Obj | undefined> =>
    storedEip(d.url, name, version);
  const denied = async (o: Obj, ...texts: string[]): Promise<string> => {
    const name = String((o['metadata'] as Obj)['name']);
    const before = JSON.stringify((await stored(name))?.['spec']);
    const r = await apply(o);
    assert.notEqual(r.code, 0, `accepted: ${r.stdout}`);
    for (const t of texts)
      assert.ok(r.stderr.includes(t), `stderr does not contain ${JSON.stringify(t)}: ${r.stderr}`);
    if (process.env.WEBHOOK_TEST_PRINT) process.stdout.write(`# ${r.stderr}`);
    assert.equal(JSON.stringify((await stored(name))?.['spec']), before, `${name} changed`);
    return r.stderr;
  };

  before(async () => {
    env = await startWebhookOnDouble('webhook-eip-aggregation');
    ({ d, tmp } = env);
  });
  after(async () => {
    await env?.close();
  });

  it('a /24 pool with aggregationLength 24 is stored; kubectl shows the eTP=Local trade-off', async () => {
    const r = await applyOk(eip('agg-24', '10.7.0.0/24', { aggregationLength: 24 }));
    assert.match(
      r.stderr,
      /Warning: spec\.bgp\.aggregationLength: each replica announces the whole \/24 .*externalTrafficPolicy: Local lose per-Service precision/,
    );
    assert.deepEqual(((await stored('agg-24'))?.['spec'] as Obj)['bgp'], { aggregationLength: 24 });
  });

  it('denies a length shorter than the pool, naming the field and the pool prefix', async () => {
    await denied(
      eip('agg-short', '10.7.1.0/24', { aggregationLength: 16 }),
      'spec.bgp.aggregationLength',
      "shorter than 10.7.1.0/24, the pool's own prefix",
    );
    await denied(
      eip('agg-short6', '2001:db8:7::/64', { aggregationLengthV6: 56 }),
      'spec.bgp.aggregationLengthV6',
      "shorter than 2001:db8:7::/64, the pool's own prefix",
    );
  });

  it('a range pool is bounded by the smallest prefix covering it', async () => {
    await denied(
      eip('agg-range', '10.7.2.10-10.7.2.20', { aggregationLength: 26 }),
      'spec.bgp.aggregationLength',
      'shorter than 10.7.2.0/27, the smallest prefix covering the range "10.7.2.10-10.7.2.20"',
    );
    await applyOk(eip('agg-range', '10.7.2.10-10.7.2.20', { aggregationLength: 27 }));
  });

  it('denies a length past 32/128 and one that is not an integer, naming the field', async () => {
    await denied(eip('agg-33', '10.7.3.0/24', { aggregationLength: 33 }), 'spec.bgp.aggregationLength', '32');
    await denied(
      eip('agg-129', '2001:db8:8::/64', { aggregationLengthV6: 129 }),
      'spec.bgp.aggregationLengthV6',
      '128',
    );
    await denied(eip('agg-str', '10.7.4.0/24', { aggregationLength: 'x24' }), 'spec.bgp.aggregationLength');
  });

  it('an address edit that leaves the stored length shorter than the new pool is denied', async () => {
    await applyOk(eip('agg-edit', '10.7.6.0/23', { aggregationLength: 23 }));
    await denied(
      eip('agg-edit', '10.7.6.0/24', { aggregationLength: 23 }),
      'spec.bgp.aggregationLength',
      "Invalid value: 23: shorter than 10.7.6.0/24, the pool's own prefix",
    );
  });

  it('v1alpha1 carries the field; both versions read back the same spec', async () => {
    await applyOk(eip('agg-v1', '10.7.5.0/24', { aggregationLength: 28 }, 'network.kubesphere.io/v1alpha1'));
    const v2 = await stored('agg-v1');
    const v1 = await stored('agg-v1', 'v1alpha1');
    assert.deepEqual((v2?.['spec'] as Obj)['bgp'], { aggregationLength: 28 });
    assert.deepEqual(v1?.['spec'], v2?.['spec']);
    assert.equal(v1?.['apiVersion'], 'network.kubesphere.io/v1alpha1');
  });
});
