// The lab's podman runtime: each node's manager replica is the Deployment's pod from
// deploy/openelb.yaml (manager + gobgpd sidecar images), run by the pod runner (test/pod) in the
// node's network namespace instead of bare processes. The lab's own additions are printed as spec
// edits; the node's gobgpd socket path leads to the pod's socket, and a pod is listed in the
// webhook Service's endpoints from creation to deletion (publishNotReadyAddresses).
import { rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { parseConfig, type ManagerConfig } from '../../src/config.ts';
import { editContainer, loadWorkload, withArgs } from '../pod/manifest.ts';
import { Pod } from '../pod/pod.ts';
import type { NodePlan } from './topology.ts';
import type { WebhookMember, ReplicaProcess } from './webhook-endpoints.ts';

export const MANAGER_CONTAINER = 'manager';
export const SIDECAR_CONTAINER = 'gobgpd';

export interface ReplicaPodsHost {
  dir: string;
  /** cleanup tag (oelab-<id>): every container of the lab carries it */
  owner: string;
  kubeconfig(): string;
  nodeLabels(n: NodePlan): Record<string, string>;
  managerArgs(n: NodePlan): string[];
  managerEnv(n: NodePlan): Record<string, string>;
  /** lists a replica in the webhook Service's endpoints until `handle.exited` */
  addEndpoint(handle: ReplicaProcess, m: WebhookMember): void;
  /** a node's gobgpd socket changed (drop cached gRPC clients) */
  socketMoved(n: NodePlan): void;
  log(line: string): void;
}

export interface StartPodOptions {
  /** appended to the manager container's args (after the lab's managerArgs) */
  extraArgs?: string[];
  /** a pod template to run instead of the manifest's (tests that break one thing) */
  template?: Record<string, unknown>;
}

export class ReplicaPods {
  private readonly host: ReplicaPodsHost;
  private readonly pods = new Map<string, Pod[]>();
  private readonly configs = new Map<Pod, ManagerConfig>();

  constructor(host: ReplicaPodsHost) {
    this.host = host;
  }

  /** Creates the node's replica pod (does not wait for Ready). */
  async start(n: NodePlan, o: StartPodOptions = {}): Promise<Pod> {
    const w = await loadWorkload();
    let template = o.template ?? w.template;
    const args = [...this.host.managerArgs(n), ...(o.extraArgs ?? [])];
    if (args.length > 0) {
      template = withArgs(template, MANAGER_CONTAINER, args);
      this.host.log(`[lab] spec edit for ${n.name}: ${MANAGER_CONTAINER} args += ${args.join(' ')}`);
    }
    const env = Object.entries(this.host.managerEnv(n));
    if (env.length > 0) {
      template = editContainer(template, MANAGER_CONTAINER, (c) => {
        c.env = [
          ...(Array.isArray(c.env) ? (c.env as unknown[]) : []),
          ...env.map(([name, value]) => ({ name, value })),
        ];
      });
      this.host.log(
        `[lab] spec edit for ${n.name}: ${MANAGER_CONTAINER} env += ${env.map(([k, v]) => `${k}=${v}`).join(' ')}`,
      );
    }
    const pod = await Pod.create({
      template,
      namespace: w.namespace,
      ownerName: w.name,
      node: { name: n.name, labels: this.host.nodeLabels(n), netns: n.ns, ips: [n.ipv4, n.ipv6] },
      stateRoot: join(this.host.dir, n.role, 'pods'),
      kubeconfig: this.host.kubeconfig(),
      owner: this.host.owner,
      log: (l) => this.host.log(l),
    });
    const list = this.pods.get(n.name) ?? [];
    list.push(pod);
    this.pods.set(n.name, list);
    const plan = pod.plans.find((p) => p.name === MANAGER_CONTAINER);
    const parsed = plan ? parseConfig(plan.args ?? [], Object.fromEntries(plan.env)) : undefined;
    if (parsed?.kind === 'config') {
      const cfg = parsed.config;
      this.configs.set(pod, cfg);
      // the lab's socket path for this node (lab.gobgp(), the gobgp CLI) leads to the pod's socket
      await rm(n.gobgpSocket, { force: true });
      await symlink(
        pod.hostPath(MANAGER_CONTAINER, cfg.gobgpSocket.replace(/^unix:\/\//, '')),
        n.gobgpSocket,
      );
      this.host.socketMoved(n);
      if (cfg.enableWebhook) {
        const h = cfg.webhookAddr.host;
        this.host.addEndpoint(
          { exited: pod.gone },
          {
            node: n.name,
            address: h === '' || h === '0.0.0.0' || h === '::' ? n.ipv4 : h,
            port: cfg.webhookAddr.port,
          },
        );
      }
    }
    return pod;
  }

  of(node: string): Pod[] {
    return this.pods.get(node) ?? [];
  }

  /** Pods not yet deleted. */
  live(): Pod[] {
    return [...this.pods.values()].flat().filter((p) => p.phase === 'Pending' || p.phase === 'Running');
  }

  /** Live pods serving the webhook, with their node and health port. */
  serving(): { node: string; label: string; healthPort: number; healthHost: string }[] {
    return [...this.pods.entries()].flatMap(([node, pods]) =>
      pods
        .filter(
          (p) =>
            (p.phase === 'Pending' || p.phase === 'Running') && this.configs.get(p)?.enableWebhook === true,
        )
        .map((p) => {
          const h = this.configs.get(p)?.healthAddr;
          return {
            node,
            label: `pod ${p.name}`,
            healthPort: h?.port ?? 8080,
            healthHost: !h?.host || h.host === '0.0.0.0' ? '127.0.0.1' : h.host,
          };
        }),
    );
  }

  async deleteAll(): Promise<void> {
    await Promise.all(this.live().map((p) => p.delete()));
  }

  deleteAllSync(): void {
    for (const p of [...this.pods.values()].flat()) if (p.phase !== 'Deleted') p.deleteSync();
  }
}
