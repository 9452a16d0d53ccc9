// Admission on and off for a running BGP lab, behind one small interface so the test does not care
// how the webhook is wired. The lab installs deploy/openelb.yaml and serves the webhook Service from
// its managers (as on a cluster), so admission starts on. `off()` deletes the
// ValidatingWebhookConfiguration (as an operator might); `on()` registers it again from the manifest
// with the CA bundle the managers keep in their Secret — what their caBundle pass writes into it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import type { Lab, LabDesc } from '../../lab/index.ts';
import { REPO_ROOT } from '../../lab/roles.ts';
import { getJson, kubectlOk, MANAGER_NS } from '../bgp-lab.ts';

type Obj = Record<string, unknown>;

const MANIFEST = join(REPO_ROOT, 'deploy/openelb.yaml');

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
    labDesc: {},
    managerArgs: [],
    async on(lab) {
      if (!saved) {
        const secret = await getJson<{ data?: Record<string, string> }>(
          lab,
          'secret',
          'openelb-webhook-cert',
          MANAGER_NS,
        );
        const caBundle = secret.data?.['ca-bundle.crt'];
        if (!caBundle) throw new Error("the managers' webhook Secret has no ca-bundle.crt");
        const copy = structuredClone(vwc);
        for (const w of copy['webhooks'] as Obj[]) (w['clientConfig'] as Obj)['caBundle'] = caBundle;
        saved = copy;
      }
      const present = await lab.kubectl(['get', 'validatingwebhookconfiguration', name]);
      if (present.code !== 0) await kubectlOk(lab, ['create', '-f', '-'], JSON.stringify(saved));
      const probe = JSON.stringify({
        apiVersion: 'network.kubesphere.io/v1alpha2',
        kind: 'Eip',
        metadata: { name: 'webhook-probe' },
        spec: { address: '192.0.2.0/33' },
      });
      // the CRD schema does not look into spec.address: only the webhook refuses this
      const r = await lab.kubectl(['create', '-f', '-'], probe);
      if (r.code === 0) await kubectlOk(lab, ['delete', 'eip', 'webhook-probe']);
      if (r.code === 0 || !/spec\.address: .*\/33/.test(r.stderr)) {
        throw new Error(
          `the webhook does not judge yet: ${r.code === 0 ? 'a /33 pool was stored' : r.stderr}`,
        );
      }
    },
    async off(lab) {
      await kubectlOk(lab, ['delete', 'validatingwebhookconfiguration', name, '--ignore-not-found']);
    },
  };
}
