// The webhook's certificates belong to the manager: a private CA and a serving certificate kept in a
// Secret in the manager's namespace, shared by every replica. Whoever finds the Secret missing
// creates it (create -> 409 -> read the winner's); whoever finds it due for renewal replaces it
// with optimistic concurrency (PUT with resourceVersion -> 409 -> read the winner's). No Job, no
// key material in any manifest.
//
// Rotation: the serving certificate is re-issued when less than a third of its lifetime is left
// (same CA, so the caBundle does not change). The CA is replaced the same way; the new CA goes in
// front of the old one in ca-bundle.crt, and the old one stays there until it expires, so replicas
// still serving a certificate of the old CA stay trusted until they reload.
import type { KubeClient } from '../kube/client.ts';
import { isAlreadyExists, isConflict } from '../kube/errors.ts';
import { Resources } from '../kube/resources.ts';
import type { KubeObject } from '../kube/types.ts';
import {
  createCa,
  dueForRenewal,
  isExpired,
  issueServing,
  keyMatches,
  parseCert,
  servingMatches,
  splitBundle,
} from './pki.ts';
import { OpenelbError } from '../core/errors.ts';

export const DEFAULT_SECRET_NAME = 'openelb-webhook-cert';
const DAY_MS = 24 * 60 * 60 * 1000;
export const DEFAULT_CA_VALIDITY_MS = 5 * 365 * DAY_MS;
export const DEFAULT_CERT_VALIDITY_MS = 365 * DAY_MS;

/** Keys of the Secret (type kubernetes.io/tls). */
export const SECRET_KEYS = Object.freeze({
  cert: 'tls.crt',
  key: 'tls.key',
  caCert: 'ca.crt',
  caKey: 'ca.key',
  caBundle: 'ca-bundle.crt',
});

export interface CertMaterial {
  /** PEM serving certificate. */
  cert: string;
  /** PEM private key of the serving certificate. */
  key: string;
  /** PEM CA certificate that signs `cert`. */
  caCert: string;
  caKey: string;
  /** PEM: the current CA first, then older CAs that have not expired. This is the caBundle. */
  caBundle: string;
}

export interface CertPolicy {
  /** Names the serving certificate must carry (the first is its CN). */
  dnsNames: readonly string[];
  caValidityMs?: number;
  certValidityMs?: number;
  caCommonName?: string;
}

export type CertAction = 'keep' | 'create' | 'rotate-ca' | 'issue-cert' | 'rewrite-bundle';

export interface CertPlan {
  action: CertAction;
  material: CertMaterial;
  /** Why something was (re)generated, for the log. */
  reasons: string[];
}

/**
 * Pure decision (apart from key generation): what the Secret must hold at `now`, given what it
 * holds. `keep` returns the existing material unchanged.
 */
export async function planCertificates(
  existing: Partial<CertMaterial> | undefined,
  now: Date,
  policy: CertPolicy,
): Promise<CertPlan> {
  const reasons: string[] = [];
  const caValidity = policy.caValidityMs ?? DEFAULT_CA_VALIDITY_MS;
  const certValidity = policy.certValidityMs ?? DEFAULT_CERT_VALIDITY_MS;
  let action: CertAction = 'keep';

  let caCert = existing?.caCert;
  let caKey = existing?.caKey;
  const ca = parseCert(caCert);
  if (!ca || !ca.ca || !keyMatches(ca, caKey)) {
    reasons.push(existing?.caCert ? 'CA certificate or key unreadable or mismatched' : 'no CA yet');
  } else if (dueForRenewal(ca, now)) {
    reasons.push(`CA expires ${ca.validTo}`);
  }
  if (reasons.length > 0) {
    const fresh = await createCa(policy.caCommonName ?? 'openelb-webhook-ca', now, caValidity);
    caCert = fresh.cert;
    caKey = fresh.key;
    action = existing?.caCert || existing?.cert ? 'rotate-ca' : 'create';
  }
  const currentCa = parseCert(caCert);
  if (!currentCa || !caKey) throw new OpenelbError('OE_INTERNAL', 'internal: CA missing after planning');

  let cert = existing?.cert;
  let key = existing?.key;
  const serving = parseCert(cert);
  const certReason =
    !serving || !keyMatches(serving, key)
      ? existing?.cert
        ? 'serving certificate or key unreadable or mismatched'
        : 'no serving certificate yet'
      : !servingMatches(serving, currentCa, policy.dnsNames)
        ? 'serving certificate not signed by the current CA or missing a name'
        : dueForRenewal(serving, now)
          ? `serving certificate expires ${serving.validTo}`
          : undefined;
  if (certReason) {
    reasons.push(certReason);
    const issued = await issueServing(
      { cert: caCert as string, key: caKey },
      policy.dnsNames,
      now,
      certValidity,
    );
    cert = issued.cert;
    key = issued.key;
    if (action === 'keep') action = 'issue-cert';
  }

  // The bundle: the current CA, then every other CA still valid (replicas may still serve them).
  const others = splitBundle(existing?.caBundle).filter((c) => {
    const x = parseCert(c);
    return x !== undefined && !isExpired(x, now) && !x.raw.equals(currentCa.raw);
  });
  const oldCa = parseCert(existing?.caCert);
  if (
    oldCa &&
    !oldCa.raw.equals(currentCa.raw) &&
    !isExpired(oldCa, now) &&
    !others.some((c) => parseCert(c)?.raw.equals(oldCa.raw))
  ) {
    others.push(existing?.caCert as string);
  }
  const caBundle = [caCert as string, ...others].join('');
  if (action === 'keep' && caBundle !== existing?.caBundle) {
    action = 'rewrite-bundle';
    reasons.push('CA bundle out of date');
  }
  return {
    action,
    reasons,
    material: { cert: cert as string, key: key as string, caCert: caCert as string, caKey, caBundle },
  };
}

interface SecretObject extends KubeObject {
  type?: string;
  data?: Record<string, string>;
}

function decode(s: SecretObject): Partial<CertMaterial> {
  const d = s.data ?? {};
  const get = (k: string): string | undefined =>
    d[k] === undefined ? undefined : Buffer.from(d[k], 'base64').toString('utf8');
  const out: Partial<CertMaterial> = {};
  for (const [field, key] of Object.entries(SECRET_KEYS) as Array<[keyof CertMaterial, string]>) {
    const v = get(key);
    if (v !== undefined) out[field] = v;
  }
  return out;
}

function encode(m: CertMaterial): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [field, key] of Object.entries(SECRET_KEYS) as Array<[keyof CertMaterial, string]>)
    out[key] = Buffer.from(m[field]).toString('base64');
  return out;
}

export interface EnsureOptions {
  namespace: string;
  name?: string;
  policy: CertPolicy;
  now?: () => Date;
  /** Bounded retries on lost races. Default 5. */
  attempts?: number;
}

export interface EnsureResult {
  material: CertMaterial;
  action: CertAction;
  reasons: string[];
  resourceVersion: string;
}

/** Reads the Secret and makes it hold valid material (creating or replacing it); race-safe between replicas. */
export async function ensureCertSecret(client: KubeClient, o: EnsureOptions): Promise<EnsureResult> {
  const name = o.name ?? DEFAULT_SECRET_NAME;
  const now = o.now ?? (() => new Date());
  const attempts = o.attempts ?? 5;
  for (let i = 0; ; i++) {
    const found = await client.getOrUndefined<SecretObject>(Resources.Secret, name, o.namespace);
    const plan = await planCertificates(found ? decode(found) : undefined, now(), o.policy);
    if (found && plan.action === 'keep') {
      return {
        material: plan.material,
        action: 'keep',
        reasons: [],
        resourceVersion: found.metadata.resourceVersion ?? '',
      };
    }
    try {
      const body: SecretObject = {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: {
          ...(found?.metadata ?? {}),
          name,
          namespace: o.namespace,
          labels: {
            ...(found?.metadata.labels ?? {}),
            'app.kubernetes.io/name': 'openelb',
            'app.kubernetes.io/component': 'webhook',
          },
        },
        // type is immutable; keep whatever a pre-created Secret has
        type: found?.type ?? 'kubernetes.io/tls',
        data: { ...(found?.data ?? {}), ...encode(plan.material) },
      };
      const written = found
        ? await client.replace<SecretObject>(Resources.Secret, body)
        : await client.create<SecretObject>(Resources.Secret, body);
      return {
        material: plan.material,
        action: found ? plan.action : 'create',
        reasons: plan.reasons,
        resourceVersion: written.metadata.resourceVersion ?? '',
      };
    } catch (e) {
      // Another replica won the race: read what it wrote and check that instead.
      if ((isAlreadyExists(e) || isConflict(e)) && i + 1 < attempts) continue;
      throw e;
    }
  }
}
