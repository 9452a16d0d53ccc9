// The seed's kubectl commands, with the real kubectl 1.32, against the double.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startKubeDouble, type KubeDouble } from './double.ts';
import { FIXTURE_CRDS, FIXTURE_EXAMPLES, sleep } from './fixtures/helpers.ts';

const REPO = resolve(import.meta.dirname, '../..');
// the product's CRDs and examples once they exist; the fixture copies otherwise
const CRDS = existsSync(join(REPO, 'deploy/crds/network.kubesphere.io_eips.yaml'))
  ? join(REPO, 'deploy/crds')
  : FIXTURE_CRDS;
const EIP_YAML = existsSync(join(REPO, 'examples/eip.yaml'))
  ? join(REPO, 'examples/eip.yaml')
  : join(FIXTURE_EXAMPLES, 'eip.yaml');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe('kube double: kubectl', () => {
  let d: KubeDouble;
  let tmp: string;
  const kubectl = (...args: string[]): Promise<Run> =>
    new Promise((res) => {
      execFile(
        'kubectl',
        args,
        { env: { ...process.env, KUBECONFIG: d.kubeconfigPath, HOME: tmp }, timeout: 60_000 },
        (err, stdout, stderr) => {
          res({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
        },
      );
    });
  const ok = async (...args: string[]): Promise<string> => {
    const r = await kubectl(...args);
    assert.equal(r.code, 0, `kubectl ${args.join(' ')} failed: ${r.stderr}`);
    return r.stdout;
  };
  const header = (out: string): string[] => (out.split('\n')[0] ?? '').trim().split(/\s{2,}/);

  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'kube-double-kubectl-'));
    d = await startKubeDouble({ crdDirs: [] });
    writeFileSync(
      join(tmp, 'node.yaml'),
      'apiVersion: v1\nkind: Node\nmetadata:\n  name: node1\n  labels: {kubernetes.io/hostname: node1}\nstatus:\n  conditions: [{type: Ready, status: "True"}]\n',
    );
    writeFileSync(
      join(tmp, 'bad.yaml'),
      'apiVersion: network.kubesphere.io/v1alpha2\nkind: Eip\nmetadata:\n  name: bad\nspec:\n  address: 10.9.0.1\n  foo: bar\n',
    );
    writeFileSync(
      join(tmp, 'svc.yaml'),
      'apiVersion: v1\nkind: Service\nmetadata:\n  name: nginx\nspec:\n  type: LoadBalancer\n  selector: {app: nginx}\n  ports: [{name: http, port: 80, targetPort: 8080}]\n',
    );
  });
  after(() => d.close());

  it('apply -f deploy/crds/ and get crd', async () => {
    assert.match(await ok('apply', '-f', CRDS), /eips\.network\.kubesphere\.io created/);
    const out = await ok('get', 'crd');
    assert.deepEqual(header(out), ['NAME', 'CREATED AT']);
    assert.match(out, /^eips\.network\.kubesphere\.io\s+\d{4}-\d\d-\d\dT/m);
  });

  it('apply -f examples/eip.yaml, get eip (seed columns), get -o yaml', async () => {
    assert.match(await ok('apply', '-f', EIP_YAML), /eip\.network\.kubesphere\.io\/eip-pool created/);
    assert.match(await ok('apply', '-f', EIP_YAML), /eip-pool unchanged/);
    const out = await ok('get', 'eip');
    assert.deepEqual(header(out), ['NAME', 'CIDR', 'USAGE', 'TOTAL']);
    assert.match(out, /^eip-pool\s+192\.168\.0\.100-192\.168\.0\.108\s*$/m);
    const y = await ok('get', 'eip', 'eip-pool', '-o', 'yaml');
    assert.match(y, /^apiVersion: network\.kubesphere\.io\/v1alpha2$/m);
    assert.match(y, /^kind: Eip$/m);
    assert.match(y, /^ {2}address: 192\.168\.0\.100-192\.168\.0\.108$/m);
    assert.match(y, /^ {2}resourceVersion: "\d+"$/m);
  });

  it('rejects an unknown field with plain apply (server-side strict validation)', async () => {
    const r = await kubectl('apply', '-f', join(tmp, 'bad.yaml'));
    assert.notEqual(r.code, 0);
    assert.match(
      r.stderr,
      /Error from server \(BadRequest\).*strict decoding error: unknown field "spec\.foo"/,
    );
  });

  it('explain eip.spec.address prints the schema description', async () => {
    const out = await ok('explain', 'eip.spec.address');
    assert.match(out, /KIND:\s+Eip/);
    assert.match(out, /FIELD:\s+address <string>/);
    assert.match(out, /DESCRIPTION:\n\s+\S/);
  });

  it('annotate nodes, label + get -l, patch (merge, json, strategic)', async () => {
    await ok('apply', '-f', join(tmp, 'node.yaml'));
    assert.match(
      await ok('annotate', 'nodes', 'node1', 'layer2.openelb.kubesphere.io/v1alpha1=192.168.0.91'),
      /node\/node1 annotated/,
    );
    assert.equal(
      await ok(
        'get',
        'node',
        'node1',
        '-o',
        'jsonpath={.metadata.annotations.layer2\\.openelb\\.kubesphere\\.io/v1alpha1}',
      ),
      '192.168.0.91',
    );
    assert.match(await ok('label', 'eip', 'eip-pool', 'team=blue'), /labeled/);
    assert.match(await ok('get', 'eip', '-l', 'team=blue'), /^eip-pool/m);
    const none = await kubectl('get', 'eip', '-l', 'team in (red)');
    assert.match(none.stderr, /No resources found/);
    await ok('patch', 'eip', 'eip-pool', '--type=merge', '-p', '{"metadata":{"annotations":{"a":"1"}}}');
    await ok(
      'patch',
      'eip',
      'eip-pool',
      '--type=json',
      '-p',
      '[{"op":"add","path":"/metadata/annotations/b","value":"2"}]',
    );
    await ok(
      'patch',
      'eip',
      'eip-pool',
      '--subresource=status',
      '--type=merge',
      '-p',
      '{"status":{"usage":1,"poolSize":9}}',
    );
    assert.match(await ok('get', 'eip'), /^eip-pool\s+\S+\s+1\s+9\s*$/m);
    const smp = await kubectl('patch', 'eip', 'eip-pool', '-p', '{"metadata":{"annotations":{"c":"3"}}}');
    assert.match(smp.stderr, /application\/strategic-merge-patch\+json is not supported/);
    await ok('apply', '-f', join(tmp, 'svc.yaml'));
    await ok('patch', 'svc', 'nginx', '-p', '{"spec":{"ports":[{"port":80,"name":"web"}]}}');
    assert.equal(await ok('get', 'svc', 'nginx', '-o', 'jsonpath={.spec.ports[*].name}'), 'web');
  });

  it('get svc prints the Service columns', async () => {
    const out = await ok('get', 'svc');
    assert.deepEqual(header(out), ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE']);
    assert.match(out, /^nginx\s+LoadBalancer\s+10\.\d+\.\d+\.\d+\s+<pending>\s+80:3\d{4}\/TCP\s+\d+s$/m);
    assert.match(out, /^kubernetes\s+ClusterIP\s+10\.96\.0\.1\s+<none>\s+443\/TCP/m);
  });

  it('get -w shows live changes', async () => {
    const child = spawn('kubectl', ['get', 'eip', '-w'], {
      env: { ...process.env, KUBECONFIG: d.kubeconfigPath, HOME: tmp },
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    try {
      const deadline = Date.now() + 20_000;
      while (!out.includes('eip-pool') && Date.now() < deadline) await sleep(50);
      await ok(
        'patch',
        'eip',
        'eip-pool',
        '--subresource=status',
        '--type=merge',
        '-p',
        '{"status":{"usage":2}}',
      );
      while (!/eip-pool\s+\S+\s+2\s+9/.test(out) && Date.now() < deadline) await sleep(50);
      assert.match(out, /eip-pool\s+\S+\s+2\s+9/);
    } finally {
      child.kill('SIGTERM');
    }
  });

  it('delete', async () => {
    assert.match(await ok('delete', 'eip', 'eip-pool'), /"eip-pool" deleted/);
    const r = await kubectl('get', 'eip', 'eip-pool');
    assert.match(
      r.stderr,
      /Error from server \(NotFound\): eips\.network\.kubesphere\.io "eip-pool" not found/,
    );
    assert.match(await ok('delete', 'svc', 'nginx'), /deleted/);
  });
});
