import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import yaml from 'js-yaml';
import { ConfigError, FLAGS, helpText, parseConfig, parseDuration, parseHostPort } from '../../src/config.ts';

const MANIFEST = new URL('../../deploy/openelb.yaml', import.meta.url);

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
});

// Every flag and variable users may have set, with a value each accepts. Written out here rather than
// read from the table, so a flag dropped or renamed in src/config fails this test.
const USER_FLAGS: ReadonlyArray<readonly [flag: string, env: string, sample: string]> = [
  ['kubeconfig', 'KUBECONFIG', '/etc/kube/config'],
  ['kube-context', 'OPENELB_KUBE_CONTEXT', 'lab'],
  ['node-name', 'NODE_NAME', 'node-b'],
  ['pod-name', 'POD_NAME', 'openelb-0'],
  ['namespace', 'POD_NAMESPACE', 'lb'],
  ['health-addr', 'OPENELB_HEALTH_ADDR', '127.0.0.1:18080'],
  ['log-level', 'OPENELB_LOG_LEVEL', 'debug'],
  ['lease-duration', 'OPENELB_LEASE_DURATION', '20s'],
  ['lease-renew-deadline', 'OPENELB_LEASE_RENEW_DEADLINE', '5s'],
  ['lease-retry-period', 'OPENELB_LEASE_RETRY_PERIOD', '1s'],
  ['watch-stall-timeout', 'OPENELB_WATCH_STALL_TIMEOUT', '2m'],
  ['backoff-initial', 'OPENELB_BACKOFF_INITIAL', '1s'],
  ['backoff-max', 'OPENELB_BACKOFF_MAX', '1m'],
  ['shutdown-timeout', 'OPENELB_SHUTDOWN_TIMEOUT', '40s'],
  ['allocator-lease', 'OPENELB_ALLOCATOR_LEASE', 'other-lease'],
  ['load-balancer-class', 'OPENELB_LOAD_BALANCER_CLASS', 'example.com/lb'],
  ['claim-classless', 'OPENELB_CLAIM_CLASSLESS', 'true'],
  ['webhook-addr', 'OPENELB_WEBHOOK_ADDR', ':19443'],
  ['enable-webhook', 'OPENELB_ENABLE_WEBHOOK', 'false'],
  ['enable-bgp', 'OPENELB_ENABLE_BGP', 'false'],
  ['gobgp-socket', 'OPENELB_GOBGP_SOCKET', '/tmp/gobgpd.sock'],
  ['heartbeat-file', 'OPENELB_HEARTBEAT_FILE', '/tmp/heartbeat'],
  ['heartbeat-interval', 'OPENELB_HEARTBEAT_INTERVAL', '5s'],
  ['bgp-drain', 'OPENELB_BGP_DRAIN', '1s'],
  ['bgp-graceful-shutdown', 'OPENELB_BGP_GRACEFUL_SHUTDOWN', '2s'],
  ['bgp-ready-timeout', 'OPENELB_BGP_READY_TIMEOUT', '1m'],
  ['announced-writes-per-second', 'OPENELB_ANNOUNCED_WRITES_PER_SECOND', '5'],
  ['replica-gone-after', 'OPENELB_REPLICA_GONE_AFTER', '30s'],
  ['enable-layer2', 'OPENELB_ENABLE_LAYER2', 'false'],
  ['layer2-margin', 'OPENELB_LAYER2_MARGIN', '100ms'],
  ['layer2-lease-duration', 'OPENELB_LAYER2_LEASE_DURATION', '2s'],
  ['layer2-renew-interval', 'OPENELB_LAYER2_RENEW_INTERVAL', '500ms'],
  ['layer2-probe-interval', 'OPENELB_LAYER2_PROBE_INTERVAL', '0'],
  ['layer2-probe-wait', 'OPENELB_LAYER2_PROBE_WAIT', '1s'],
  ['layer2-takeover-probe-wait', 'OPENELB_LAYER2_TAKEOVER_PROBE_WAIT', '0'],
  ['layer2-conflict-retry', 'OPENELB_LAYER2_CONFLICT_RETRY', '3s'],
  ['layer2-conflict-retry-max', 'OPENELB_LAYER2_CONFLICT_RETRY_MAX', '2m'],
  ['memory-trim-threshold', 'OPENELB_MEMORY_TRIM_THRESHOLD', '0'],
  ['layer2-gratuitous-count', 'OPENELB_LAYER2_GRATUITOUS_COUNT', '1'],
  ['layer2-gratuitous-interval', 'OPENELB_LAYER2_GRATUITOUS_INTERVAL', '1s'],
  ['layer2-keep-answering-without-api', 'OPENELB_LAYER2_KEEP_ANSWERING_WITHOUT_API', 'true'],
];

test('every flag users set keeps working, from argv and from its variable alike', () => {
  assert.deepEqual(
    FLAGS.map((f) => `--${f.flag} ${f.env}`),
    USER_FLAGS.map(([flag, env]) => `--${flag} ${env}`),
  );
  const base = { NODE_NAME: 'node-a' };
  const defaults = cfg([], base);
  for (const [flag, env, sample] of USER_FLAGS) {
    const viaFlag = cfg([`--${flag}=${sample}`], base);
    const viaSpace = cfg([`--${flag}`, sample], base);
    const viaEnv = cfg([], { ...base, [env]: sample });
    assert.deepEqual(viaFlag, viaEnv, flag);
    assert.deepEqual(viaSpace, viaEnv, flag);
    assert.notDeepEqual(viaFlag, defaults, `--${flag}=${sample} changed nothing`);
  }
});

test('a renamed flag keeps its former name and variable; the current ones win', () => {
  const base = { NODE_NAME: 'node-a' };
  assert.equal(cfg(['--announced-gone-after=30s'], base).replicaGoneAfterMs, 30_000);
  assert.equal(cfg([], { ...base, OPENELB_ANNOUNCED_GONE_AFTER: '30s' }).replicaGoneAfterMs, 30_000);
  assert.equal(
    cfg(['--replica-gone-after=10s', '--announced-gone-after=30s'], base).replicaGoneAfterMs,
    10_000,
  );
  assert.equal(
    cfg([], { ...base, OPENELB_REPLICA_GONE_AFTER: '10s', OPENELB_ANNOUNCED_GONE_AFTER: '30s' })
      .replicaGoneAfterMs,
    10_000,
  );
  assert.equal(
    cfg(['--announced-gone-after=30s'], { ...base, OPENELB_REPLICA_GONE_AFTER: '10s' }).replicaGoneAfterMs,
    30_000,
    'a flag beats a variable, under either name',
  );
  const help = parseConfig(['--help'], {});
  assert.match(
    help.kind === 'help' ? help.text : '',
    /formerly --announced-gone-after \/ OPENELB_ANNOUNCED_GONE_AFTER/,
  );
});

test('--help shows each flag with its value, default and variable; --version', () => {
  const h = parseConfig(['--help'], {});
  assert.equal(h.kind, 'help');
  if (h.kind !== 'help') throw new Error('unreachable');
  const line = (flag: string): string => h.text.split('\n').find((l) => l.startsWith(`  --${flag} `)) ?? '';
  assert.match(
    line('node-name'),
    /^ {2}--node-name <value> +name of the Node .*\(required; env NODE_NAME\)$/,
  );
  assert.match(line('lease-duration'), /<duration> .*\(default 15s; env OPENELB_LEASE_DURATION\)$/);
  assert.match(line('health-addr'), /<host:port> .*\(default :8080; env OPENELB_HEALTH_ADDR\)$/);
  assert.match(line('enable-bgp'), /<true\|false> .*\(default true; env OPENELB_ENABLE_BGP\)$/);
  assert.match(line('layer2-gratuitous-count'), /<n> .*\(default 3; env OPENELB_LAYER2_GRATUITOUS_COUNT\)$/);
  assert.match(
    line('log-level'),
    /<level> +log level: error\|warn\|info\|verbose\|debug\|silly \(default info;/,
  );
  assert.match(line('kubeconfig'), /\(env KUBECONFIG\)$/);
  assert.match(h.text, /^ {2}--help +print this help and exit$/m);
  assert.match(h.text, /^ {2}--version +print the version and exit$/m);
  assert.equal(parseConfig(['-h'], {}).kind, 'help');
  assert.equal(parseConfig(['--version'], {}).kind, 'version');
  assert.equal(helpText(), h.text);
});

test('the flags and variables the shipped manifest gives the manager parse', () => {
  const docs = yaml.loadAll(readFileSync(MANIFEST, 'utf8')) as Array<Record<string, unknown> | null>;
  type Container = { name: string; args?: string[]; env?: { name: string }[] };
  const containers = docs.flatMap((d) => {
    const spec = (d?.spec as { template?: { spec?: { containers?: Container[] } } } | undefined)?.template;
    return spec?.spec?.containers ?? [];
  });
  const manager = containers.find((c) => c.name === 'manager');
  assert.ok(manager?.args?.length, 'the manifest runs a manager container with args');
  // The downward API fills these in a pod; here any value stands in.
  const env = Object.fromEntries((manager.env ?? []).map((e) => [e.name, `from-${e.name.toLowerCase()}`]));
  assert.deepEqual(Object.keys(env).sort(), ['NODE_NAME', 'POD_NAME', 'POD_NAMESPACE']);
  const c = cfg(manager.args ?? [], env);
  assert.equal(c.nodeName, 'from-node_name');
  assert.equal(c.podName, 'from-pod_name');
  assert.equal(c.namespace, 'from-pod_namespace');
  assert.deepEqual(c.healthAddr, { host: '', port: 8080 });
  assert.deepEqual(c.webhookAddr, { host: '', port: 9443 });
  assert.equal(c.gobgpSocket, '/run/openelb/gobgpd.sock');
  assert.equal(c.heartbeatFile, '/run/openelb/heartbeat');
  assert.equal(c.logLevel, 'info');
  // the chart's values: the drain steps the pod's grace period is checked against
  assert.equal(c.bgpDrainMs, 3000);
  assert.equal(c.bgpGracefulShutdownMs, 5000);
  // terminationGracePeriodSeconds (30) less 5 s, so the manager exits before the kubelet kills it
  assert.equal(c.shutdownTimeoutMs, 25_000);
});

test('errors name the flag', () => {
  assert.throws(() => parseConfig([], {}), /--node-name \/ NODE_NAME is required/);
  assert.throws(() => parseConfig(['--bogus', 'x'], {}), ConfigError);
  assert.throws(() => parseConfig(['--node-name'], {}), /--node-name needs a value/);
  assert.throws(() => parseConfig(['--bogus', 'x'], {}), /unknown flag --bogus/);
  assert.throws(() => parseConfig(['stray'], { NODE_NAME: 'n' }), /unexpected argument "stray"/);
  assert.throws(() => parseConfig(['--node-name='], {}), /--node-name \/ NODE_NAME is required/);
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
  assert.throws(
    () => cfg(['--node-name', 'n', '--bgp-graceful-shutdown', '20s', '--shutdown-timeout', '22s']),
    /--bgp-graceful-shutdown \(20000 ms\) plus --bgp-drain \(3000 ms\) must be shorter than --shutdown-timeout/,
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
