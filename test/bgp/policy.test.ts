import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startGobgpd, type GobgpdProcess } from './helpers/gobgpd.ts';
import { CountingGobgpClient } from './helpers/calls.ts';
import { GlobalSink } from '../../src/bgp/global.ts';
import { EXPORT_POLICY_NAME, PolicySink } from '../../src/bgp/policy.ts';
import { buildPath, FAMILY } from '../../src/bgp/path-build.ts';

// The no-transit policy as gobgpd stores it. Whether a router really learns nothing through a
// node needs two routers: test/bgp/policy-no-transit.test.ts (lab).

let gobgpd: GobgpdProcess;
let client: CountingGobgpClient;

before(async () => {
  gobgpd = await startGobgpd('bgp-policy');
  client = new CountingGobgpClient({ socket: gobgpd.socket });
  await new GlobalSink(client).ensure({
    asn: 65001,
    routerId: '10.0.0.1',
    listenPort: -1,
    listenAddresses: [],
    families: [],
  });
});
after(async () => {
  client?.close();
  await gobgpd?.stop();
});

test('installs local-only import and export, default reject; idempotent', async () => {
  const sink = new PolicySink(client);
  assert.deepEqual((await sink.ensure()).changed, [
    'export-policy',
    'export-assignment',
    'import-assignment',
  ]);
  for (const dir of ['EXPORT', 'IMPORT'] as const) {
    const a = (await client.listPolicyAssignment('global', dir))[0];
    assert.equal(a?.default_action, 'REJECT', dir);
    assert.deepEqual(
      a?.policies?.map((p) => p.name),
      [EXPORT_POLICY_NAME],
      dir,
    );
  }
  const p = (await client.listPolicy(EXPORT_POLICY_NAME))[0];
  assert.equal(p?.statements?.[0]?.conditions?.route_type, 'ROUTE_TYPE_LOCAL');
  assert.equal(p?.statements?.[0]?.actions?.route_action, 'ACCEPT');
  const before = { ...client.calls };
  assert.deepEqual((await sink.ensure()).changed, []);
  assert.equal(client.calls.SetPolicyAssignment, before.SetPolicyAssignment, 'second ensure changes nothing');
});

test('our own paths pass the import policy (gobgpd runs it on AddPath too)', async () => {
  await client.addPath(buildPath({ prefix: '192.0.2.10/32', family: 4 }).wire);
  await client.addPath(buildPath({ prefix: '2001:db8::10/128', family: 6 }).wire);
  assert.equal((await client.listPath(FAMILY[4])).length, 1);
  assert.equal((await client.listPath(FAMILY[6])).length, 1);
});

test('a drifted assignment is put back', async () => {
  await client.setPolicyAssignment({
    name: 'global',
    direction: 'EXPORT',
    policies: [],
    default_action: 'ACCEPT',
  });
  assert.deepEqual((await new PolicySink(client).ensure()).changed, ['export-assignment']);
  assert.equal((await client.listPolicyAssignment('global', 'EXPORT'))[0]?.default_action, 'REJECT');
});
