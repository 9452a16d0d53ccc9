// `make lab ONCE=1` as a test: the seed walkthrough on the embedded lab must finish and exit 0, with
// admission and conversion on (installed from deploy/openelb.yaml, served by the managers).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../lab/main.ts', import.meta.url));

test('make lab ONCE=1: the seed walkthrough runs end to end', { timeout: 240_000 }, async (t) => {
  const child = spawn(process.execPath, [MAIN, '--once'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, OPENELB_LOG_LEVEL: 'warn' },
  });
  let out = '';
  child.stdout.on('data', (b: Buffer) => {
    out += b.toString();
  });
  child.stderr.on('data', () => undefined);
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  t.diagnostic(
    out
      .split('\n')
      .filter((l) => l.startsWith('walkthrough complete') || l.startsWith('openelb-ts lab'))
      .join(' | '),
  );
  assert.equal(code, 0, `lab --once failed:\n${out.slice(-4000)}`);
  for (const want of [
    // step 1 installs deploy/openelb.yaml: the webhooks are registered and fail closed until a replica runs
    /validatingwebhookconfiguration\.admissionregistration\.k8s\.io\/openelb-admission\s/,
    /bgppeers\.network\.kubesphere\.io\s+Webhook\s+openelb-webhook/,
    /failed calling webhook "validate\.eip\.network\.kubesphere\.io": .*no endpoints available for service "openelb-webhook"/,
    // the managers' processes are the Service's endpoints; they made the certificate and patched the caBundle
    /openelb-webhook-oelab-9443\s+IPv4\s+9443\s+10\.99\.0\.11,10\.99\.0\.12\s/,
    /openelb-webhook-cert\s+kubernetes\.io\/tls/,
    /validate\.eip\.network\.kubesphere\.io: caBundle [1-9]\d* bytes/,
    // admission: a malformed pool is refused naming the field, and not stored
    /The Eip "eip-bad" is invalid: spec\.address: .*\/33/,
    /eips\.network\.kubesphere\.io "eip-bad" not found/,
    // conversion: OpenELB's v1alpha1 samples are stored and read back as v1alpha2 (and as v1alpha1 again)
    /Warning: network\.kubesphere\.io\/v1alpha1 BgpPeer is deprecated/,
    /bgpconf default -o jsonpath.*\nnetwork\.kubesphere\.io\/v1alpha2\n\{"as":64600,"listenPort":1790\}/,
    /bgppeer bgppeer-sample -o jsonpath.*\nnetwork\.kubesphere\.io\/v1alpha2\n\{"conf":\{"neighborAddress":"10\.99\.0\.1","peerAs":64512\}/,
    /network\.kubesphere\.io\/v1alpha1\n\{"config":\{"neighborAddress":"10\.99\.0\.1","peerAs":64512\}/,
    /eip-pool\s+10\.99\.0\.100-10\.99\.0\.108\s+0\s+9/,
    /nginx\s+LoadBalancer\s+\S+\s+10\.99\.0\.100\s/,
    /node1: ESTABLISHED/,
    /nexthops: 10\.99\.0\.11, 10\.99\.0\.12/,
    // the kubectl plugin, found on PATH by kubectl, after the Layer 2 and the BGP step
    /\$ kubectl openelb status -A\nNAMESPACE\s+NAME\s+POOL\s+IP\s+MODE\s+OWNER\s+MAC\s+LEASE AGE\ndefault\s+nginx\s+eip-pool\s+10\.99\.0\.100\s+layer2\s+node[12]\s/,
    /REPLICA\s+PEER\s+SESSION\s+ADVERTISED\ndefault\s+nginx-bgp\s+eip-bgp-pool\s+198\.51\.100\.100\s+bgp\s+node1\s+bgppeer-sample\s+ESTABLISHED\s+yes\ndefault\s+nginx-bgp\s+eip-bgp-pool\s+198\.51\.100\.100\s+bgp\s+node2\s+bgppeer-sample\s+ESTABLISHED\s+yes\n/,
    // each replica's row of the announced summary, then ADVERTISED from it
    /nginx-bgp -o jsonpath=.*\n\{"node1":\{"bgppeer-sample":true\},"node2":\{"bgppeer-sample":true\}\}\n/,
    /\$ kubectl openelb pools\nNAME\s+PROTOCOL\s+ADDRESS\s+SIZE\s+USED\s+FREE\s+NEXT FREE\s+STATE\neip-bgp-pool\s+bgp\s+198\.51\.100\.100-198\.51\.100\.108\s+9\s+1\s+8\s+198\.51\.100\.101\s+ready/,
    /walkthrough complete/,
  ])
    assert.match(out, want);
});
