// Cost of the eTP=Local eligibility question at scale: N Services with externalTrafficPolicy: Local,
// one EndpointSlice each (endpoints on two nodes), and nodeMayCarry asked once per Service against
// one slice list, as a BGP recompute asks it. Not a bench group (no lab, no raw baseline; pure code):
//   node bench/lib/slices-probe.ts [N]
import { nodeMayCarry, type Announcement } from '../../src/announce/announcements.ts';
import type { EndpointSlice, Node, Service } from '../../src/kube/types.ts';

const N = Number(process.argv[2] ?? 10_000);
const slices: EndpointSlice[] = Array.from({ length: N }, (_, i) => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name: `s${i}-x`, namespace: 'ns', labels: { 'kubernetes.io/service-name': `s${i}` } },
  addressType: 'IPv4',
  endpoints: [{ addresses: ['10.0.0.1'], nodeName: i % 2 ? 'n1' : 'n2', conditions: { ready: true } }],
}));
const service = (i: number): Service => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: `s${i}`, namespace: 'ns' },
  spec: { type: 'LoadBalancer', externalTrafficPolicy: 'Local' },
});
const announcements = Array.from(
  { length: N },
  (_, i) =>
    ({
      ip: `198.19.${i >> 8}.${i & 255}`,
      protocol: 'bgp',
      family: 4,
      eip: 'p',
      services: [service(i)],
    }) as unknown as Announcement,
);
const node: Node = {
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name: 'n1' },
  status: { conditions: [{ type: 'Ready', status: 'True' }] },
};
const t0 = performance.now();
let carried = 0;
for (const a of announcements) if (nodeMayCarry(a, node, slices)) carried++;
console.log(
  `N=${N}: node n1 carries ${carried}; ${(performance.now() - t0).toFixed(0)} ms for all N questions`,
);
