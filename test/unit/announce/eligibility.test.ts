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
