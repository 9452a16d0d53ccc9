// The Deployment's pod from deploy/openelb.yaml, run by the pod runner with podman in a lab node's
// network namespace against the API double (needs root, podman and the images from `make images`):
//  - the sidecar starts first, then the manager; the pod becomes Ready; podman inspect and the
//    kernel show the manifest's users, capabilities and read-only root (no hidden tmpfs);
//  - the manager's container SIGKILLed: restarted in the same pod, the emptyDir kept, Ready again;
//  - a failing liveness probe (a test edit): stopped gracefully, restarted, then CrashLoopBackOff;
//  - NET_RAW removed from the manager: never Ready, /readyz?verbose names AF_PACKET and NET_RAW;
//  - the socket's group removed (supplementalGroups): never Ready, /readyz?verbose names EACCES
//    and the socket.
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Lab, waitFor } from '../lab/index.ts';
import { editContainer, editPodSpec, loadWorkload, type Workload } from './manifest.ts';
import { Pod } from './pod.ts';
import { podmanSkipReason, requireImages } from './preflight.ts';

const skip = await podmanSkipReason();

describe("the manifest's pod on podman", { skip, timeout: 600_000 }, () => {
  let lab: Lab;
  let w: Workload;
  const events: string[] = [];

  before(async () => {
    await requireImages();
    w = await loadWorkload();
    lab = await Lab.up({
      nodes: 1,
      routers: [],
      kubeDouble: true,
      gobgp: 'none',
      managers: false,
      http: false,
    });
    const r = await lab.kubectl(
      ['apply', '-f', '-'],
      JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: w.namespace } }),
    );
    assert.equal(r.code, 0, r.stderr);
  });
  after(async () => {
    await lab?.down();
  });

  const start = (template: Record<string, unknown>): Promise<Pod> => {
    const n = lab.node(1);
    return Pod.create({
      template,
      namespace: w.namespace,
      ownerName: w.name,
      node: { name: n.name, labels: lab.nodeLabels(n), netns: n.ns, ips: [n.ipv4, n.ipv6] },
      stateRoot: join(lab.dir, 'n1', 'pods'),
      kubeconfig: lab.kubeconfig,
      owner: `oelab-${lab.id}`,
      log: (l) => void events.push(l),
    });
  };
  const readyz = async (): Promise<string> => (await lab.managerHealth(1, '/readyz?verbose')).body;

  /** Waits until the manager has started (startup probe passed) and its readiness probe has failed. */
  async function waitUnready(pod: Pod): Promise<void> {
    await waitFor(
      () => pod.containerStatus('manager').started && pod.lastProbe('manager', 'readiness')?.ok === false,
      120_000,
      {
        what: 'manager started and its readiness probe failing',
        intervalMs: 200,
      },
    ).catch((e: unknown) => {
      throw new Error(`${(e as Error).message}\n${pod.describe()}\n${events.slice(-20).join('\n')}`);
    });
  }

  it("sidecar first, then the manager; Ready; inspect shows the manifest's users, capabilities and read-only root", async (t) => {
    const pod = await start(w.template);
    try {
      const ms = await pod.waitReady(180_000);
      t.diagnostic(`pod created → Ready in ${ms.toFixed(0)} ms`);
      const g = pod.containerStatus('gobgpd');
      const m = pod.containerStatus('manager');
      assert.ok(g.sidecar && g.startedAt !== undefined && m.runAt !== undefined);
      assert.ok(g.startedAt <= m.runAt, "the manager starts only after the sidecar's startup probe passed");
      t.diagnostic(`manager container start → Ready in ${((m.readyAt ?? 0) - m.runAt).toFixed(0)} ms`);
      const audits = await pod.audit();
      for (const a of audits) {
        t.diagnostic(`${a.container}: podman inspect ${a.inspectLine}`);
        t.diagnostic(`${a.container}: kernel ${a.kernelLine}`);
        assert.deepEqual(a.problems, [], `${a.container} differs from the manifest`);
      }
      const byName = new Map(audits.map((a) => [a.container, a]));
      assert.match(
        byName.get('gobgpd')?.kernelLine ?? '',
        /uid=65532 gid=65532 .*CapEff=\[\] CapBnd=\[\] .*NoNewPrivs=1 .*root=ro/,
      );
      assert.match(
        byName.get('manager')?.kernelLine ?? '',
        /uid=0 gid=0 groups=\[0,65532\] CapEff=\[NET_RAW\] CapBnd=\[NET_RAW\] CapAmb=\[\] NoNewPrivs=1 .*root=ro writable=\[\/run\/openelb,\/tmp\]/,
      );
      assert.ok(
        events.some((e) => /Substituted: ServiceAccount openelb-manager/.test(e)),
        'the token substitution is announced',
      );
    } finally {
      await pod.delete();
    }
    assert.equal(pod.phase, 'Deleted');
  });

  it('SIGKILL of the manager container: restarted in the same pod, emptyDir kept, Ready again', async (t) => {
    const pod = await start(w.template);
    try {
      await pod.waitReady(180_000);
      const marker = join(pod.volumeDir('run'), 'left-by-the-test');
      await writeFile(marker, 'x');
      const first = pod.containerStatus('manager').podmanName;
      await pod.kill('manager', 'SIGKILL');
      await waitFor(
        () =>
          pod.containerStatus('manager').restartCount === 1 &&
          pod.containerStatus('manager').state === 'running',
        60_000,
        { what: 'manager restarted', intervalMs: 100 },
      );
      const again = performance.now();
      await waitFor(() => pod.ready, 120_000, {
        what: `pod Ready again\n${pod.describe()}`,
        intervalMs: 200,
      });
      t.diagnostic(
        `restarted manager Ready ${(performance.now() - again).toFixed(0)} ms after its new container ran`,
      );
      const m = pod.containerStatus('manager');
      assert.notEqual(m.podmanName, first, 'a new container in the same pod');
      assert.equal(m.lastTermination?.exitCode, 137);
      assert.equal(pod.containerStatus('gobgpd').restartCount, 0, 'the sidecar kept running');
      assert.equal(await readFile(marker, 'utf8'), 'x', 'the emptyDir survived the container restart');
      assert.ok(
        (await pod.logs('manager', true)).includes('component started'),
        "the previous attempt's log is kept",
      );
      assert.deepEqual(
        (await pod.audit()).flatMap((a) => a.problems),
        [],
      );
    } finally {
      await pod.delete();
    }
  });

  it('a failing liveness probe: the container is stopped gracefully and restarted in the pod, then held in back-off', async (t) => {
    // a test edit: the manager's liveness probe asks a path that does not exist, every second
    const template = editContainer(w.template, 'manager', (c) => {
      c.livenessProbe = {
        httpGet: { path: '/no-such-path', port: 'health' },
        periodSeconds: 1,
        failureThreshold: 2,
      };
    });
    const from = events.length;
    const pod = await start(template);
    try {
      await waitFor(() => pod.containerStatus('manager').restartCount >= 1, 120_000, {
        what: `a liveness restart\n${pod.describe()}`,
        intervalMs: 100,
      });
      const mine = (): string[] => events.slice(from).filter((e) => e.includes(pod.name));
      assert.ok(
        mine().some((e) =>
          /manager: Unhealthy: Liveness probe failed: HTTP probe failed with statuscode: 404/.test(e),
        ),
        mine().join('\n'),
      );
      assert.ok(
        mine().some((e) => /manager: Killing: container failed liveness probe, will be restarted/.test(e)),
        mine().join('\n'),
      );
      assert.equal(
        pod.containerStatus('manager').lastTermination?.exitCode,
        0,
        'SIGTERM within the grace period: a clean exit',
      );
      // the second failure is restarted only after the kubelet's back-off (10 s)
      await waitFor(() => pod.containerStatus('manager').reason === 'CrashLoopBackOff', 120_000, {
        what: `CrashLoopBackOff\n${pod.describe()}`,
        intervalMs: 100,
      });
      t.diagnostic(pod.line());
      assert.ok(
        mine().some((e) => /manager: BackOff: back-off 10s restarting failed container/.test(e)),
        mine().join('\n'),
      );
      assert.equal(pod.containerStatus('gobgpd').restartCount, 0);
    } finally {
      await pod.delete();
    }
  });

  it('NET_RAW removed from the manager container: not Ready, /readyz?verbose names AF_PACKET and NET_RAW', async (t) => {
    const template = editContainer(w.template, 'manager', (c) => {
      const sc = c.securityContext as { capabilities?: { add?: string[] } };
      delete sc.capabilities?.add;
    });
    const pod = await start(template);
    try {
      await waitUnready(pod);
      const body = await waitFor(
        async () => {
          const b = await readyz();
          return b.includes('[-]layer2-socket') ? b : undefined;
        },
        30_000,
        { what: 'layer2-socket failing in /readyz', intervalMs: 200 },
      );
      const line = body.split('\n').find((l) => l.startsWith('[-]layer2-socket')) ?? '';
      t.diagnostic(line);
      assert.match(line, /AF_PACKET/);
      assert.match(line, /NET_RAW/);
      assert.match(line, /EPERM/);
      assert.equal(pod.ready, false);
      assert.match(pod.lastProbe('manager', 'readiness')?.detail ?? '', /503/);
    } finally {
      await pod.delete();
    }
  });

  it("the socket's group removed (no supplementalGroups): not Ready, /readyz?verbose names EACCES and the socket", async (t) => {
    const template = editPodSpec(w.template, (spec) => {
      const sc = spec.securityContext as { supplementalGroups?: number[] };
      delete sc.supplementalGroups;
    });
    const pod = await start(template);
    try {
      await waitUnready(pod);
      const body = await waitFor(
        async () => {
          const b = await readyz();
          return /\[-\]gobgpd .*EACCES/.test(b) ? b : undefined;
        },
        30_000,
        { what: 'gobgpd EACCES in /readyz', intervalMs: 200 },
      );
      const line = body.split('\n').find((l) => l.startsWith('[-]gobgpd')) ?? '';
      t.diagnostic(line);
      assert.match(line, /\/run\/openelb\/gobgpd\.sock/);
      assert.match(line, /srw-rw---- 65532:65532/);
      assert.match(line, /EACCES/);
      assert.equal(pod.ready, false);
    } finally {
      await pod.delete();
    }
  });
});
