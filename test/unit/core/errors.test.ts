import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OpenelbError, errorFields } from '../../../src/core/errors.ts';
import { KubeApiError } from '../../../src/kube/errors.ts';
import { BgpValidationError } from '../../../src/bgp/validation-error.ts';

test('errorFields: our errors log their OE_ code and context, system errors their errno code', () => {
  const ours = errorFields(new OpenelbError('OE_CONFIG', 'bad flag', { context: { flag: '--x' } }));
  assert.equal(ours.code, 'OE_CONFIG');
  assert.deepEqual(ours.context, { flag: '--x' });
  assert.equal(ours.error, 'bad flag');
  assert.ok(typeof ours.stack === 'string');

  const sys = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
  assert.equal(errorFields(sys).code, 'ECONNREFUSED');
  assert.deepEqual(errorFields('plain text'), { error: 'plain text' });
});

test('every error class is an OpenelbError with a stable code (the API answer keeps its HTTP status apart)', () => {
  const api = new KubeApiError('GET', '/api/v1/nodes/x', 404, undefined);
  assert.ok(api instanceof OpenelbError);
  assert.equal(api.code, 'OE_KUBE_API');
  assert.equal(api.httpStatus, 404);
  assert.deepEqual(api.context, {
    method: 'GET',
    path: '/api/v1/nodes/x',
    httpStatus: 404,
    reason: 'NotFound',
  });
  const bgp = new BgpValidationError('prefix length /33 is out of range', { prefix: '10.0.0.0/33' });
  assert.equal(bgp.code, 'OE_BGP_INVALID');
  assert.match(bgp.message, /prefix=10\.0\.0\.0\/33/);
});
