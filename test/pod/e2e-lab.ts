// Set-up for the e2e tests on containers: the lab with runtime podman, deploy/openelb.yaml installed,
// each node's replica the Deployment's pod with the manifest's args (no pinned timings: what users
// run), the webhooks served before any of our objects goes in, then the BGP or Layer 2 objects of
// the process-based e2e suites (their helpers, reused).
import { Lab, sleep, type RouterDesc } from '../lab/index.ts';
import { apply, eip, NODE_ASN, peerFor, POOL4, POOL6 } from '../e2e/bgp-lab.ts';
import { L2_POOL4, L2_POOL6, l2Eip, waitLease } from '../e2e/l2-lab.ts';
import type { Workload } from './manifest.ts';
import type { Pod } from './pod.ts';

export const READY_DEADLINE_MS = 180_000;

export async function upPodLab(kind: 'bgp' | 'l2', routers: RouterDesc[] = [{ kind: 'bird' }]): Promise<Lab> {
  const lab = await Lab.up({
    nodes: 2,
    routers: kind === 'bgp' ? routers : [],
    kubeDouble: true,
    openelbManifest: true,
    gobgp: kind === 'bgp' ? 'bare' : 'none',
    managers: false,
    runtime: 'podman',
  });
  try {
    for (const r of lab.routers)
      await lab.execOk(r.plan.role, [
        'sysctl',
        '-qw',
        'net.ipv4.fib_multipath_hash_policy=1',
        'net.ipv6.fib_multipath_hash_policy=1',
      ]);
    await apply(lab, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'demo' } });
    for (const n of lab.nodes) await lab.startManagerPod(n.name);
    await lab.waitWebhooks(READY_DEADLINE_MS);
    if (kind === 'bgp') {
      const conf = {
        apiVersion: 'network.kubesphere.io/v1alpha2',
        kind: 'BgpConf',
        metadata: { name: 'default' },
        spec: { as: NODE_ASN, listenPort: 1790 },
      };
      await apply(lab, conf, ...lab.routers.map((_, i) => peerFor(lab, i + 1)), eip(POOL4), eip(POOL6));
    } else await apply(lab, l2Eip(L2_POOL4), l2Eip(L2_POOL6));
    await lab.waitManagersReady(READY_DEADLINE_MS);
    if (kind === 'l2') for (const n of lab.nodes) await waitLease(lab, n.name);
    return lab;
  } catch (err) {
    await lab.down();
    throw err;
  }
}

export interface RolloutStep {
  node: string;
  old: Pod;
  replacement: Pod;
  /** old pod deleted → replacement Ready (ms) */
  unavailableMs: number;
}

/**
 * A rolling restart as the Deployment controller and the scheduler do it for this workload's
 * strategy: maxSurge 0 / maxUnavailable 1 (a surge pod could not be placed: per-node anti-affinity)
 * → per node, delete the old pod (graceful), create its replacement on the freed node, wait until it
 * is available (Ready for minReadySeconds), then the next node.
 */
export async function rollingRestart(
  lab: Lab,
  w: Workload,
  onStep: (s: RolloutStep) => void = () => undefined,
): Promise<RolloutStep[]> {
  const strategy = w.spec.strategy as
    | { type?: string; rollingUpdate?: { maxSurge?: number | string; maxUnavailable?: number | string } }
    | undefined;
  if (
    strategy?.type !== 'RollingUpdate' ||
    String(strategy.rollingUpdate?.maxSurge) !== '0' ||
    String(strategy.rollingUpdate?.maxUnavailable) !== '1'
  ) {
    throw new Error(
      `rollingRestart implements RollingUpdate maxSurge 0 / maxUnavailable 1 only; the manifest says ${JSON.stringify(strategy)}`,
    );
  }
  const minReadyMs = Number(w.spec.minReadySeconds ?? 0) * 1000;
  const steps: RolloutStep[] = [];
  for (const n of lab.nodes) {
    const old = lab.managerPods(n.name).at(-1);
    if (!old) throw new Error(`no pod on ${n.name}`);
    const t0 = performance.now();
    await old.delete();
    const replacement = await lab.startManagerPod(n.name);
    await replacement.waitReady(READY_DEADLINE_MS);
    const step = { node: n.name, old, replacement, unavailableMs: performance.now() - t0 };
    steps.push(step);
    onStep(step);
    await sleep(minReadyMs);
  }
  return steps;
}
