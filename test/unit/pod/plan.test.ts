// What the pod runner tells podman for the manifest's pod, and the kubelet rules behind it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { capsFromMask, parseMountinfo, parseStatus } from '../../pod/audit.ts';
import { INITIAL_BACKOFF_MS, MAX_BACKOFF_MS, RestartBackoff } from '../../pod/backoff.ts';
import { expandVars } from '../../pod/expand.ts';
import { editContainer, loadWorkload } from '../../pod/manifest.ts';
import { placementProblems } from '../../pod/placement.ts';
import {
  capabilitySet,
  planContainers,
  PlanError,
  RUNTIME_DEFAULT_CAPS,
  type ImageConfig,
} from '../../pod/plan.ts';
import { parseQuantity } from '../../pod/quantity.ts';
import { checkPodTemplate } from '../../pod/schema.ts';

const w = await loadWorkload();
const IMAGES = new Map<string, ImageConfig>([
  [
    'ghcr.io/openelb-ts/gobgpd:0.1.0',
    { user: '65532:65532', entrypoint: ['gobgpd'], cmd: [], env: ['PATH=/usr/bin:/bin'] },
  ],
  [
    'ghcr.io/openelb-ts/openelb-manager:0.1.0',
    {
      user: '',
      entrypoint: ['node', '/app/dist/src/main.js'],
      cmd: [],
      env: ['PATH=/usr/local/bin:/usr/bin:/bin'],
    },
  ],
]);
const identity = {
  name: 'openelb-manager-abc-xyz',
  namespace: 'openelb-system',
  uid: 'u-1',
  labels: { app: 'x' },
  annotations: {},
  nodeName: 'node1',
  nodeIPs: ['10.99.0.11', 'fd99::11'],
};
const host = {
  netnsPath: '/run/netns/n1',
  volumes: new Map([
    ['run', '/h/run'],
    ['tmp', '/h/tmp'],
  ]),
  serviceAccountDir: '/h/sa',
};

function plans(template: unknown = w.template): ReturnType<typeof planContainers> {
  return planContainers({ template: checkPodTemplate(template), identity, host, images: IMAGES });
}

describe('pod runner: plan', () => {
  it("the sidecar first, with the manifest's identity, no capabilities, read-only root and its command", () => {
    const [g, m] = plans();
    assert.equal(g?.name, 'gobgpd');
    assert.equal(g?.sidecar, true);
    assert.equal(m?.name, 'manager');
    const o = g?.podmanOptions ?? [];
    for (const want of [
      '--user',
      '65532:65532',
      '--group-add=65532',
      '--cap-drop=ALL',
      '--security-opt=no-new-privileges',
      '--read-only',
      '--read-only-tmpfs=false',
      '--network=ns:/run/netns/n1',
      '--hostname=node1',
      '--memory=268435456b',
      '--cpu-shares=20',
    ]) {
      assert.ok(o.includes(want), `${want} in ${o.join(' ')}`);
    }
    assert.ok(!o.some((x) => x.startsWith('--cap-add')));
    assert.ok(
      !o.some((x) => x.startsWith('--security-opt=seccomp')),
      "RuntimeDefault = podman's default profile",
    );
    assert.ok(o.includes('--mount=type=bind,source=/h/run,destination=/run/openelb'));
    assert.deepEqual(g?.entrypoint, [
      '/bin/sh',
      '-c',
      'umask 0117 && rm -f /run/openelb/gobgpd.sock && exec "$0" "$@"',
    ]);
    assert.deepEqual(g?.args?.[0], 'gobgpd');
    assert.equal(g?.probes.startup?.handler.kind, 'exec');
    assert.equal(g?.probes.startup?.periodMs, 1000);
    assert.equal(g?.probes.startup?.failureThreshold, 30);
  });

  it('the manager: root with only NET_RAW, the downward API filled in, the kubeconfig substituted, httpGet probes on the node address', () => {
    const m = plans()[1];
    assert.ok(m);
    assert.deepEqual(m.security.caps, ['NET_RAW']);
    assert.equal(m.security.uid, 0);
    assert.ok(m.podmanOptions.includes('--cap-add=NET_RAW'));
    assert.ok(m.podmanOptions.includes('--user'));
    const env = new Map(m.env);
    assert.equal(env.get('NODE_NAME'), 'node1');
    assert.equal(env.get('POD_NAME'), 'openelb-manager-abc-xyz');
    assert.equal(env.get('POD_NAMESPACE'), 'openelb-system');
    assert.equal(env.get('KUBECONFIG'), '/var/run/secrets/kubernetes.io/serviceaccount/kubeconfig');
    assert.ok(m.mounts.some((x) => x.source === '/h/sa' && x.readOnly));
    assert.equal(m.entrypoint, undefined, 'no command: the image entrypoint stays');
    assert.ok(m.args?.includes('--gobgp-socket=/run/openelb/gobgpd.sock'));
    const r = m.probes.readiness;
    assert.deepEqual(r?.handler, { kind: 'http', url: 'http://10.99.0.11:8080/readyz', headers: [] });
    assert.equal(r?.periodMs, 5000);
    assert.equal(r?.failureThreshold, 2);
    assert.equal(m.probes.liveness?.killGraceS, 30);
  });

  it('refuses a non-root container with capabilities (podman would make them ambient; Kubernetes does not)', () => {
    const t = editContainer(w.template, 'gobgpd', (c) => {
      (c.securityContext as { capabilities: { add?: string[] } }).capabilities.add = ['NET_BIND_SERVICE'];
    });
    assert.throws(
      () => plans(t),
      (e: unknown) =>
        e instanceof PlanError &&
        /spec\.initContainers\[0\]\.securityContext\.capabilities: a non-root container \(uid 65532\) with capabilities \[NET_BIND_SERVICE\]/.test(
          e.message,
        ),
    );
  });

  it('runAsNonRoot with a root user is refused, as the kubelet refuses it', () => {
    const t = editContainer(w.template, 'gobgpd', (c) => {
      (c.securityContext as Record<string, unknown>).runAsUser = 0;
    });
    assert.throws(() => plans(t), /runAsNonRoot is set but the container would run as root/);
  });

  it('a missing image is named with `make images`', () => {
    assert.throws(
      () => planContainers({ template: checkPodTemplate(w.template), identity, host, images: new Map() }),
      /not present \(the runner never pulls: build it with `make images`\)/,
    );
  });

  it('capability sets start from the CRI default', () => {
    assert.deepEqual(capabilitySet(), [...RUNTIME_DEFAULT_CAPS].sort());
    assert.deepEqual(capabilitySet(['ALL'], ['net_raw']), ['NET_RAW']);
    assert.ok(!capabilitySet(['NET_RAW']).includes('NET_RAW'));
    assert.deepEqual(capabilitySet(['ALL']), []);
  });
});

describe('pod runner: kubelet rules', () => {
  it('$(VAR) expansion: defined names replaced, others and shell syntax kept, $$ escapes', () => {
    const vars = new Map([
      ['NODE', 'n1'],
      ['A', 'x'],
    ]);
    assert.equal(expandVars('--node=$(NODE)', vars), '--node=n1');
    assert.equal(expandVars('$(MISSING) $$(NODE) $$ $', vars), '$(MISSING) $(NODE) $ $');
    assert.equal(expandVars('exec "$0" "$@"', vars), 'exec "$0" "$@"');
    const probe =
      'f=/run/openelb/heartbeat; [ ! -e "$f" ] || [ $(( $(date +%s) - $(stat -c %Y "$f") )) -lt 60 ]';
    assert.equal(expandVars(probe, vars), probe);
  });

  it('quantities', () => {
    assert.equal(parseQuantity('256Mi', 'memory'), 268435456);
    assert.equal(parseQuantity('1G', 'memory'), 1e9);
    assert.equal(parseQuantity('64e6', 'memory'), 64e6);
    assert.equal(parseQuantity('20m', 'cpu'), 20);
    assert.equal(parseQuantity('0.5', 'cpu'), 500);
    assert.throws(() => parseQuantity('12 MB', 'memory'), /not a Kubernetes quantity/);
  });

  it('restart back-off: immediate, 10 s, 20 s … 5 min; reset after 10 min without an exit', () => {
    const b = new RestartBackoff();
    let t = 0;
    const delays = [];
    for (let i = 0; i < 8; i++) delays.push(b.next((t += 1000)));
    assert.deepEqual(delays, [
      0,
      INITIAL_BACKOFF_MS,
      20_000,
      40_000,
      80_000,
      160_000,
      MAX_BACKOFF_MS,
      MAX_BACKOFF_MS,
    ]);
    assert.equal(b.next(t + 2 * MAX_BACKOFF_MS + 1), 0);
  });

  it('placement: node selector, required node affinity, taints and per-node anti-affinity', () => {
    const spec = checkPodTemplate(w.template).spec;
    const labels = { 'app.kubernetes.io/name': 'openelb', 'app.kubernetes.io/component': 'manager' };
    const node = {
      name: 'node1',
      labels: { 'kubernetes.io/os': 'linux', 'kubernetes.io/hostname': 'node1' },
    };
    assert.deepEqual(placementProblems(spec, node, []), []);
    assert.match(
      placementProblems(spec, node, [labels])[0] ?? '',
      /podAntiAffinity.*already runs a pod matching/,
    );
    const excluded = {
      ...node,
      labels: { ...node.labels, 'node.kubernetes.io/exclude-from-external-load-balancers': '' },
    };
    assert.match(
      placementProblems(spec, excluded, [])[0] ?? '',
      /nodeAffinity: node node1 .* matches no required node selector term/,
    );
    assert.match(
      placementProblems(spec, { ...node, taints: [{ key: 'x', effect: 'NoSchedule' }] }, [])[0] ?? '',
      /taint x=:NoSchedule/,
    );
    assert.deepEqual(
      placementProblems(spec, { ...node, taints: [{ key: 'CriticalAddonsOnly', effect: 'NoSchedule' }] }, []),
      [],
    );
    assert.match(
      placementProblems(spec, { name: 'w', labels: { 'kubernetes.io/os': 'windows' } }, [])[0] ?? '',
      /nodeSelector/,
    );
  });

  it('audit parsers: /proc status and mountinfo', () => {
    assert.deepEqual(capsFromMask('0000000000002000'), ['NET_RAW']);
    const s = parseStatus(
      'Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nGroups:\t0 65532 \nCapEff:\t0000000000002000\nCapBnd:\t0000000000002000\nCapAmb:\t0000000000000000\nNoNewPrivs:\t1\nSeccomp:\t2\n',
    );
    assert.deepEqual(
      [s.uid, s.groups, s.capEff, s.capAmb, s.noNewPrivs, s.seccomp],
      [0, [0, 65532], ['NET_RAW'], [], true, 2],
    );
    const mi = [
      '1 0 0:1 / / ro,relatime - overlay overlay rw',
      '2 1 0:2 / /proc rw - proc proc rw',
      '3 1 0:3 / /run/openelb rw,relatime - tmpfs pod-run rw',
      '4 1 0:4 / /tmp rw - ext4 /dev/sda rw',
      '5 1 0:5 / /etc/hosts rw - ext4 /dev/sda rw',
      '6 1 0:6 / /var/tmp rw - tmpfs tmpfs rw',
    ].join('\n');
    assert.deepEqual(parseMountinfo(mi), {
      rootReadOnly: true,
      writable: ['/run/openelb', '/tmp', '/var/tmp'],
      tmpfs: ['/run/openelb', '/var/tmp'],
    });
  });
});
