// What the lab needs to know from the install manifest (deploy/openelb.yaml) to stand in for the
// cluster parts that run pods: which Service the API server calls for admission and conversion, and
// how that Service names its port. Read from the rendered manifest, never restated here.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { REPO_ROOT } from './roles.ts';

export const OPENELB_MANIFEST = join(REPO_ROOT, 'deploy/openelb.yaml');

interface Doc {
  [k: string]: unknown;
}

export interface WebhookServiceRef {
  namespace: string;
  name: string;
  /** The Service port the webhook configurations call (clientConfig.service.port). */
  port: number;
  /** That Service port's name: EndpointSlice ports carry it. */
  portName: string;
  /** The container port the Service targets (a name such as "webhook", or a number). */
  targetPort: string | number;
  /** spec.publishNotReadyAddresses: the endpoints list replicas whether ready or not. */
  publishNotReadyAddresses: boolean;
}

function isDoc(v: unknown): v is Doc {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function docs(v: unknown): Doc[] {
  return Array.isArray(v) ? v.filter(isDoc) : [];
}

/** Every `service` a webhook configuration or a CRD's conversion stanza of the manifest points at. */
function serviceRefs(all: Doc[]): Doc[] {
  const refs: Doc[] = [];
  for (const d of all) {
    if (d.kind === 'ValidatingWebhookConfiguration' || d.kind === 'MutatingWebhookConfiguration') {
      for (const w of docs(d.webhooks))
        if (isDoc(w.clientConfig) && isDoc(w.clientConfig.service)) refs.push(w.clientConfig.service);
    }
    if (
      d.kind === 'CustomResourceDefinition' &&
      isDoc(d.spec) &&
      isDoc(d.spec.conversion) &&
      isDoc(d.spec.conversion.webhook)
    ) {
      const cc = d.spec.conversion.webhook.clientConfig;
      if (isDoc(cc) && isDoc(cc.service)) refs.push(cc.service);
    }
  }
  return refs;
}

/** The one webhook Service of the manifest text; throws naming what does not add up. */
export function webhookServiceOf(text: string): WebhookServiceRef {
  const all = yaml.loadAll(text).filter(isDoc);
  const keys = new Set(
    serviceRefs(all).map((s) => `${String(s.namespace)}/${String(s.name)}:${String(s.port ?? 443)}`),
  );
  if (keys.size !== 1)
    throw new Error(
      `install manifest: expected every webhook to call one Service, found ${[...keys].join(', ') || 'none'}`,
    );
  const [key] = [...keys];
  const m = /^([^/]+)\/([^:]+):(\d+)$/.exec(key ?? '');
  if (!m) throw new Error(`install manifest: webhook Service reference ${key} is incomplete`);
  const [, namespace = '', name = '', port = ''] = m;
  const svc = all.find(
    (d) =>
      d.kind === 'Service' &&
      isDoc(d.metadata) &&
      d.metadata.name === name &&
      d.metadata.namespace === namespace,
  );
  if (!svc || !isDoc(svc.spec))
    throw new Error(
      `install manifest: the webhooks call Service ${namespace}/${name}, which it does not define`,
    );
  const p = docs(svc.spec.ports).find((x) => x.port === Number(port));
  if (!p) throw new Error(`install manifest: Service ${namespace}/${name} has no port ${port}`);
  return {
    namespace,
    name,
    port: Number(port),
    portName: typeof p.name === 'string' ? p.name : '',
    targetPort:
      typeof p.targetPort === 'string' || typeof p.targetPort === 'number' ? p.targetPort : Number(port),
    publishNotReadyAddresses: svc.spec.publishNotReadyAddresses === true,
  };
}

let cached: WebhookServiceRef | undefined;

/** The webhook Service of deploy/openelb.yaml. */
export function webhookService(): WebhookServiceRef {
  cached ??= webhookServiceOf(readFileSync(OPENELB_MANIFEST, 'utf8'));
  return cached;
}
