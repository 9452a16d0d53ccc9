import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Service } from '../../../src/kube/types.ts';
import {
  CONDITION_ENDPOINTS_WITHOUT_REPLICA,
  conditionTargets,
} from '../../../src/controllers/service/local-policy.ts';

function svc(name: string, withCondition: boolean): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: 'demo' },
    spec: { type: 'LoadBalancer' },
    status: withCondition
      ? {
          conditions: [
            { type: CONDITION_ENDPOINTS_WITHOUT_REPLICA, status: 'True', reason: 'x', message: 'y' },
          ],
        }
      : {},
  } as Service;
}

describe('eTP=Local condition rules', () => {
  it('targets: the findings, plus Services still carrying the condition (it goes away)', () => {
    const found = { service: svc('local', false), nodes: ['n3'] };
    const t = conditionTargets([found], [svc('local', false), svc('was-local', true), svc('plain', false)]);
    assert.deepEqual(
      t.map((x) => [x.service.metadata.name, x.nodes]),
      [
        ['local', ['n3']],
        ['was-local', []],
      ],
    );
  });
});
