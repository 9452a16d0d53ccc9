// The seed walkthrough on a running lab: the same steps the seed takes on a real cluster (install
// deploy/openelb.yaml, annotate a node, a layer2 pool, the nginx Service), then the BGP half (OpenELB's
// v1alpha1 BgpConf and BgpPeer, converted by the webhook; a bgp pool, a Service), each printed as
// `$ command` + output, each checked. Admission and conversion run as on a cluster: the manifest
// registers the webhooks, the managers create their certificate and patch the caBundle, and the API
// double calls them through the webhook Service. Used by `make lab`.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import yaml from 'js-yaml';
import type { Lab } from './lab.ts';
import { OPENELB_MANIFEST, webhookService } from './manifest.ts';
import { REPO_ROOT } from './roles.ts';
import { waitFor } from './wait.ts';
import { kubectlOpenelb, POOLS_HEADERS, STATUS_BGP_HEADERS, STATUS_L2_HEADERS } from './plugin.ts';

export const MANAGER_NS = 'openelb-system';
/** The seed's pool, moved onto the lab LAN: 9 addresses as in the seed. */
export const SEED_L2_RANGE = '10.99.0.100-10.99.0.108';
export const SEED_L2_FIRST = '10.99.0.100';
export const SEED_BGP_RANGE = '198.51.100.100-198.51.100.108';

type Say = (line?: string) => void;

export class StepFailed extends Error {}

interface Obj {
  [k: string]: unknown;
}

/** A kubectl call shown as the seed shows it (`$ kubectl …`), run in the lab's control namespace. */
async function kubectl(lab: Lab, say: Say, args: string[], input?: string): Promise<string> {
  say(`$ kubectl ${args.join(' ')}`);
  const r = await lab.kubectl(args, input);
  const out = (r.stdout + r.stderr).trimEnd();
  if (out) say(out);
  if (r.code !== 0) throw new StepFailed(`kubectl ${args.join(' ')} exited ${r.code}`);
  return r.stdout;
}

/** A kubectl call that must be refused; returns its stderr. */
async function kubectlRefused(lab: Lab, say: Say, args: string[], input?: string): Promise<string> {
  say(`$ kubectl ${args.join(' ')}`);
  const r = await lab.kubectl(args, input);
  const out = (r.stdout + r.stderr).trimEnd();
  if (out) say(out);
  if (r.code === 0) throw new StepFailed(`kubectl ${args.join(' ')} was accepted; it must be refused`);
  return r.stderr;
}

/** `<kind> <name> as served in <version>`: apiVersion and spec, one line each. */
async function showSpec(
  lab: Lab,
  say: Say,
  resource: string,
  name: string,
): Promise<{ apiVersion: string; spec: Obj }> {
  const out = await kubectl(lab, say, [
    'get',
    resource,
    name,
    '-o',
    'jsonpath={.apiVersion}{"\\n"}{.spec}{"\\n"}',
  ]);
  const [apiVersion = '', spec = '{}'] = out.trim().split('\n');
  return { apiVersion, spec: JSON.parse(spec) as Obj };
}

async function example(name: string): Promise<Obj> {
  return yaml.load(await readFile(join(REPO_ROOT, 'examples', name), 'utf8')) as Obj;
}

async function jsonOf<T>(lab: Lab, args: string[]): Promise<T> {
  const r = await lab.kubectl([...args, '-o', 'json']);
  if (r.code !== 0) throw new StepFailed(`kubectl ${args.join(' ')}: ${r.stderr.trim()}`);
  return JSON.parse(r.stdout) as T;
}

interface Svc {
  status?: { loadBalancer?: { ingress?: { ip?: string }[] } };
}

async function externalIp(lab: Lab, name: string): Promise<string> {
  return waitFor(
    async () => (await jsonOf<Svc>(lab, ['get', 'svc', name])).status?.loadBalancer?.ingress?.[0]?.ip,
    30_000,
    {
      what: `EXTERNAL-IP of Service ${name}`,
      intervalMs: 200,
    },
  );
}

/** HTTP through the IP from the client until every node in `want` has answered once (ECMP / owner). */
async function curlAll(lab: Lab, say: Say, ip: string, want: number): Promise<Set<string>> {
  const seen = new Set<string>();
  say(`$ curl http://${ip}/   (from the client namespace, a new connection each time)`);
  for (let i = 0; i < 40 && seen.size < want; i++) {
    const r = await lab.httpGet(`http://${ip}/`, 3000);
    if (!r.ok || !r.node) throw new StepFailed(`HTTP to ${ip} failed: ${r.error ?? r.status}`);
    if (!seen.has(r.node)) say(`  ${r.body.trim()}`);
    seen.add(r.node);
  }
  return seen;
}

/** `kubectl openelb …` must exit 0 and print every one of `want`. */
async function pluginShows(lab: Lab, say: Say, args: string[], want: (string | RegExp)[]): Promise<void> {
  const r = await kubectlOpenelb(lab, say, args);
  if (r.code !== 0) throw new StepFailed(`kubectl openelb ${args.join(' ')} exited ${r.code}`);
  for (const w of want) {
    const seen = typeof w === 'string' ? r.output.includes(w) : w.test(r.output);
    if (!seen) throw new StepFailed(`kubectl openelb ${args.join(' ')} does not show ${String(w)}`);
  }
}

/** `startManagers` brings the replicas up once the install step created the CRDs and the namespace. */
export async function seedWalkthrough(lab: Lab, say: Say, startManagers: () => Promise<void>): Promise<void> {
  const router = lab.router().plan;
  const nodes = lab.nodes;
  const svc = webhookService();
  say('== 1. Install: the one-file manifest (CRDs, webhooks, RBAC, the Deployment) ==');
  await kubectl(lab, say, ['apply', '-f', OPENELB_MANIFEST]);
  const hooks = await kubectl(lab, say, [
    'get',
    'validatingwebhookconfigurations,mutatingwebhookconfigurations',
  ]);
  if (!/validatingwebhookconfiguration\S*\/openelb-admission\s/.test(hooks))
    throw new StepFailed('the ValidatingWebhookConfiguration openelb-admission is not registered');
  const crds = await kubectl(lab, say, [
    'get',
    'crd',
    '-o',
    'custom-columns=NAME:.metadata.name,CONVERSION:.spec.conversion.strategy,SERVICE:.spec.conversion.webhook.clientConfig.service.name',
  ]);
  for (const c of [
    'bgpconfs.network.kubesphere.io',
    'bgppeers.network.kubesphere.io',
    'eips.network.kubesphere.io',
  ]) {
    if (!crds.includes(c)) throw new StepFailed(`kubectl get crd does not list ${c}`);
  }
  if (!/bgppeers\.network\.kubesphere\.io\s+Webhook\s/.test(crds))
    throw new StepFailed('the BgpPeer CRD has no conversion webhook');
  say('(no replica runs yet, and the webhooks fail closed: writes of our kinds are refused)');
  const early = await kubectlRefused(lab, say, [
    'apply',
    '--dry-run=server',
    '-f',
    join(REPO_ROOT, 'examples/eip.yaml'),
  ]);
  if (!early.includes(`no endpoints available for service "${svc.name}"`))
    throw new StepFailed('the refusal does not say that the webhook Service has no endpoints');
  if (lab.runtime === 'podman')
    say(
      `(the Deployment is stored, and the pod runner stands in for the kubelet: each node namespace, ${nodes.map((n) => n.name).join(', ')}, gets the Deployment's pod — gobgpd sidecar, then manager — on podman, with the manifest's images, users, capabilities and probes; the lab lists each pod in the endpoints of Service ${svc.namespace}/${svc.name} while it exists)`,
    );
  else
    say(
      `(the Deployment is stored, but no kubelet runs its pods: one openelb-manager replica starts as a process in each node namespace, ${nodes.map((n) => n.name).join(', ')}, and the lab lists each in the endpoints of Service ${svc.namespace}/${svc.name} while it runs)`,
    );
  await startManagers();
  await lab.waitWebhooks(60_000);
  const eps = await kubectl(lab, say, [
    'get',
    'endpointslices',
    '-n',
    svc.namespace,
    '-l',
    `kubernetes.io/service-name=${svc.name}`,
  ]);
  for (const n of nodes)
    if (!eps.includes(n.ipv4))
      throw new StepFailed(`the webhook Service's endpoints do not list ${n.name} (${n.ipv4})`);
  await kubectl(lab, say, ['get', 'secrets', '-n', svc.namespace]);
  const bundles = await kubectl(lab, say, [
    'get',
    'validatingwebhookconfiguration',
    'openelb-admission',
    '-o',
    'go-template={{range .webhooks}}{{.name}}: caBundle {{len .clientConfig.caBundle}} bytes{{"\\n"}}{{end}}',
  ]);
  if (/caBundle 0 bytes/.test(bundles))
    throw new StepFailed('a webhook has no caBundle: the managers did not patch it');
  await kubectl(lab, say, ['get', 'nodes', '-o', 'wide']);
  await kubectl(lab, say, ['get', 'leases', '-n', MANAGER_NS]);

  say();
  say('== 2. Layer 2: annotate the node with the NIC address to use ==');
  await kubectl(lab, say, [
    'annotate',
    '--overwrite',
    'node',
    nodes[0]!.name,
    `layer2.openelb.kubesphere.io/v1alpha1=${nodes[0]!.ipv4}`,
  ]);

  say();
  say(
    `== 3. The pool: examples/eip.yaml moved onto the lab LAN (${SEED_L2_RANGE}, no fixed interface name) ==`,
  );
  const eip = await example('eip.yaml');
  const eipSpec = eip.spec as Obj;
  eipSpec.address = SEED_L2_RANGE;
  delete eipSpec.interface; // the lab's NIC names differ per node: the node annotation / InternalIP decides
  await kubectl(lab, say, ['apply', '-f', '-'], JSON.stringify(eip));
  await waitFor(
    async () =>
      (await jsonOf<{ status?: { poolSize?: number } }>(lab, ['get', 'eip', 'eip-pool'])).status?.poolSize ===
      9,
    20_000,
    {
      what: 'eip-pool status',
      intervalMs: 200,
    },
  );
  const eips = await kubectl(lab, say, ['get', 'eip']);
  if (!/eip-pool\s+10\.99\.0\.100-10\.99\.0\.108\s+0\s+9/.test(eips))
    throw new StepFailed('kubectl get eip does not show "eip-pool <range> 0 9"');
  say('(the admission webhook refuses a malformed pool, naming the field; nothing is stored)');
  const bad = {
    apiVersion: 'network.kubesphere.io/v1alpha2',
    kind: 'Eip',
    metadata: { name: 'eip-bad' },
    spec: { address: '10.0.0.0/33', protocol: 'layer2' },
  };
  const denial = await kubectlRefused(lab, say, ['apply', '-f', '-'], JSON.stringify(bad));
  if (!denial.includes('spec.address') || !denial.includes('/33'))
    throw new StepFailed('the refusal does not name spec.address and the /33');
  const gone = await kubectlRefused(lab, say, ['get', 'eip', 'eip-bad']);
  if (!/NotFound|not found/.test(gone)) throw new StepFailed('eip-bad was stored');

  say();
  say('== 4. The Service: examples/nginx-svc.yaml as the seed writes it ==');
  for (const n of nodes) await lab.serveVip(n.name, SEED_L2_FIRST); // kube-proxy's part on every node
  await kubectl(lab, say, ['apply', '-f', join(REPO_ROOT, 'examples/nginx-svc.yaml')]);
  const l2ip = await externalIp(lab, 'nginx');
  await kubectl(lab, say, ['get', 'svc', 'nginx']);
  if (l2ip !== SEED_L2_FIRST) throw new StepFailed(`nginx got ${l2ip}, expected ${SEED_L2_FIRST}`);
  await kubectl(lab, say, ['get', 'eip', 'eip-pool']);
  say(`$ arping -c 3 ${l2ip}   (from the client namespace)`);
  const arp = await waitFor(
    async () => {
      const a = await lab.arping(l2ip, { count: 3, deadlineS: 4 });
      return a.ok && a.macs.length === 1 ? a : undefined;
    },
    20_000,
    { what: `one ARP answerer for ${l2ip}`, intervalMs: 200 },
  );
  const macs = new Map<string, string>();
  for (const n of nodes) macs.set((await lab.mac(n.name)).toLowerCase(), n.name);
  const owner = macs.get(arp.macs[0]!.toLowerCase());
  say(`  ${arp.replies.length} replies, all from ${arp.macs[0]} (${owner ?? 'not a replica!'})`);
  if (!owner) throw new StepFailed(`ARP for ${l2ip} answered by ${arp.macs[0]}, which is no replica's MAC`);
  const l2seen = await curlAll(lab, say, l2ip, 1);
  if (!l2seen.has(owner)) throw new StepFailed(`HTTP through ${l2ip} did not reach the ARP owner ${owner}`);
  say('(the kubectl plugin: who answers for the Service, read from the cluster)');
  await pluginShows(lab, say, ['status', '-A'], [STATUS_L2_HEADERS, l2ip]);

  say();
  say(
    "== 5. BGP: OpenELB's v1alpha1 BgpConf and BgpPeer (converted by the webhook), a bgp pool and a Service ==",
  );
  // OpenELB's sample forms, moved onto the lab. routerID is left out: one value would be every
  // replica's router ID (OpenELB issue #315); without it each replica uses its node's address.
  const conf = {
    apiVersion: 'network.kubesphere.io/v1alpha1',
    kind: 'BgpConf',
    metadata: { name: 'default' },
    spec: { as: lab.plan.nodeAsn, port: router.dialPort },
  };
  const peer = {
    apiVersion: 'network.kubesphere.io/v1alpha1',
    kind: 'BgpPeer',
    metadata: { name: 'bgppeer-sample' },
    // passive: the lab router dials every node
    spec: { config: { peerAs: router.asn, neighborAddress: router.ipv4 }, transport: { passiveMode: true } },
  };
  const bgpEip = await example('eip-bgp.yaml');
  (bgpEip.spec as Obj).address = SEED_BGP_RANGE;
  for (const o of [conf, peer, bgpEip]) await kubectl(lab, say, ['apply', '-f', '-'], JSON.stringify(o));
  say('(stored as v1alpha2, the storage version; read back through the conversion webhook)');
  const confV2 = await showSpec(lab, say, 'bgpconf', 'default');
  if (
    confV2.apiVersion !== 'network.kubesphere.io/v1alpha2' ||
    confV2.spec.as !== lab.plan.nodeAsn ||
    confV2.spec.listenPort !== router.dialPort
  ) {
    throw new StepFailed(
      `BgpConf default read as ${JSON.stringify(confV2)}, expected v1alpha2 with as ${lab.plan.nodeAsn} and listenPort ${router.dialPort}`,
    );
  }
  const peerV2 = await showSpec(lab, say, 'bgppeer', 'bgppeer-sample');
  const peerConf = (peerV2.spec.conf ?? {}) as Obj;
  if (
    peerV2.apiVersion !== 'network.kubesphere.io/v1alpha2' ||
    peerConf.neighborAddress !== router.ipv4 ||
    peerConf.peerAs !== router.asn
  ) {
    throw new StepFailed(
      `BgpPeer bgppeer-sample read as ${JSON.stringify(peerV2)}, expected v1alpha2 with conf.neighborAddress ${router.ipv4}`,
    );
  }
  const peerV1 = await showSpec(lab, say, 'bgppeers.v1alpha1.network.kubesphere.io', 'bgppeer-sample');
  if (!isDeepStrictEqual(peerV1.spec, peer.spec))
    throw new StepFailed(`BgpPeer read back as v1alpha1 differs: ${JSON.stringify(peerV1.spec)}`);
  const bgpIpFirst = SEED_BGP_RANGE.split('-')[0]!;
  for (const n of nodes) await lab.serveVip(n.name, bgpIpFirst);
  await kubectl(lab, say, ['apply', '-f', join(REPO_ROOT, 'examples/nginx-svc-bgp.yaml')]);
  const bgpIp = await externalIp(lab, 'nginx-bgp');
  await kubectl(lab, say, ['get', 'svc']);
  await kubectl(lab, say, ['get', 'eip']);
  const want = nodes.map((n) => n.ipv4).sort();
  await lab.waitNextHops(bgpIp, want, 60_000);
  const peerName = peer.metadata.name;
  await waitFor(
    async () => {
      const p = await jsonOf<{
        status?: { nodesPeerStatus?: Record<string, { peerState?: { sessionState?: string } }> };
      }>(lab, ['get', 'bgppeer', peerName]);
      const states = Object.values(p.status?.nodesPeerStatus ?? {}).map(
        (s) => s.peerState?.sessionState ?? '',
      );
      return states.length === nodes.length && states.every((s) => /established/i.test(s));
    },
    30_000,
    { what: 'BgpPeer status: every node Established', intervalMs: 250 },
  );
  await kubectl(lab, say, ['get', 'bgppeer', '-o', 'wide']);
  await kubectl(lab, say, [
    'get',
    'bgppeer',
    peerName,
    '-o',
    'go-template={{range $node, $s := .status.nodesPeerStatus}}{{$node}}: {{$s.peerState.sessionState}}{{"\\n"}}{{end}}',
  ]);
  say(`$ ip route show ${bgpIp}   (in the router namespace ${router.ns})`);
  const route = await lab.routerRoute(bgpIp);
  say(`  ${bgpIp} proto ${router.kind} nexthops: ${(route?.nextHops ?? []).join(', ')}`);
  // the router hashes flows over its next hops by L4 ports (policy 1), so one client reaches every node
  await lab.execOk(router.role, ['sysctl', '-qw', 'net.ipv4.fib_multipath_hash_policy=1']);
  const bgpSeen = await curlAll(lab, say, bgpIp, nodes.length);
  if (bgpSeen.size !== nodes.length)
    throw new StepFailed(`HTTP through ${bgpIp} reached ${[...bgpSeen].join(', ')}, not every node`);
  // each replica publishes whether its path is in the peer's adj-RIB-out (annotation on the Service)
  await waitFor(
    async () => {
      const a = (
        await jsonOf<{ metadata: { annotations?: Record<string, string> } }>(lab, ['get', 'svc', 'nginx-bgp'])
      ).metadata.annotations?.['openelb.kubesphere.io/announced'];
      const rows = a === undefined ? {} : (JSON.parse(a) as Record<string, Record<string, boolean>>);
      return nodes.every((n) => rows[n.name]?.[peerName] === true);
    },
    30_000,
    { what: 'every replica publishing its path in the adj-RIB-out', intervalMs: 250 },
  );
  await kubectl(lab, say, [
    'get',
    'svc',
    'nginx-bgp',
    '-o',
    'jsonpath={.metadata.annotations.openelb\\.kubesphere\\.io/announced}{"\\n"}',
  ]);
  say(
    '(the kubectl plugin: each replica x peer for the BGP Service, with ADVERTISED from the adj-RIB-out, and the pools)',
  );
  await pluginShows(lab, say, ['status', '-A'], [STATUS_BGP_HEADERS, bgpIp]);
  await pluginShows(lab, say, ['pools'], [POOLS_HEADERS, 'eip-pool', 'eip-bgp-pool']);
  say();
  say(
    `walkthrough complete: Layer 2 ${l2ip} answered by ${owner}; BGP ${bgpIp} via ${want.join(' + ')} (ECMP)`,
  );
}
