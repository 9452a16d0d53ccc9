// Admission call-outs: Mutating- and ValidatingWebhookConfigurations, as admission.k8s.io/v1.
import { randomUUID } from 'node:crypto';
import jsonPatch from 'fast-json-patch';
import type { Operation } from 'fast-json-patch';
import { clone, isObj, str, strMap, type Obj } from './json.ts';
import type { ResourceDef } from './resource.ts';
import { labelSelectorMatches } from './selectors.ts';
import { ApiError } from './status.ts';
import type { Store } from './store.ts';
import type { ServiceResolver } from './service-resolver.ts';
import { postJson } from './tls-client.ts';
import { resolveTarget } from './webhook-target.ts';

export type Operation_ = 'CREATE' | 'UPDATE' | 'DELETE';

export interface AdmissionInput {
  def: ResourceDef;
  version: string;
  subresource?: string;
  operation: Operation_;
  namespace?: string;
  name: string;
  object?: Obj;
  oldObject?: Obj;
  dryRun: boolean;
  /** AdmissionResponse.warnings land here; the server turns them into `Warning: 299` headers. */
  warnings?: string[];
}

const SKIPPED_GROUP = 'admissionregistration.k8s.io';

function listOf(v: unknown): string[] {
  return Array.isArray(v) ? v.map(String) : [];
}

function ruleMatches(rule: Obj, a: AdmissionInput): boolean {
  const ops = listOf(rule.operations);
  if (!ops.includes('*') && !ops.includes(a.operation)) return false;
  const groups = listOf(rule.apiGroups);
  if (!groups.includes('*') && !groups.includes(a.def.group)) return false;
  const versions = listOf(rule.apiVersions);
  if (!versions.includes('*') && !versions.includes(a.version)) return false;
  const resource = a.subresource ? `${a.def.plural}/${a.subresource}` : a.def.plural;
  const resources = listOf(rule.resources);
  const resOk = resources.some((r) => {
    if (r === '*/*' || r === resource) return true;
    if (r === '*') return !a.subresource;
    const [res, sub] = r.split('/');
    if (sub === undefined) return false;
    return (res === '*' || res === a.def.plural) && (sub === '*' || sub === a.subresource);
  });
  if (!resOk) return false;
  const scope = str(rule.scope) ?? '*';
  if (scope === 'Cluster' && a.def.namespaced) return false;
  if (scope === 'Namespaced' && !a.def.namespaced) return false;
  return true;
}

function labelsOf(o: Obj | undefined): Record<string, string> {
  return strMap(o && isObj(o.metadata) ? o.metadata.labels : undefined);
}

function selectorsMatch(hook: Obj, a: AdmissionInput, store: Store): boolean {
  const objSel = hook.objectSelector;
  const candidates = [a.object, a.oldObject].filter((o): o is Obj => o !== undefined);
  if (!candidates.some((o) => labelSelectorMatches(objSel, labelsOf(o)))) return false;
  if (a.def.group === '' && a.def.plural === 'namespaces')
    return labelSelectorMatches(hook.namespaceSelector, labelsOf(a.object ?? a.oldObject));
  if (!a.def.namespaced || a.namespace === undefined) return true;
  const ns = store.get('/namespaces', '', a.namespace);
  return labelSelectorMatches(hook.namespaceSelector, labelsOf(ns));
}

function rulesOf(hook: Obj): Obj[] {
  return Array.isArray(hook.rules) ? hook.rules.filter(isObj) : [];
}

/**
 * The version the webhook is called with: the request's own when a rule names it; otherwise, with
 * matchPolicy Equivalent (the default), the first other served version of the resource a rule
 * names (the apiserver converts the object to it); undefined = the webhook does not apply.
 */
function matchedVersion(hook: Obj, a: AdmissionInput): string | undefined {
  const rules = rulesOf(hook);
  if (rules.some((r) => ruleMatches(r, a))) return a.version;
  if (hook.matchPolicy === 'Exact') return undefined;
  return a.def.versions.find(
    (v) => v.served && v.name !== a.version && rules.some((r) => ruleMatches(r, { ...a, version: v.name })),
  )?.name;
}

/** Stored objects → another served version (CRDs through their conversion strategy). */
export type Converter = (def: ResourceDef, objs: Obj[], version: string) => Promise<Obj[]>;

/** `a` as seen in `version`: object and oldObject converted. */
async function inVersion(a: AdmissionInput, version: string, convert: Converter): Promise<AdmissionInput> {
  if (version === a.version) return a;
  const out: AdmissionInput = { ...a, version };
  if (a.object) out.object = (await convert(a.def, [a.object], version))[0] ?? a.object;
  if (a.oldObject) out.oldObject = (await convert(a.def, [a.oldObject], version))[0] ?? a.oldObject;
  return out;
}

function reviewFor(a: AdmissionInput, uid: string, requestVersion: string): Obj {
  const gvk = { group: a.def.group, version: a.version, kind: a.def.kind };
  const gvr = { group: a.def.group, version: a.version, resource: a.def.plural };
  const request: Obj = {
    uid,
    kind: gvk,
    resource: gvr,
    requestKind: { ...gvk, version: requestVersion },
    requestResource: { ...gvr, version: requestVersion },
    name: a.name,
    operation: a.operation,
    userInfo: { username: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'] },
    object: a.object ?? null,
    oldObject: a.oldObject ?? null,
    dryRun: a.dryRun,
    options: {
      kind: `${a.operation === 'CREATE' ? 'Create' : a.operation === 'UPDATE' ? 'Update' : 'Delete'}Options`,
      apiVersion: 'meta.k8s.io/v1',
    },
  };
  if (a.subresource) request.subResource = a.subresource;
  if (a.namespace !== undefined) request.namespace = a.namespace;
  return { kind: 'AdmissionReview', apiVersion: 'admission.k8s.io/v1', request };
}

function denied(name: string, status: unknown): ApiError {
  const s: Obj = isObj(status) ? status : {};
  const code = typeof s.code === 'number' && s.code >= 400 ? s.code : 400;
  const base = `admission webhook "${name}" denied the request`;
  const msg = str(s.message)
    ? `${base}: ${String(s.message)}`
    : str(s.reason)
      ? `${base}: ${String(s.reason)}`
      : `${base} without explanation`;
  return new ApiError(code, msg, str(s.reason) ?? '', isObj(s.details) ? s.details : undefined);
}

export interface Admission {
  /** Run mutating webhooks; returns the (possibly patched) object. */
  mutate(a: AdmissionInput): Promise<Obj | undefined>;
  validate(a: AdmissionInput): Promise<void>;
}

export function makeAdmission(store: Store, services: ServiceResolver, convert: Converter): Admission {
  const hooks = (kind: 'validating' | 'mutating'): Obj[] => {
    const configs = store.list(`admissionregistration.k8s.io/${kind}webhookconfigurations`);
    configs.sort((x, y) =>
      String(isObj(x.metadata) ? x.metadata.name : '').localeCompare(
        String(isObj(y.metadata) ? y.metadata.name : ''),
      ),
    );
    return configs.flatMap((c) => (Array.isArray(c.webhooks) ? c.webhooks.filter(isObj) : []));
  };

  /** `a` is already in the webhook's version; `requestVersion` is the one the client used. */
  const call = async (hook: Obj, a: AdmissionInput, requestVersion: string): Promise<Obj | undefined> => {
    const name = String(hook.name ?? '');
    const timeout = typeof hook.timeoutSeconds === 'number' ? hook.timeoutSeconds : 10;
    const uid = randomUUID();
    try {
      const t = resolveTarget(hook.clientConfig, services, timeout);
      const opts: Parameters<typeof postJson>[0] = {
        url: t.url,
        timeoutMs: timeout * 1000,
        body: reviewFor(a, uid, requestVersion),
      };
      if (t.caBundle) opts.caBundle = t.caBundle;
      if (t.serverName) opts.serverName = t.serverName;
      let answer: { status: number; body: unknown };
      try {
        answer = await postJson(opts);
      } catch (e) {
        throw new Error(`failed to call webhook: Post "${t.display}": ${(e as Error).message}`);
      }
      if (answer.status < 200 || answer.status > 299)
        throw new Error(`received invalid webhook response: unexpected HTTP status ${answer.status}`);
      const resp = isObj(answer.body) && isObj(answer.body.response) ? answer.body.response : undefined;
      if (!resp) throw new Error('received invalid webhook response: response is missing');
      if (resp.uid !== uid) throw new Error(`expected response.uid="${uid}", got "${String(resp.uid)}"`);
      if (Array.isArray(resp.warnings))
        for (const w of resp.warnings) if (typeof w === 'string') a.warnings?.push(w);
      return resp;
    } catch (e) {
      if (hook.failurePolicy === 'Ignore') return undefined;
      throw new ApiError(
        500,
        `Internal error occurred: failed calling webhook "${name}": ${(e as Error).message}`,
        'InternalError',
      );
    }
  };

  /** The version to call `hook` with, or undefined when it does not apply to `a`. */
  const applies = (hook: Obj, a: AdmissionInput): string | undefined => {
    if (a.def.group === SKIPPED_GROUP || !selectorsMatch(hook, a, store)) return undefined;
    return matchedVersion(hook, a);
  };

  return {
    async mutate(a) {
      // copied only when a webhook patches it (the caller's object is never changed)
      let obj = a.object;
      for (const hook of hooks('mutating')) {
        const input: AdmissionInput = { ...a };
        if (obj) input.object = obj;
        const version = applies(hook, input);
        if (version === undefined) continue;
        const seen = await inVersion(input, version, convert);
        const resp = await call(hook, seen, a.version);
        if (!resp) continue;
        if (resp.allowed !== true) throw denied(String(hook.name ?? ''), resp.status);
        if (seen.object && typeof resp.patch === 'string' && resp.patch !== '') {
          const ops = JSON.parse(Buffer.from(resp.patch, 'base64').toString('utf8')) as Operation[];
          const patched = jsonPatch.applyPatch(clone(seen.object), ops, false, false).newDocument;
          obj =
            version === a.version ? patched : ((await convert(a.def, [patched], a.version))[0] ?? patched);
        }
      }
      return obj;
    },
    async validate(a) {
      const relevant = hooks('validating').flatMap((h) => {
        const version = applies(h, a);
        return version === undefined ? [] : [{ h, version }];
      });
      const answers = await Promise.all(
        relevant.map(async ({ h, version }) => ({
          h,
          resp: await call(h, await inVersion(a, version, convert), a.version),
        })),
      );
      for (const { h, resp } of answers)
        if (resp && resp.allowed !== true) throw denied(String(h.name ?? ''), resp.status);
    },
  };
}
