// A failed gobgpd call is an OpenelbError with a stable code and what the call was about as context.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { isOpenelbError } from '../../../src/core/errors.ts';
import { GobgpError } from '../../../src/bgp/client/error.ts';
import { socketTarget } from '../../../src/bgp/client/target.ts';

test('GobgpError: code OE_GOBGP_CALL, method and peer as context, both in the message', () => {
  const e = new GobgpError(
    'AddPeer',
    { code: grpc.status.UNKNOWN, details: 'peer already exists' },
    { peer: '192.0.2.1' },
  );
  assert.ok(isOpenelbError(e, 'OE_GOBGP_CALL'));
  assert.deepEqual(e.context, { method: 'AddPeer', status: 'UNKNOWN', peer: '192.0.2.1' });
  assert.equal(e.message, 'gobgp AddPeer failed (UNKNOWN): peer already exists [peer 192.0.2.1]');
  assert.equal(e.status, grpc.status.UNKNOWN);
  assert.equal(e.unreachable, false);
});

test('GobgpError: an unreachable sidecar is told apart from a refusal', () => {
  for (const code of [grpc.status.UNAVAILABLE, grpc.status.DEADLINE_EXCEEDED, grpc.status.CANCELLED])
    assert.equal(new GobgpError('ListPeer', { code }).unreachable, true, grpc.status[code]);
  assert.equal(new GobgpError('ListPeer', {}).message, 'gobgp ListPeer failed (UNKNOWN): unknown error');
});

test('socketTarget: a relative socket path is refused with OE_GOBGP_SOCKET', () => {
  assert.equal(socketTarget('/run/gobgp/api.sock'), 'unix:///run/gobgp/api.sock');
  assert.equal(socketTarget('unix:///run/gobgp/api.sock'), 'unix:///run/gobgp/api.sock');
  assert.throws(
    () => socketTarget('gobgpd.sock'),
    (e: unknown) => isOpenelbError(e, 'OE_GOBGP_SOCKET') && /absolute path/.test(e.message),
  );
});
