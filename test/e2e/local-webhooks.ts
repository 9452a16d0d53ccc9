// For e2e tests that run the API double and manager processes on loopback, without the lab:
// deploy/openelb.yaml installed in the double (CRDs with their conversion webhook, the webhook
// Service, the ValidatingWebhookConfiguration), and the webhook Service's endpoints kept in step
// with the manager processes the test starts — the lab's WebhookEndpoints, writing with kubectl.
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { startKubeDouble, type KubeDouble, type StartOptions } from '../kube/double.ts';
import { run } from '../lab/exec.ts';
import { OPENELB_MANIFEST, webhookService } from '../lab/manifest.ts';
import { waitFor } from '../lab/wait.ts';
import { WebhookEndpoints } from '../lab/webhook-endpoints.ts';

/** A double with the install manifest applied (its CRDs, not deploy/crds, as on a fresh cluster). */
export async function startDoubleWithOpenelb(opts: StartOptions = {}): Promise<KubeDouble> {
  const dbl = await startKubeDouble({ ...opts, crdDirs: [] });
  await dbl.create(readFileSync(OPENELB_MANIFEST, 'utf8'));
  return dbl;
}

export function webhookEndpoints(dbl: KubeDouble): WebhookEndpoints {
  return new WebhookEndpoints(webhookService(), (json) =>
    run(['kubectl', '--kubeconfig', dbl.kubeconfigPath, 'apply', '--validate=false', '-f', '-'], {
      input: json,
    }),
  );
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

export interface LoopbackAddrs {
  health: number;
  webhook: number;
  /** --health-addr and --webhook-addr on those loopback ports. */
  args: string[];
}

/** Free loopback ports for one manager's health server and webhook. */
export async function loopbackAddrs(): Promise<LoopbackAddrs> {
  const health = await freePort();
  let webhook = await freePort();
  while (webhook === health) webhook = await freePort();
  return {
    health,
    webhook,
    args: ['--health-addr', `127.0.0.1:${health}`, '--webhook-addr', `127.0.0.1:${webhook}`],
  };
}

/** Lists a manager process as an endpoint of the webhook Service until it exits. */
export function listManager(
  eps: WebhookEndpoints,
  id: string,
  child: ChildProcess,
  webhookPort: number,
): void {
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  eps.add({ exited }, { node: id, address: '127.0.0.1', port: webhookPort });
}

/** Waits until the manager on healthPort serves its webhook (`[+]webhook ok` in /readyz?verbose). */
export async function waitWebhookServing(healthPort: number, deadlineMs = 30_000): Promise<void> {
  await waitFor(
    async () => {
      const r = await fetch(`http://127.0.0.1:${healthPort}/readyz?verbose`).catch((e: unknown) => ({
        text: async () => String(e),
      }));
      const body = await r.text();
      if (!/^\[\+\]webhook ok$/m.test(body))
        throw new Error(body.split('\n').find((l) => l.includes('webhook')) ?? body.slice(0, 200));
      return true;
    },
    deadlineMs,
    { what: `the webhook of the manager with health port ${healthPort}`, intervalMs: 100 },
  );
}

/** Waits until the endpoints list every listed manager; throws if writing them failed. */
export async function endpointsSettled(eps: WebhookEndpoints): Promise<void> {
  const err = await eps.settled();
  if (err) throw new Error(`publishing the webhook Service's endpoints failed: ${err}`);
}
