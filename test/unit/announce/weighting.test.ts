import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EndpointSlice, Service } from '../../../src/kube/types.ts';
import type { Announcement } from '../../../src/announce/announcements.ts';
import { ANNOTATION_COUNT_TERMINATING, readyEndpointsByNode } from '../../../src/announce/eligibility.ts';
import {
  ANNOTATION_WEIGHTED_ECMP,
  BYTES_PER_SECOND_PER_ENDPOINT,
  bandwidthForEndpoints,
  endpointWeight,
  serviceWantsWeighting,
} from '../../../src/announce/weighting.ts';

type Ep = EndpointSlice['endpoints'][number];

const svc = (name: string, local = true, annotations?: Record<string, string>): Service => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'ns', ...(annotations ? { annotations } : {}) },
  spec: { type: 'LoadBalancer', externalTrafficPolicy: local ? 'Local' : 'Cluster' },
});
let addr = 0;
const ep = (
  nodeName: string,
  conditions: Ep['conditions'] = { ready: true },
  extra: Partial<Ep> = {},
): Ep => ({
  addresses: [`10.244.0.${++addr}`],
  nodeName,
  conditions,
  ...extra,
});
const slice = (
  svcName: string,
  endpoints: Ep[],
  name = `${svcName}-x`,
  addressType: 'IPv4' | 'IPv6' = 'IPv4',
): EndpointSlice => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name, namespace: 'ns', labels: { 'kubernetes.io/service-name': svcName } },
  addressType,
  endpoints,
});
const ann = (services: Service[], weightedEcmp?: boolean): Announcement => ({
  ip: '198.51.100.7',
  family: 4,
  eip: 'pool',
  protocol: 'bgp',
  services,
  ...(weightedEcmp === undefined ? {} : { bgp: { weightedEcmp } }),
});

describe('readyEndpointsByNode', () => {
  it('counts ready endpoints per node; not-ready ones only never', () => {
    const s = svc('web');
    const counts = readyEndpointsByNode(s, [
      slice('web', [ep('n1'), ep('n2'), ep('n2'), ep('n2'), ep('n1', { ready: false }), ep('n3', {})]),
      slice('other', [ep('n1'), ep('n1')]),
    ]);
    assert.deepEqual(Object.fromEntries(counts), { n1: 1, n2: 3, n3: 1 });
  });
  it('serving terminating endpoints count only with the count-terminating annotation', () => {
    const eps = [ep('n1'), ep('n1', { ready: false, serving: true, terminating: true })];
    assert.deepEqual(Object.fromEntries(readyEndpointsByNode(svc('web'), [slice('web', eps)])), { n1: 1 });
    const opted = svc('web', true, { [ANNOTATION_COUNT_TERMINATING]: 'true' });
    assert.deepEqual(Object.fromEntries(readyEndpointsByNode(opted, [slice('web', eps)])), { n1: 2 });
  });
  it('one pod in both slices of a dual-stack Service, or in two slices during a rewrite, counts once', () => {
    const pod = (uid: string) => ({ targetRef: { kind: 'Pod', namespace: 'ns', name: uid, uid } });
    const v4 = slice(
      'web',
      [ep('n1', { ready: true }, pod('a')), ep('n1', { ready: true }, pod('b'))],
      'web-4',
    );
    const v6 = slice(
      'web',
      [ep('n1', { ready: true }, pod('a')), ep('n1', { ready: true }, pod('b'))],
      'web-6',
      'IPv6',
    );
    assert.deepEqual(Object.fromEntries(readyEndpointsByNode(svc('web'), [v4, v6])), { n1: 2 });
  });
});

describe('weighted ECMP opt-in and endpoint weight', () => {
  it('the annotation overrides the pool both ways; a bad value falls back to the pool, with a problem', () => {
    const a = ann([], true);
    assert.equal(serviceWantsWeighting(a, svc('x')).wants, true);
    assert.equal(
      serviceWantsWeighting(a, svc('x', true, { [ANNOTATION_WEIGHTED_ECMP]: 'false' })).wants,
      false,
    );
    assert.equal(
      serviceWantsWeighting(ann([]), svc('x', true, { [ANNOTATION_WEIGHTED_ECMP]: 'true' })).wants,
      true,
    );
    assert.equal(serviceWantsWeighting(ann([]), svc('x')).wants, false, 'off by default');
    const bad = serviceWantsWeighting(a, svc('x', true, { [ANNOTATION_WEIGHTED_ECMP]: 'yes' }));
    assert.equal(bad.wants, true);
    assert.match(
      bad.problem ?? '',
      /Service ns\/x: annotation bgp\.openelb\.kubesphere\.io\/weighted-ecmp is "yes", must be "true" or "false" \(the pool's spec\.bgp\.weightedEcmp=true applies\)/,
    );
  });

  it('eTP=Local with the pool opted in: the endpoints on the node', () => {
    const slices = [slice('web', [ep('n1'), ep('n2'), ep('n2'), ep('n2')])];
    const a = ann([svc('web')], true);
    assert.deepEqual(endpointWeight(a, 'n1', slices), { endpoints: 1, problems: [] });
    assert.deepEqual(endpointWeight(a, 'n2', slices), { endpoints: 3, problems: [] });
  });

  it('not opted in, or eTP=Cluster under a pool-wide opt-in: no weight, nothing to say', () => {
    const slices = [slice('web', [ep('n1')])];
    assert.deepEqual(endpointWeight(ann([svc('web')]), 'n1', slices), { problems: [] });
    assert.deepEqual(endpointWeight(ann([svc('web')], false), 'n1', slices), { problems: [] });
    assert.deepEqual(endpointWeight(ann([svc('web', false)], true), 'n1', slices), { problems: [] });
  });

  it('an explicit opt-in on an eTP=Cluster Service is reported and not honoured', () => {
    const s = svc('web', false, { [ANNOTATION_WEIGHTED_ECMP]: 'true' });
    const w = endpointWeight(ann([s]), 'n1', []);
    assert.equal(w.endpoints, undefined);
    assert.match(w.problems.join('\n'), /Service ns\/web: weighted ECMP needs externalTrafficPolicy: Local/);
  });

  it('a shared IP: endpoints add up when every sharer wants it; sharers that disagree get plain ECMP', () => {
    const slices = [slice('a', [ep('n1'), ep('n1')]), slice('b', [ep('n1')])];
    assert.deepEqual(endpointWeight(ann([svc('a'), svc('b')], true), 'n1', slices), {
      endpoints: 3,
      problems: [],
    });
    const w = endpointWeight(
      ann([svc('a'), svc('b', true, { [ANNOTATION_WEIGHTED_ECMP]: 'false' })], true),
      'n1',
      slices,
    );
    assert.equal(w.endpoints, undefined);
    assert.match(
      w.problems.join('\n'),
      /198\.51\.100\.7 is shared by Services that disagree on weighted ECMP/,
    );
  });

  it('one endpoint is 1 Mbit/s of link bandwidth', () => {
    assert.equal(BYTES_PER_SECOND_PER_ENDPOINT, 125_000);
    assert.equal(bandwidthForEndpoints(3), 375_000);
    // exact in float32 up to 1,000 endpoints per node
    for (const n of [1, 7, 999, 1000])
      assert.equal(Math.fround(bandwidthForEndpoints(n)), bandwidthForEndpoints(n));
  });
});
