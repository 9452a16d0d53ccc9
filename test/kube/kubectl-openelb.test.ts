// `kubectl openelb …` end to end: the real kubectl finds the plugin on PATH (plugin discovery) and the
// plugin reads Eips, Services, BgpPeers and the Layer 2 replica Leases from the API double, written the
// way the manager writes them.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import yaml from 'js-yaml';
import { startKubeDouble, type KubeDouble } from './double.ts';
import { raw, type Obj } from './fixtures/helpers.ts';

const REPO = resolve(import.meta.dirname, '../..');
const PLUGIN = join(REPO, 'src/cli/kubectl-openelb.ts');
const MERGE = { 'Content-Type': 'application/merge-patch+json' };

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function condition(type: string, status: string, reason: string, message = ''): Obj {
  return { type, status, reason, message, lastTransitionTime: '2026-12-01T00:00:00Z' };
}

describe('kubectl openelb (plugin discovery, against the API double)', () => {
  let d: KubeDouble;
  let bare: KubeDouble;
  let tmp: string;
  let bin: string;
  // `script` gives kubectl (and so the plugin) a terminal as stdout
  const kubectl = (args: string[], env: Record<string, string> = {}, tty = false): Promise<Run> =>
    new Promise((res) => {
      execFile(
        tty ? 'script' : 'kubectl',
        tty ? ['-qec', ['kubectl', ...args].join(' '), '/dev/null'] : args,
        {
          env: {
            ...process.env,
            KUBECONFIG: d.kubeconfigPath,
            HOME: tmp,
            // the plugin first, then the Node 24 that runs this test (the plugin's `env node`)
            PATH: `${bin}:${dirname(process.execPath)}:${process.env.PATH ?? ''}`,
            ...env,
          },
          timeout: 60_000,
        },
        (err, stdout, stderr) =>
          res({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
  const ok = async (...args: string[]): Promise<string> => {
    const r = await kubectl(args);
    assert.equal(r.code, 0, `kubectl ${args.join(' ')} failed: ${r.stderr}`);
    assert.ok(!r.stdout.includes('\u001b['), 'no colours when stdout is not a terminal');
    return r.stdout;
  };
  const lines = (out: string): string[][] =>
    out
      .trimEnd()
      .split('\n')
      .map((l) => l.trim().split(/\s{2,}/));
  const put = async (path: string, body: Obj): Promise<void> => {
    const r = await raw(d.url, 'PATCH', path, body, MERGE);
    assert.equal(r.status, 200, `${path}: ${r.text}`);
  };

  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'kubectl-openelb-'));
    bin = join(tmp, 'bin');
    mkdirSync(bin);
    symlinkSync(PLUGIN, join(bin, 'kubectl-openelb'));
    d = await startKubeDouble();
    bare = await startKubeDouble({ crdDirs: [] });
    await d.create([
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } },
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'openelb-system' } },
    ]);
    const eip = (name: string, spec: Obj): Obj => ({
      apiVersion: 'network.kubesphere.io/v1alpha2',
      kind: 'Eip',
      metadata: { name },
      spec,
    });
    await d.create([
      eip('bgp-pool', { address: '192.168.0.100-192.168.0.108', protocol: 'bgp' }),
      eip('l2-pool', { address: '10.10.0.0/29', protocol: 'layer2', interface: 'eth0' }),
      eip('off-pool', { address: '172.16.0.0/30', disable: true }),
    ]);
    const eips = '/apis/network.kubesphere.io/v1alpha2/eips';
    await put(`${eips}/bgp-pool/status`, {
      status: {
        used: { '192.168.0.100': 'default/web' },
        conditions: [condition('Valid', 'True', 'Valid'), condition('Ready', 'True', 'Ready')],
      },
    });
    await put(`${eips}/l2-pool/status`, {
      status: {
        used: { '10.10.0.1': 'shop/store' },
        conditions: [condition('Valid', 'True', 'Valid'), condition('Ready', 'True', 'Ready')],
      },
    });
    await put(`${eips}/off-pool/status`, {
      status: {
        conditions: [
          condition('Valid', 'True', 'Valid'),
          condition('Ready', 'False', 'Disabled', 'spec.disable is true'),
        ],
      },
    });
    const svc = (namespace: string, name: string, meta: Obj = {}, type = 'LoadBalancer'): Obj => ({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace, ...meta },
      spec: { type, selector: { app: name }, ports: [{ port: 80 }] },
    });
    await d.create([
      svc('default', 'web', {
        labels: { 'eip.openelb.kubesphere.io/v1alpha2': 'bgp-pool' },
        annotations: {
          'lb.kubesphere.io/v1alpha1': 'openelb',
          'openelb.kubesphere.io/announced': JSON.stringify({
            node1: { tor1: true },
            node2: { tor1: false },
          }),
        },
      }),
      svc('shop', 'store', { annotations: { 'lb.kubesphere.io/v1alpha1': 'openelb' } }),
      svc('default', 'waiting', { annotations: { 'lb.kubesphere.io/v1alpha1': 'openelb' } }),
      svc('default', 'internal', {}, 'ClusterIP'),
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'other-lb', namespace: 'default' },
        spec: { type: 'LoadBalancer', loadBalancerClass: 'example.com/other', ports: [{ port: 80 }] },
      },
    ]);
    const ingress = (ip: string): Obj => ({ status: { loadBalancer: { ingress: [{ ip }] } } });
    await put('/api/v1/namespaces/default/services/web/status', ingress('192.168.0.100'));
    await put('/api/v1/namespaces/shop/services/store/status', ingress('10.10.0.1'));
    await d.create({
      apiVersion: 'network.kubesphere.io/v1alpha2',
      kind: 'BgpPeer',
      metadata: { name: 'tor1' },
      spec: { conf: { neighborAddress: '172.30.0.1', peerAs: 65001 } },
    });
    await put('/apis/network.kubesphere.io/v1alpha2/bgppeers/tor1/status', {
      status: {
        nodesPeerStatus: {
          node1: { peerState: { sessionState: 'ESTABLISHED', neighborAddress: '172.30.0.1' } },
          node2: { peerState: { sessionState: 'ACTIVE', neighborAddress: '172.30.0.1' } },
        },
      },
    });
    // as ReplicaLeaseIO.renew writes it
    const now = new Date(Date.now() - 3000).toISOString().replace('Z', '000Z');
    await d.create({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: {
        name: 'openelb-layer2-node1',
        namespace: 'openelb-system',
        labels: { 'layer2.openelb.kubesphere.io/replica': 'node1' },
        annotations: {
          'layer2.openelb.kubesphere.io/claims': '10.10.0.1',
          'layer2.openelb.kubesphere.io/lease-duration-ms': '60000',
          'layer2.openelb.kubesphere.io/macs': '02:42:ac:11:00:02',
        },
      },
      spec: { holderIdentity: 'node1', leaseDurationSeconds: 60, acquireTime: now, renewTime: now },
    });
    writeFileSync(
      join(tmp, 'unreachable.kubeconfig'),
      yaml.dump({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [
          { name: 'c', cluster: { server: 'http://127.0.0.1:1', 'insecure-skip-tls-verify': true } },
        ],
        users: [{ name: 'u', user: {} }],
        contexts: [{ name: 'gone', context: { cluster: 'c', user: 'u' } }],
        'current-context': 'gone',
      }),
    );
  });
  after(async () => {
    await d.close();
    await bare.close();
  });

  it('kubectl finds the plugin on PATH', async () => {
    const out = await ok('plugin', 'list');
    assert.match(out, /\/kubectl-openelb$/m);
  });

  it('pools: usage, the next free address and the state per Eip', async () => {
    const out = await ok('openelb', 'pools');
    process.stdout.write(`# kubectl openelb pools\n${out}`);
    const t = lines(out);
    assert.deepEqual(t[0], ['NAME', 'PROTOCOL', 'ADDRESS', 'SIZE', 'USED', 'FREE', 'NEXT FREE', 'STATE']);
    assert.deepEqual(t[1], [
      'bgp-pool',
      'bgp',
      '192.168.0.100-192.168.0.108',
      '9',
      '1',
      '8',
      '192.168.0.101',
      'ready',
    ]);
    // a /29 hands out .1-.6 (network and broadcast skipped); .1 is taken
    assert.deepEqual(t[2], ['l2-pool', 'layer2', '10.10.0.0/29', '6', '1', '5', '10.10.0.2', 'ready']);
    assert.deepEqual(t[3], ['off-pool', 'bgp', '172.16.0.0/30', '2', '0', '2', '-', 'disabled']);
  });

  it('status -A: BGP replica × peer rows, the Layer 2 owner, pending Services; not ClusterIP or other classes', async () => {
    const out = await ok('openelb', 'status', '-A');
    process.stdout.write(`# kubectl openelb status -A\n${out}`);
    const [bgp, l2, other] = out.trimEnd().split('\n\n').map(lines);
    assert.deepEqual(bgp?.[0], [
      'NAMESPACE',
      'NAME',
      'POOL',
      'IP',
      'MODE',
      'REPLICA',
      'PEER',
      'SESSION',
      'ADVERTISED',
    ]);
    assert.deepEqual(bgp?.slice(1), [
      ['default', 'web', 'bgp-pool', '192.168.0.100', 'bgp', 'node1', 'tor1', 'ESTABLISHED', 'yes'],
      ['default', 'web', 'bgp-pool', '192.168.0.100', 'bgp', 'node2', 'tor1', 'ACTIVE', 'no'],
    ]);
    assert.deepEqual(l2?.[0], ['NAMESPACE', 'NAME', 'POOL', 'IP', 'MODE', 'OWNER', 'MAC', 'LEASE AGE']);
    assert.equal(l2?.length, 2);
    assert.deepEqual(l2?.[1]?.slice(0, 7), [
      'shop',
      'store',
      'l2-pool',
      '10.10.0.1',
      'layer2',
      'node1',
      '02:42:ac:11:00:02',
    ]);
    assert.match(l2?.[1]?.[7] ?? '', /^\d+s$/);
    assert.deepEqual(other, [
      ['NAMESPACE', 'NAME', 'POOL', 'IP', 'MODE'],
      ['default', 'waiting', '-', '<pending>', '-'],
    ]);
    assert.doesNotMatch(out, /internal/);
    assert.doesNotMatch(out, /other-lb/, "another load balancer's Services are not listed");
  });

  it('status SERVICE in the default namespace, -n, -o wide', async () => {
    const web = lines(await ok('openelb', 'status', 'web'));
    assert.deepEqual(web[0], ['NAME', 'POOL', 'IP', 'MODE', 'REPLICA', 'PEER', 'SESSION', 'ADVERTISED']);
    assert.equal(web.length, 3);
    const shop = lines(await ok('openelb', 'status', '-n', 'shop'));
    assert.equal(shop[1]?.[0], 'store');
    const wide = lines(await ok('openelb', 'status', 'web', '--output=wide'));
    assert.deepEqual(wide[0]?.slice(-2), ['NEIGHBOR', 'TRAFFIC POLICY']);
    assert.deepEqual(wide[1]?.slice(-2), ['172.30.0.1', 'Cluster']);
  });

  it('-o json and -o yaml carry the same facts', async () => {
    const j = JSON.parse(await ok('openelb', 'status', 'store', '-n', 'shop', '-o', 'json')) as Obj;
    const items = j['items'] as Obj[];
    assert.equal(items.length, 1);
    assert.equal(items[0]?.['mode'], 'layer2');
    const owner = (items[0]?.['layer2'] as Obj[])[0];
    assert.equal(owner?.['owner'], 'node1');
    assert.deepEqual(owner?.['macs'], ['02:42:ac:11:00:02']);
    assert.equal(owner?.['expired'], false);
    const y = yaml.load(await ok('openelb', 'pools', '-o', 'yaml')) as Obj;
    const pools = y['items'] as Obj[];
    assert.deepEqual(
      pools.map((p) => [p['name'], p['nextFree'] ?? null, p['state']]),
      [
        ['bgp-pool', '192.168.0.101', 'ready'],
        ['l2-pool', '10.10.0.2', 'ready'],
        ['off-pool', null, 'disabled'],
      ],
    );
    const bgp = JSON.parse(await ok('openelb', 'status', 'web', '-o', 'json')) as Obj;
    assert.deepEqual(
      ((bgp['items'] as Obj[])[0]?.['bgp'] as Obj[]).map((p) => p['advertised']),
      [true, false],
    );
  });

  it('colours on a terminal, none with NO_COLOR', async () => {
    const coloured = await kubectl(['openelb', 'pools'], {}, true);
    assert.equal(coloured.code, 0, coloured.stderr);
    assert.ok(coloured.stdout.includes('\u001b[32mready\u001b[0m'), coloured.stdout);
    const plain = await kubectl(['openelb', 'pools'], { NO_COLOR: '1' }, true);
    assert.equal(plain.code, 0, plain.stderr);
    assert.match(plain.stdout, /192\.168\.0\.101\s+ready/);
    assert.ok(!plain.stdout.includes('\u001b['), plain.stdout);
  });

  it('errors name what is missing', async () => {
    const unknown = await kubectl(['openelb', 'status', 'nope']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /Service "nope" not found in namespace "default"/);
    const clusterIp = await kubectl(['openelb', 'status', 'internal']);
    assert.match(clusterIp.stderr, /default\/internal is of type ClusterIP, not LoadBalancer/);
    const noCrd = await kubectl(['openelb', 'pools'], { KUBECONFIG: bare.kubeconfigPath });
    assert.equal(noCrd.code, 1);
    assert.match(noCrd.stderr, /eips\.network\.kubesphere\.io is not served .*the Eip CRD is not installed/);
    const down = await kubectl(['openelb', 'pools'], { KUBECONFIG: join(tmp, 'unreachable.kubeconfig') });
    assert.equal(down.code, 1);
    assert.match(
      down.stderr,
      /cannot reach the Kubernetes API server http:\/\/127\.0\.0\.1:1 \(context gone\) to list Eips: .*ECONNREFUSED/,
    );
    const ctx = await kubectl(['openelb', 'pools', '--context', 'staging']);
    assert.match(ctx.stderr, /context "staging" does not exist in kubeconfig/);
    const missing = await kubectl(['openelb', 'pools'], { KUBECONFIG: join(tmp, 'absent') });
    assert.match(missing.stderr, /no cluster to talk to: kubeconfig .*absent does not exist/);
    const bad = await kubectl(['openelb', 'pools', '-o', 'xml']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /output format must be json, yaml or wide/);
  });

  // last: the endpoints it creates are what tells the plugin which replicas run
  it("a replica whose node has no serving manager endpoint: shown as such, its last summary '?'", async () => {
    await d.create({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: {
        name: 'openelb-webhook-abcde',
        namespace: 'openelb-system',
        labels: { 'kubernetes.io/service-name': 'openelb-webhook' },
      },
      addressType: 'IPv4',
      endpoints: [
        { addresses: ['10.0.0.1'], nodeName: 'node1', conditions: { ready: true, serving: true } },
        // publishNotReadyAddresses: ready stays true, serving follows the pod
        { addresses: ['10.0.0.2'], nodeName: 'node2', conditions: { ready: true, serving: false } },
      ],
      ports: [{ name: 'https', port: 9443, protocol: 'TCP' }],
    });
    const web = lines(await ok('openelb', 'status', 'web'));
    assert.deepEqual(web.slice(1), [
      ['web', 'bgp-pool', '192.168.0.100', 'bgp', 'node1', 'tor1', 'ESTABLISHED', 'yes'],
      ['web', 'bgp-pool', '192.168.0.100', 'bgp', 'node2 (no manager)', 'tor1', 'ACTIVE', '?'],
    ]);
  });
});
