// Puts the CA bundle where the API server reads it: every webhook of our ValidatingWebhookConfiguration
// and the conversion webhook of each of our CRDs whose strategy is Webhook. Reads first and patches
// only what differs, so a steady state costs GETs only. Objects that do not exist are reported, not
// created (the install manifest owns them).
import { HttpMethod } from '@kubernetes/client-node';
import type { KubeClient } from '../kube/client.ts';
import { PatchType } from '../kube/client.ts';
import { isNotFound } from '../kube/errors.ts';

export const DEFAULT_WEBHOOK_CONFIG = 'openelb-admission';
export const DEFAULT_CRD_NAMES: readonly string[] = [
  'eips.network.kubesphere.io',
  'bgpconfs.network.kubesphere.io',
  'bgppeers.network.kubesphere.io',
];

const VWC_PATH = '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations';
const CRD_PATH = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';

export interface CaBundleTargets {
  webhookConfigName: string;
  crdNames: readonly string[];
}

export interface CaBundleSyncResult {
  /** Objects patched now ("validatingwebhookconfiguration/x", "crd/y"). */
  patched: string[];
  /** Objects that do not exist. */
  missing: string[];
}

interface WebhookConfig {
  webhooks?: Array<{ name?: string; clientConfig?: { caBundle?: string } }>;
}

interface Crd {
  spec?: { conversion?: { strategy?: string; webhook?: { clientConfig?: { caBundle?: string } } } };
}

async function getOrUndefined<T>(client: KubeClient, path: string): Promise<T | undefined> {
  try {
    return await client.request<T>(HttpMethod.GET, path);
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

export async function syncCaBundle(
  client: KubeClient,
  caBundlePem: string,
  targets: CaBundleTargets,
): Promise<CaBundleSyncResult> {
  const want = Buffer.from(caBundlePem).toString('base64');
  const result: CaBundleSyncResult = { patched: [], missing: [] };

  const vwcPath = `${VWC_PATH}/${encodeURIComponent(targets.webhookConfigName)}`;
  const vwc = await getOrUndefined<WebhookConfig>(client, vwcPath);
  if (!vwc) {
    result.missing.push(`validatingwebhookconfiguration/${targets.webhookConfigName}`);
  } else {
    const ops: Array<{ op: string; path: string; value: unknown }> = [];
    (vwc.webhooks ?? []).forEach((w, i) => {
      if (w.clientConfig?.caBundle === want) return;
      // The test pins the index to the webhook we read, so a concurrent reorder fails the patch
      // instead of writing into the wrong entry.
      ops.push({ op: 'test', path: `/webhooks/${i}/name`, value: w.name });
      ops.push({ op: 'add', path: `/webhooks/${i}/clientConfig/caBundle`, value: want });
    });
    if (ops.length > 0) {
      await client.request(HttpMethod.PATCH, vwcPath, {
        body: ops,
        contentType: PatchType.json,
        query: { fieldManager: client.fieldManager },
      });
      result.patched.push(`validatingwebhookconfiguration/${targets.webhookConfigName}`);
    }
  }

  for (const name of targets.crdNames) {
    const path = `${CRD_PATH}/${encodeURIComponent(name)}`;
    const crd = await getOrUndefined<Crd>(client, path);
    if (!crd) {
      result.missing.push(`crd/${name}`);
      continue;
    }
    const conv = crd.spec?.conversion;
    if (conv?.strategy !== 'Webhook' || conv.webhook?.clientConfig?.caBundle === want) continue;
    const patch = { spec: { conversion: { webhook: { clientConfig: { caBundle: want } } } } };
    await client.request(HttpMethod.PATCH, path, {
      body: patch,
      contentType: PatchType.merge,
      query: { fieldManager: client.fieldManager },
    });
    result.patched.push(`crd/${name}`);
  }
  return result;
}
