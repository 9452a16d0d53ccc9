import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, FLAGS, helpText, parseConfig, parseDuration, parseHostPort } from '../../src/config.ts';

function cfg(argv: string[], env: Record<string, string> = {}) {
  const r = parseConfig(argv, env);
  assert.equal(r.kind, 'config');
  if (r.kind !== 'config') throw new Error('unreachable');
  return r.config;
}

test('defaults', () => {
  const c = cfg(['--node-name', 'n1']);
  assert.equal(c.nodeName, 'n1');
  assert.equal(c.podName, 'n1');
  assert.equal(c.namespace, 'openelb-system');
  assert.deepEqual(c.healthAddr, { host: '', port: 8080 });
  assert.equal(c.logLevel, 'info');
  assert.equal(c.leaseDurationMs, 15_000);
  assert.equal(c.kubeconfig, undefined);
});

test('every flag has an env var; flag beats env, env beats default', () => {
  const c = cfg(['--namespace=fromflag'], {
    NODE_NAME: 'envnode',
    POD_NAMESPACE: 'fromenv',
    KUBECONFIG: '/k',
    OPENELB_HEALTH_ADDR: '127.0.0.1:9',
    OPENELB_LOG_LEVEL: 'debug',
    OPENELB_LEASE_DURATION: '20s',
  });
  assert.equal(c.nodeName, 'envnode');
  assert.equal(c.namespace, 'fromflag');
  assert.equal(c.kubeconfig, '/k');
  assert.deepEqual(c.healthAddr, { host: '127.0.0.1', port: 9 });
  assert.equal(c.logLevel, 'debug');
  assert.equal(c.leaseDurationMs, 20_000);
  for (const f of FLAGS) assert.match(f.env, /^[A-Z][A-Z0-9_]*$/, f.flag);
});

test('--help lists every flag and env var; --version', () => {
  const h = parseConfig(['--help'], {});
  assert.equal(h.kind, 'help');
  const text = helpText();
  for (const f of FLAGS) {
    assert.ok(text.includes(`--${f.flag}`), f.flag);
    assert.ok(text.includes(f.env), f.env);
  }
  assert.equal(parseConfig(['--version'], {}).kind, 'version');
});

test('errors name the flag', () => {
  assert.throws(() => parseConfig([], {}), /--node-name \/ NODE_NAME is required/);
  assert.throws(() => parseConfig(['--bogus', 'x'], {}), ConfigError);
  assert.throws(() => parseConfig(['--node-name'], {}), /needs a value/);
  assert.throws(
    () => cfg(['--node-name', 'n', '--lease-duration', 'abc']),
    /--lease-duration.*not a duration/,
  );
  assert.throws(() => cfg(['--node-name', 'n', '--health-addr', '8080']), /host:port/);
  assert.throws(() => cfg(['--node-name', 'n', '--log-level', 'loud']), /log-level/);
  assert.throws(
    () => cfg(['--node-name', 'n', '--lease-renew-deadline', '20s']),
    /shorter than --lease-duration/,
  );
});

test('durations and addresses', () => {
  assert.equal(parseDuration('500ms'), 500);
  assert.equal(parseDuration('1.5s'), 1500);
  assert.equal(parseDuration('2m'), 120_000);
  assert.equal(parseDuration('3'), 3000);
  assert.deepEqual(parseHostPort('[::1]:8080'), { host: '::1', port: 8080 });
  assert.deepEqual(parseHostPort(':0'), { host: '', port: 0 });
  assert.throws(() => parseHostPort('x:99999'));
});

test('component flags: booleans, counts and their errors', () => {
  const c = cfg(['--node-name', 'n', '--enable-bgp=false', '--layer2-gratuitous-count', '5'], {
    OPENELB_CLAIM_CLASSLESS: 'true',
  });
  assert.equal(c.enableBgp, false);
  assert.equal(c.enableLayer2, true);
  assert.equal(c.claimClassless, true);
  assert.equal(c.layer2GratuitousCount, 5);
  assert.equal(c.gobgpSocket, '/run/openelb/gobgpd.sock');
  assert.deepEqual(c.webhookAddr, { host: '', port: 9443 });
  assert.throws(() => cfg(['--node-name', 'n', '--enable-bgp', 'yes']), /--enable-bgp.*not true or false/);
  assert.throws(
    () => cfg(['--node-name', 'n', '--layer2-gratuitous-count', '-1']),
    /--layer2-gratuitous-count.*whole number/,
  );
});
