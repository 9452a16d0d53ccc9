import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EndpointSlice, Node, Service } from '../../../src/kube/types.ts';
import {
  ANNOTATION_COUNT_TERMINATING,
  LABEL_EXCLUDE_FROM_LB,
  endpointNodesWithoutReplica,
  nodeEligibleFor,
  nodeIneligibility,
  nodesWithReadyEndpoints,
  slicesOf,
} from '../../../src/announce/eligibility.ts';

function node(
  name: string,
  ready: 'True' | 'False' | 'Unknown' = 'True',
  labels: Record<string, string> = {},
): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels },
    status: { conditions: [{ type: 'Ready', status: ready }] },
  };
}
function svc(local: boolean, annotations: Record<string, string> = {}): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web', namespace: 'default', annotations },
    spec: { type: 'LoadBalancer', externalTrafficPolicy: local ? 'Local' : 'Cluster' },
  };
}
type Ep = EndpointSlice['endpoints'][number];
function slice(eps: Ep[], service = 'web'): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    addressType: 'IPv4',
    endpoints: eps,
    metadata: {
      name: `${service}-abc`,
      namespace: 'default',
      labels: { 'kubernetes.io/service-name': service },
    },
  };
}

test('node readiness and the exclude label decide node eligibility', () => {
  assert.equal(nodeIneligibility(node('a')), undefined);
  assert.equal(nodeIneligibility(node('a', 'False')), 'not-ready');
  assert.equal(nodeIneligibility(node('a', 'Unknown')), 'not-ready');
  assert.equal(nodeIneligibility(node('a', 'True', { [LABEL_EXCLUDE_FROM_LB]: '' })), 'excluded');
  assert.equal(nodeIneligibility(undefined), 'missing');
});

test('eTP=Cluster: every eligible node; eTP=Local: only nodes with a ready endpoint', () => {
  const slices = [slice([{ addresses: ['10.0.0.1'], nodeName: 'a', conditions: { ready: true } }])];
  assert.equal(nodeEligibleFor(svc(false), node('b'), slices), true);
  assert.equal(nodeEligibleFor(svc(true), node('a'), slices), true);
  assert.equal(nodeEligibleFor(svc(true), node('b'), slices), false);
  assert.equal(nodeEligibleFor(svc(true), node('a', 'False'), slices), false);
});

test('terminating-but-serving endpoints count only when the Service opts in', () => {
  const eps: Ep[] = [
    {
      addresses: ['10.0.0.1'],
      nodeName: 'a',
      conditions: { ready: false, serving: true, terminating: true },
    },
  ];
  assert.deepEqual([...nodesWithReadyEndpoints(svc(true), [slice(eps)])], []);
  assert.deepEqual(
    [...nodesWithReadyEndpoints(svc(true, { [ANNOTATION_COUNT_TERMINATING]: 'true' }), [slice(eps)])],
    ['a'],
  );
});

test('slices of other Services are ignored; unset ready means ready', () => {
  const slices = [
    slice([{ addresses: ['10.0.0.2'], nodeName: 'b' }], 'other'),
    slice([{ addresses: ['10.0.0.1'], nodeName: 'a' }]),
  ];
  assert.deepEqual([...nodesWithReadyEndpoints(svc(true), slices)], ['a']);
});

test('endpoint nodes without a replica are reported for Local Services only', () => {
  const slices = [
    slice([
      { addresses: ['10.0.0.1'], nodeName: 'c' },
      { addresses: ['10.0.0.2'], nodeName: 'a' },
    ]),
  ];
  assert.deepEqual(endpointNodesWithoutReplica(svc(true), slices, new Set(['a', 'b'])), ['c']);
  assert.deepEqual(endpointNodesWithoutReplica(svc(false), slices, new Set(['a'])), []);
});

test('slicesOf answers from an index of the list: the same slices a scan finds, for every Service, including none', () => {
  const slice = (ns: string, svc: string | undefined, i: number): EndpointSlice => ({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: `${svc ?? 'x'}-${i}`,
      namespace: ns,
      ...(svc === undefined ? {} : { labels: { 'kubernetes.io/service-name': svc } }),
    },
    addressType: 'IPv4',
    endpoints: [],
  });
  const list: EndpointSlice[] = [];
  for (let i = 0; i < 300; i++) list.push(slice(`ns${i % 3}`, i % 7 === 0 ? undefined : `s${i % 11}`, i));
  const svcOf = (ns: string, name: string): Service => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: ns },
    spec: { type: 'LoadBalancer' },
  });
  for (const ns of ['ns0', 'ns1', 'ns2', 'other'])
    for (let k = 0; k < 12; k++) {
      const svc = svcOf(ns, `s${k}`);
      const scanned = list.filter(
        (s) => s.metadata.namespace === ns && s.metadata.labels?.['kubernetes.io/service-name'] === `s${k}`,
      );
      assert.deepEqual([...slicesOf(svc, list)], scanned, `${ns}/s${k}`);
      // a non-array iterable gives the same answer
      assert.deepEqual([...slicesOf(svc, new Set(list))], scanned);
    }
});
