// Eip spec.bgp.weightedEcmp through plain `kubectl apply` on the API double with the install
// manifest's webhook: true/false are stored; together with an aggregation length shorter than the
// host route it is refused naming the field and why (an aggregate has no per-Service endpoint
// count), nothing stored; v1alpha1 carries the field and reads back unchanged.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeDouble } from './double.ts';
import { bgpEip as eip, storedEip, type Obj } from './fixtures/eip-bgp.ts';
import { kubectlRunner } from './fixtures/kubectl-run.ts';
import { startWebhookOnDouble, type WebhookOnDouble } from './fixtures/webhook-on-double.ts';

describe('webhook on the API double: Eip weightedEcmp', () => {
  let env: WebhookOnDouble | undefined;
  let d: KubeDouble;
  let tmp: string;

  const { apply, applyOk } = kubectlRunner(() => ({ kubeconfig: d.kubeconfigPath, dir: tmp }));
  const stored = (name: string, version?: string): Promise<Obj | undefined> =>
    storedEip(d.url, name, version);

  before(async () => {
    env = await startWebhookOnDouble('webhook-eip-weighted-ecmp');
    ({ d, tmp } = env);
  });
  after(async () => {
    await env?.close();
  });

  it('true is stored and reads back', async () => {
    await applyOk(eip('w-on', '10.8.0.0/24', { weightedEcmp: true }));
    assert.deepEqual(((await stored('w-on'))?.['spec'] as Obj)['bgp'], { weightedEcmp: true });
  });

  it('with an aggregate the write is denied, naming the field and why; nothing stored', async () => {
    const r = await apply(eip('w-agg', '10.8.1.0/24', { weightedEcmp: true, aggregationLength: 24 }));
    assert.notEqual(r.code, 0, `accepted: ${r.stdout}`);
    for (const t of [
      'spec.bgp.weightedEcmp',
      'cannot be combined with spec.bgp.aggregationLength 24',
      'no per-Service endpoint count',
    ])
      assert.ok(r.stderr.includes(t), `stderr does not contain ${JSON.stringify(t)}: ${r.stderr}`);
    assert.equal(await stored('w-agg'), undefined);
  });

  it('turning aggregation on for a weighted pool is denied; the stored spec stays', async () => {
    await applyOk(eip('w-edit', '10.8.2.0/24', { weightedEcmp: true }));
    const r = await apply(eip('w-edit', '10.8.2.0/24', { weightedEcmp: true, aggregationLength: 25 }));
    assert.notEqual(r.code, 0, `accepted: ${r.stdout}`);
    assert.match(
      r.stderr,
      /spec\.bgp\.weightedEcmp: Forbidden: cannot be combined with spec\.bgp\.aggregationLength 25/,
    );
    assert.deepEqual(((await stored('w-edit'))?.['spec'] as Obj)['bgp'], { weightedEcmp: true });
  });

  it('v1alpha1 carries the field; both versions read back the same spec', async () => {
    await applyOk(eip('w-v1', '10.8.3.0/24', { weightedEcmp: true }, 'network.kubesphere.io/v1alpha1'));
    const v2 = await stored('w-v1');
    const v1 = await stored('w-v1', 'v1alpha1');
    assert.deepEqual((v2?.['spec'] as Obj)['bgp'], { weightedEcmp: true });
    assert.deepEqual(v1?.['spec'], v2?.['spec']);
  });
});
