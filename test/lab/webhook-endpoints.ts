// The lab's part of the EndpointSlice controller, for the one Service the API double calls out to: the
// webhook Service of deploy/openelb.yaml. In a cluster the controller lists the manager pods behind
// that Service; in the lab the replicas are manager processes in node namespaces, so the lab lists
// them: one endpoint per running manager that serves the webhook (its node's address and the port
// its --webhook-addr binds), written when it starts and removed when it exits. The double then
// resolves the Service as kube-apiserver does (Service port → slice port of that name → a ready
// endpoint). No Pod objects are written: nothing pretends that pods run.
import type { RunResult } from './exec.ts';
import type { WebhookServiceRef } from './manifest.ts';

export interface WebhookMember {
  node: string;
  /** The address the API double dials (the node's LAN address, or the host --webhook-addr names). */
  address: string;
  port: number;
}

/** Runs `kubectl apply -f -` with this JSON against the API double. */
export type ApplyJson = (json: string) => Promise<RunResult>;

/** A replica's process: a lab Proc, or any handle that resolves once the process has exited. */
export interface ReplicaProcess {
  readonly exited: Promise<unknown>;
}

const MANAGED_BY = 'oelab.openelb-ts';

export class WebhookEndpoints {
  private readonly svc: WebhookServiceRef;
  private readonly apply: ApplyJson;
  private readonly members = new Map<ReplicaProcess, WebhookMember>();
  /** Ports a slice was written for (a port whose replicas all exited gets an empty slice). */
  private readonly ports = new Set<number>();
  private loop: Promise<void> | undefined;
  private dirty = false;
  private closed = false;
  /** The last publish failure (kept for diagnostics; the next change retries). */
  lastError: string | undefined;

  constructor(svc: WebhookServiceRef, apply: ApplyJson) {
    // With publishNotReadyAddresses the controller lists a replica from start to exit, whatever its
    // readiness: exactly what this class does. Without it, endpoints would have to follow /readyz.
    if (!svc.publishNotReadyAddresses) {
      throw new Error(
        `lab: Service ${svc.namespace}/${svc.name} no longer sets publishNotReadyAddresses; the lab's endpoints must then follow each replica's /readyz`,
      );
    }
    this.svc = svc;
    this.apply = apply;
  }

  /** A replica started: list it now, unlist it once the process has exited. */
  add(proc: ReplicaProcess, member: WebhookMember): void {
    this.members.set(proc, member);
    this.kick();
    void proc.exited.then(() => {
      this.members.delete(proc);
      this.kick();
    });
  }

  /**
   * Resolves once the slices show every replica that runs now, with the error of the last write if
   * it failed (a failed write is retried first: e.g. the namespace exists by now).
   */
  async settled(): Promise<string | undefined> {
    if (this.lastError !== undefined) this.kick();
    while (this.loop) await this.loop;
    return this.lastError;
  }

  /** Lab teardown: nothing is written any more. */
  close(): void {
    this.closed = true;
  }

  current(): WebhookMember[] {
    return [...this.members.values()];
  }

  private kick(): void {
    this.dirty = true;
    this.loop ??= this.drain().finally(() => {
      this.loop = undefined;
    });
  }

  private async drain(): Promise<void> {
    while (this.dirty && !this.closed) {
      this.dirty = false;
      await this.publish();
    }
  }

  private async publish(): Promise<void> {
    const byPort = new Map<number, WebhookMember[]>();
    for (const p of this.ports) byPort.set(p, []);
    for (const m of this.members.values()) {
      this.ports.add(m.port);
      const list = byPort.get(m.port) ?? [];
      if (!list.some((x) => x.address === m.address)) list.push(m);
      byPort.set(m.port, list);
    }
    const items = [...byPort].map(([port, members]) => this.slice(port, members));
    const r = await this.apply(JSON.stringify({ apiVersion: 'v1', kind: 'List', items }));
    this.lastError = r.code === 0 ? undefined : r.stderr.trim();
  }

  /** One slice per port, as the controller groups endpoints by their port set. */
  private slice(port: number, members: WebhookMember[]): Record<string, unknown> {
    return {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: {
        name: `${this.svc.name}-oelab-${port}`,
        namespace: this.svc.namespace,
        labels: {
          'kubernetes.io/service-name': this.svc.name,
          'endpointslice.kubernetes.io/managed-by': MANAGED_BY,
        },
      },
      addressType: 'IPv4',
      endpoints: members.map((m) => ({
        addresses: [m.address],
        conditions: { ready: true, serving: true, terminating: false },
        nodeName: m.node,
      })),
      ports: [{ name: this.svc.portName, port, protocol: 'TCP' }],
    };
  }
}
