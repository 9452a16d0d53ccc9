// What kubectl 1.32 prints against the double for the commands users run, as a real server
// makes it print: generator commands (which send protobuf), Table columns of nodes (-o wide),
// events, leases and endpointslices, `kubectl explain` of built-ins and of our CRDs' metadata,
// `kubectl scale` through the Deployment's scale subresource.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startKubeDouble, type KubeDouble } from './double.ts';
import { kubectlRunner, type KubectlRunner } from './fixtures/kubectl-run.ts';
import { raw, type Obj } from './fixtures/helpers.ts';

const header = (out: string): string[] => (out.split('\n')[0] ?? '').trim().split(/\s{2,}/);
const ipToInt = (ip: string): number => ip.split('.').reduce((a, o) => a * 256 + Number(o), 0);

describe('kube double: kubectl prints what a real server makes it print', () => {
  let d: KubeDouble;
  let dir: string;
  let k: KubectlRunner;
  const ok = async (...args: string[]): Promise<string> => {
    const r = await k.kubectl(...args);
    assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kube-double-ux-'));
    d = await startKubeDouble();
    k = kubectlRunner(() => ({ kubeconfig: d.kubeconfigPath, dir }));
  });
  after(() => d.close());

  it('kubectl create namespace|secret|configmap|serviceaccount (protobuf bodies) create the objects', async () => {
    assert.equal(await ok('create', 'namespace', 'x'), 'namespace/x created\n');
    assert.match(await ok('get', 'namespace', 'x'), /^x\s+Active\s+\d+s$/m);
    assert.equal(
      await ok('create', 'secret', 'generic', 'creds', '-n', 'x', '--from-literal=password=s3cret'),
      'secret/creds created\n',
    );
    assert.equal(
      await ok('get', 'secret', 'creds', '-n', 'x', '-o', 'jsonpath={.type} {.data.password}'),
      `Opaque ${Buffer.from('s3cret').toString('base64')}`,
    );
    assert.equal(
      await ok('create', 'configmap', 'cfg', '-n', 'x', '--from-literal=a=b'),
      'configmap/cfg created\n',
    );
    assert.equal(await ok('get', 'configmap', 'cfg', '-n', 'x', '-o', 'jsonpath={.data.a}'), 'b');
    assert.equal(await ok('create', 'serviceaccount', 'robot', '-n', 'x'), 'serviceaccount/robot created\n');
  });

  it('kubectl get nodes [-o wide]: the real columns; a new node is NotReady-tainted until Ready', async () => {
    writeFileSync(
      join(dir, 'node.yaml'),
      [
        'apiVersion: v1',
        'kind: Node',
        'metadata:',
        '  name: node1',
        '  labels: {node-role.kubernetes.io/control-plane: ""}',
        'status:',
        '  addresses: [{type: InternalIP, address: 172.18.0.2}, {type: Hostname, address: node1}]',
        '  nodeInfo: {kubeletVersion: v1.32.0, osImage: Debian GNU/Linux 12 (bookworm), kernelVersion: 6.1.0-28-amd64, containerRuntimeVersion: "containerd://1.7.24",',
        '    architecture: amd64, operatingSystem: linux, bootID: b, machineID: m, systemUUID: s, kubeProxyVersion: v1.32.0}',
        '',
      ].join('\n'),
    );
    await ok('apply', '-f', join(dir, 'node.yaml'));
    const wide = await ok('get', 'nodes', '-o', 'wide');
    assert.deepEqual(header(wide), [
      'NAME',
      'STATUS',
      'ROLES',
      'AGE',
      'VERSION',
      'INTERNAL-IP',
      'EXTERNAL-IP',
      'OS-IMAGE',
      'KERNEL-VERSION',
      'CONTAINER-RUNTIME',
    ]);
    assert.match(
      wide,
      /^node1\s+Unknown\s+control-plane\s+\d+s\s+v1\.32\.0\s+172\.18\.0\.2\s+<none>\s+Debian GNU\/Linux 12 \(bookworm\)\s+6\.1\.0-28-amd64\s+containerd:\/\/1\.7\.24$/m,
    );
    assert.deepEqual(header(await ok('get', 'nodes')), ['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION']);
    assert.match(
      await ok('describe', 'node', 'node1'),
      /Taints:\s+node\.kubernetes\.io\/not-ready:NoSchedule/,
    );
    await ok(
      'patch',
      'node',
      'node1',
      '--subresource=status',
      '--type=merge',
      '-p',
      '{"status":{"conditions":[{"type":"Ready","status":"True","reason":"KubeletReady","lastHeartbeatTime":null,"lastTransitionTime":null}]}}',
    );
    assert.match(await ok('get', 'nodes'), /^node1\s+Ready\s+control-plane/m);
    assert.match(await ok('describe', 'node', 'node1'), /Taints:\s+<none>/);
  });

  it('kubectl get events, leases, endpointslices: the real columns', async () => {
    await raw(d.url, 'POST', '/api/v1/namespaces/x/events', {
      metadata: { name: 'lb.1' },
      involvedObject: { kind: 'Service', name: 'lb', namespace: 'x' },
      reason: 'IPAllocated',
      message: 'assigned 192.168.0.100',
      type: 'Normal',
      count: 2,
      source: { component: 'openelb-manager', host: 'node1' },
      firstTimestamp: new Date().toISOString(),
      lastTimestamp: new Date().toISOString(),
    });
    const ev = await ok('get', 'events', '-n', 'x');
    assert.deepEqual(header(ev), ['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE']);
    assert.match(ev, /^\d+s\s+Normal\s+IPAllocated\s+service\/lb\s+assigned 192\.168\.0\.100$/m);
    assert.deepEqual(header(await ok('get', 'events', '-n', 'x', '-o', 'wide')), [
      'LAST SEEN',
      'TYPE',
      'REASON',
      'OBJECT',
      'SUBOBJECT',
      'SOURCE',
      'MESSAGE',
      'FIRST SEEN',
      'COUNT',
      'NAME',
    ]);
    assert.match(
      await ok('get', 'events', '-n', 'x', '--field-selector', 'reason=IPAllocated,source=openelb-manager'),
      /IPAllocated/,
    );
    await raw(d.url, 'POST', '/apis/coordination.k8s.io/v1/namespaces/x/leases', {
      metadata: { name: 'openelb-manager' },
      spec: { holderIdentity: 'node1', leaseDurationSeconds: 15 },
    });
    const leases = await ok('get', 'leases', '-n', 'x');
    assert.deepEqual(header(leases), ['NAME', 'HOLDER', 'AGE']);
    assert.match(leases, /^openelb-manager\s+node1\s+\d+s$/m);
    await raw(d.url, 'POST', '/apis/discovery.k8s.io/v1/namespaces/x/endpointslices', {
      metadata: { name: 'lb-abc', labels: { 'kubernetes.io/service-name': 'lb' } },
      addressType: 'IPv4',
      endpoints: [{ addresses: ['10.244.0.5'] }, { addresses: ['10.244.1.7'] }],
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    });
    const eps = await ok('get', 'endpointslices', '-n', 'x');
    assert.deepEqual(header(eps), ['NAME', 'ADDRESSTYPE', 'PORTS', 'ENDPOINTS', 'AGE']);
    assert.match(eps, /^lb-abc\s+IPv4\s+8080\s+10\.244\.0\.5,10\.244\.1\.7\s+\d+s$/m);
  });

  it("kubectl explain documents built-in fields and our CRDs' metadata", async () => {
    const lbc = await ok('explain', 'svc.spec.loadBalancerClass');
    assert.match(lbc, /KIND:\s+Service/);
    assert.match(lbc, /FIELD:\s+loadBalancerClass <string>/);
    assert.match(lbc, /loadBalancerClass is the class of the load balancer implementation/);
    const ingress = await ok('explain', 'svc.status.loadBalancer.ingress.ipMode');
    assert.match(ingress, /FIELD:\s+ipMode <string>/);
    const meta = await ok('explain', 'eip.metadata');
    assert.match(meta, /FIELD:\s+metadata <ObjectMeta>/);
    assert.match(meta, /^\s+labels\s+<map\[string\]string>/m);
    assert.match(await ok('explain', 'lease.spec'), /leaseDurationSeconds\s+<integer>/);
  });

  it('clusterIP and nodePort are picked at random above the static bands', async () => {
    const ips: number[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await raw(d.url, 'POST', '/api/v1/namespaces/x/services', {
        metadata: { name: `r${i}` },
        spec: { type: 'NodePort', ports: [{ port: 80 }] },
      });
      assert.equal(r.status, 201, r.text);
      const spec = r.body.spec as Obj;
      const ip = ipToInt(String(spec.clusterIP));
      assert.ok(ip >= ipToInt('10.96.1.0') && ip <= ipToInt('10.111.255.254'), String(spec.clusterIP));
      const port = Number((spec.ports as Obj[])[0]?.nodePort);
      assert.ok(port >= 30086 && port <= 32767, String(port));
      ips.push(ip);
    }
    assert.equal(new Set(ips).size, 5);
    assert.ok(
      ips.some((ip, i) => i > 0 && Math.abs(ip - (ips[i - 1] ?? 0)) !== 1),
      `not a sequence: ${ips.join(',')}`,
    );
  });

  it('kubectl scale deploy: through deployments/scale (autoscaling/v1 Scale), preconditions and bounds as a real server', async () => {
    const MANIFEST = join(import.meta.dirname, '../../deploy/openelb.yaml');
    await ok('apply', '--server-side', '-f', MANIFEST);
    const ns = ['-n', 'openelb-system'];
    assert.equal(
      await ok('scale', 'deploy', 'openelb-manager', '--replicas=3', ...ns),
      'deployment.apps/openelb-manager scaled\n',
    );
    assert.equal(await ok('get', 'deploy', 'openelb-manager', ...ns, '-o', 'jsonpath={.spec.replicas}'), '3');
    const scale = await raw(
      d.url,
      'GET',
      '/apis/apps/v1/namespaces/openelb-system/deployments/openelb-manager/scale',
    );
    assert.equal(scale.status, 200, scale.text);
    assert.equal(scale.body.apiVersion, 'autoscaling/v1');
    assert.deepEqual(scale.body.spec, { replicas: 3 });
    assert.equal(
      (scale.body.status as Obj).selector,
      'app.kubernetes.io/component=manager,app.kubernetes.io/name=openelb',
    );
    const stale = await k.kubectl(
      'scale',
      'deploy',
      'openelb-manager',
      '--current-replicas=2',
      '--replicas=4',
      ...ns,
    );
    assert.notEqual(stale.code, 0);
    assert.match(stale.stderr, /Expected replicas to be 2, was 3/);
    const negative = await raw(
      d.url,
      'PATCH',
      '/apis/apps/v1/namespaces/openelb-system/deployments/openelb-manager/scale',
      { spec: { replicas: -1 } },
      { 'Content-Type': 'application/merge-patch+json' },
    );
    assert.equal(negative.status, 422, negative.text);
    assert.match(negative.text, /spec\.replicas/);
    const managers = (
      (await raw(d.url, 'GET', '/apis/apps/v1/namespaces/openelb-system/deployments/openelb-manager')).body
        .metadata as { managedFields?: { manager: string; operation: string; subresource?: string }[] }
    ).managedFields;
    assert.ok(
      managers?.some((m) => m.manager === 'kubectl' && m.operation === 'Update' && m.subresource === 'scale'),
      JSON.stringify(managers),
    );
    // the manifest's replicas are now another manager's: a plain re-apply names the conflict
    const again = await k.kubectl('apply', '--server-side', '-f', MANIFEST);
    assert.notEqual(again.code, 0);
    assert.match(
      again.stderr,
      /conflict with "kubectl" with subresource "scale" using apps\/v1: \.spec\.replicas/,
    );
    const discovery = await raw(d.url, 'GET', '/apis/apps/v1');
    assert.ok(
      (discovery.body.resources as Obj[]).some(
        (r) => r.name === 'deployments/scale' && r.kind === 'Scale' && r.group === 'autoscaling',
      ),
    );
  });
});
