// `kubectl apply -f deploy/openelb.yaml` against the in-memory API server (test/kube/double.ts): the
// one-file install applies cleanly, re-applies idempotently, and a re-apply keeps the caBundle the
// manager patched in (the manifest leaves that field out for exactly this reason).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { MANIFEST, NAMESPACE, ROOT } from './render.ts';

const execFileP = promisify(execFile);
const doublePath = join(ROOT, 'test/kube/double.ts');
const kubectlBin = ['/usr/bin/kubectl', join(ROOT, '.tools/bin/kubectl')].find((p) => existsSync(p));
if (!kubectlBin)
  throw new Error('kubectl not found: run `make deps` or `make tools` (scripts/install-tools.sh)');

interface Double {
  kubeconfigPath: string;
  close(): Promise<void>;
}

describe('kubectl apply -f deploy/openelb.yaml (API double)', () => {
  let double: Double | undefined;

  // Async on purpose: the double serves from this process, so a synchronous spawn would deadlock.
  async function kubectl(...args: string[]): Promise<string> {
    if (!double || !kubectlBin) throw new Error('double not started');
    try {
      const r = await execFileP(kubectlBin, ['--kubeconfig', double.kubeconfigPath, ...args], {
        encoding: 'utf8',
        timeout: 90_000,
      });
      return r.stdout;
    } catch (e) {
      const x = e as { stdout?: string; stderr?: string; message: string };
      throw new Error(`kubectl ${args.join(' ')}: ${x.stderr ?? ''}${x.stdout ?? ''}${x.message}`);
    }
  }

  before(async () => {
    const mod = (await import(doublePath)) as { startKubeDouble(o: { crdDirs: string[] }): Promise<Double> };
    // No CRDs preloaded: the manifest must bring them.
    double = await mod.startKubeDouble({ crdDirs: [] });
  });
  after(async () => {
    await double?.close();
  });

  test('applies, lists the three CRDs, and re-applies', async () => {
    const out = await kubectl('apply', '-f', MANIFEST);
    assert.match(out, /deployment\.apps\/openelb-manager created/);
    assert.match(
      out,
      /validatingwebhookconfiguration\.admissionregistration\.k8s\.io\/openelb-admission created/,
    );
    const crds = (await kubectl('get', 'crd', '-o', 'name'))
      .split('\n')
      .filter((l) => l.includes('kubesphere'));
    assert.deepEqual(
      crds.sort(),
      ['bgpconfs', 'bgppeers', 'eips'].map(
        (p) => `customresourcedefinition.apiextensions.k8s.io/${p}.network.kubesphere.io`,
      ),
    );
    const deploy = JSON.parse(
      await kubectl('-n', NAMESPACE, 'get', 'deployment', 'openelb-manager', '-o', 'json'),
    ) as { spec: { replicas: number } };
    assert.equal(deploy.spec.replicas, 2);
    await kubectl('apply', '-f', MANIFEST);
  });

  test('a re-apply keeps the caBundle the manager filled in', async () => {
    const ca = Buffer.from('not a real certificate').toString('base64');
    await kubectl(
      'patch',
      'validatingwebhookconfiguration',
      'openelb-admission',
      '--type=json',
      '-p',
      JSON.stringify([{ op: 'add', path: '/webhooks/0/clientConfig/caBundle', value: ca }]),
    );
    await kubectl(
      'patch',
      'crd',
      'bgppeers.network.kubesphere.io',
      '--type=json',
      '-p',
      JSON.stringify([{ op: 'add', path: '/spec/conversion/webhook/clientConfig/caBundle', value: ca }]),
    );
    await kubectl('apply', '-f', MANIFEST);
    assert.equal(
      await kubectl(
        'get',
        'validatingwebhookconfiguration',
        'openelb-admission',
        '-o',
        'jsonpath={.webhooks[0].clientConfig.caBundle}',
      ),
      ca,
    );
    assert.equal(
      await kubectl(
        'get',
        'crd',
        'bgppeers.network.kubesphere.io',
        '-o',
        'jsonpath={.spec.conversion.webhook.clientConfig.caBundle}',
      ),
      ca,
    );
  });
});
