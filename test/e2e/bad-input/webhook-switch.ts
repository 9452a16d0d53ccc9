// Admission on and off for a running BGP lab, behind one small interface so the test does not care
// how the webhook is wired. Until the lab registers the webhooks itself (deploy/openelb.yaml through
// kubectl, the managers as the webhook Service's endpoints), it is done the way
// test/kube/webhook-admission.test.ts does it: every manager serves the webhook (--enable-webhook
// true), the API double calls node1's replica for the Service openelb-system/openelb-webhook
// (labDesc below), and `on()` registers the ValidatingWebhookConfiguration of deploy/openelb.yaml
// with the CA bundle the managers keep in their Secret — what their caBundle pass writes into it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import type { Lab, LabDesc, NodePlan } from '../../lab/index.ts';
import { REPO_ROOT } from '../../lab/roles.ts';
import { getJson, kubectlOk, MANAGER_NS } from '../bgp-lab.ts';

type Obj = Record<string, unknown>;

const MANIFEST = join(REPO_ROOT, 'deploy/openelb.yaml');
const WEBHOOK_PORT = 9443;

function manifestWebhookConfig(): Obj {
  const docs = yaml.loadAll(readFileSync(MANIFEST, 'utf8')) as Obj[];
  const vwc = docs.find((d) => d?.['kind'] === 'ValidatingWebhookConfiguration');
  if (!vwc) throw new Error(`${MANIFEST} has no ValidatingWebhookConfiguration`);
  return vwc;
}

export interface WebhookSwitch {
  /** Lab description parts the switch needs (merge into upBgpLab's desc). */
  readonly labDesc: Partial<LabDesc>;
  /** Manager flags the switch needs. */
  readonly managerArgs: string[];
  /** Admission through the managers' webhook from now on (waits until a malformed Eip is denied). */
  on(lab: Lab): Promise<void>;
  /** No admission webhook: objects are stored as sent (the entry check is all that stands). */
  off(lab: Lab): Promise<void>;
}

export function webhookSwitch(): WebhookSwitch {
  const vwc = manifestWebhookConfig();
  const name = String((vwc['metadata'] as Obj)['name']);
  let saved: Obj | undefined;
  return {
    labDesc: {
      kubeServiceHosts: (nodes: NodePlan[]) => ({ [`${MANAGER_NS}/openelb-webhook`]: `${nodes[0]?.ipv4 ?? ''}:${WEBHOOK_PORT}` }),
    },
    managerArgs: ['--enable-webhook', 'true', '--webhook-addr', `:${WEBHOOK_PORT}`],
    async on(lab) {
      if (!saved) {
        const secret = await getJson<{ data?: Record<string, string> }>(lab, 'secret', 'openelb-webhook-cert', MANAGER_NS);
        const caBundle = secret.data?.['ca-bundle.crt'];
        if (!caBundle) throw new Error('the managers\' webhook Secret has no ca-bundle.crt');
        const copy = structuredClone(vwc);
        for (const w of copy['webhooks'] as Obj[]) (w['clientConfig'] as Obj)['caBundle'] = caBundle;
        saved = copy;
      }
      await kubectlOk(lab, ['create', '-f', '-'], JSON.stringify(saved));
      const probe = JSON.stringify({ apiVersion: 'network.kubesphere.io/v1alpha2', kind: 'Eip', metadata: { name: 'webhook-probe' }, spec: { address: '192.0.2.0/33' } });
      // the CRD schema does not look into spec.address: only the webhook refuses this
      const r = await lab.kubectl(['create', '-f', '-'], probe);
      if (r.code === 0) await kubectlOk(lab, ['delete', 'eip', 'webhook-probe']);
      if (r.code === 0 || !/spec\.address: .*\/33/.test(r.stderr)) {
        throw new Error(`the webhook does not judge yet: ${r.code === 0 ? 'a /33 pool was stored' : r.stderr}`);
      }
    },
    async off(lab) {
      await kubectlOk(lab, ['delete', 'validatingwebhookconfiguration', name, '--ignore-not-found']);
    },
  };
}
