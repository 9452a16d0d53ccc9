// Go-side validation of the other built-in kinds the product and its users write: Leases, Events,
// Secrets, ConfigMaps, webhook configurations, CRD conversion, Nodes, EndpointSlices, Endpoints,
// RBAC and workloads. Field names and reasons as the apiserver reports them.
import { isIPv4, isIPv6 } from 'node:net';
import { deepEqual, isObj, type Obj } from './json.ts';
import {
  asList,
  asObj,
  duplicate,
  forbidden,
  invalid,
  IP_MSG,
  isIp,
  isSubdomain,
  notSupported,
  qualifiedName,
  required,
  validCidr,
} from './rules-meta.ts';
import type { Cause } from './status.ts';

function leaseRules(o: Obj): Cause[] {
  const spec = asObj(o.spec);
  const out: Cause[] = [];
  if (typeof spec.leaseDurationSeconds === 'number' && spec.leaseDurationSeconds <= 0)
    out.push(invalid('spec.leaseDurationSeconds', spec.leaseDurationSeconds, 'must be greater than 0'));
  if (typeof spec.leaseTransitions === 'number' && spec.leaseTransitions < 0)
    out.push(invalid('spec.leaseTransitions', spec.leaseTransitions, 'must be greater than or equal to 0'));
  if (typeof spec.preferredHolder === 'string' && spec.preferredHolder !== '' && !spec.strategy)
    out.push(forbidden('spec.preferredHolder', 'may only be specified if `strategy` is defined'));
  return out;
}

const set = (v: unknown): boolean => v !== undefined && v !== null && v !== '';

/** core/v1 Events: the "legacy" rules (the strict ones apply to events.k8s.io only). */
function coreEventRules(o: Obj): Cause[] {
  const out: Cause[] = [];
  const ns = String(asObj(o.metadata).namespace ?? '');
  const involvedNs = String(asObj(o.involvedObject).namespace ?? '');
  if (!set(o.eventTime)) {
    if (involvedNs === '' ? ns !== '' && ns !== 'default' : ns !== involvedNs)
      out.push(invalid('involvedObject.namespace', involvedNs, 'does not match event.namespace'));
  } else {
    if (involvedNs === '' && ns !== 'default' && ns !== 'kube-system')
      out.push(invalid('involvedObject.namespace', involvedNs, 'does not match event.namespace'));
    out.push(
      ...reportingRules(o, 'reportingComponent', String(o.reportingComponent ?? ''), String(o.message ?? '')),
    );
  }
  return out;
}

function reportingRules(o: Obj, controllerField: string, controller: string, note: string): Cause[] {
  const out: Cause[] = [];
  if (controller === '') out.push(required(controllerField));
  else out.push(...qualifiedName(controllerField, controller));
  const limited = (field: string, v: unknown, limit: number, needed: boolean): void => {
    const s = typeof v === 'string' ? v : '';
    if (needed && s === '') out.push(required(field));
    if (Buffer.byteLength(s) > limit) out.push(invalid(field, '', `can have at most ${limit} characters`));
  };
  limited('reportingInstance', o.reportingInstance, 128, true);
  limited('action', o.action, 128, true);
  limited('reason', o.reason, 128, true);
  limited(controllerField === 'reportingComponent' ? 'message' : 'note', note, 1024, false);
  return out;
}

function eventsV1Rules(o: Obj): Cause[] {
  const out: Cause[] = [];
  if (!set(o.eventTime)) out.push(required('eventTime'));
  if (o.type !== 'Normal' && o.type !== 'Warning')
    out.push(invalid('type', '', `has invalid value: ${String(o.type ?? '')}`));
  for (const f of [
    'deprecatedFirstTimestamp',
    'deprecatedLastTimestamp',
    'deprecatedCount',
    'deprecatedSource',
  ]) {
    if (set(o[f]) && !(isObj(o[f]) && Object.keys(o[f]).length === 0))
      out.push(invalid(f, '', 'needs to be unset'));
  }
  const ns = String(asObj(o.metadata).namespace ?? '');
  if (String(asObj(o.regarding).namespace ?? '') === '' && ns !== 'default' && ns !== 'kube-system')
    out.push(invalid('regarding.namespace', '', 'does not match event.namespace'));
  out.push(
    ...reportingRules(o, 'reportingController', String(o.reportingController ?? ''), String(o.note ?? '')),
  );
  return out;
}

const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;
const MAX_SIZE = 1024 * 1024;

function keyRules(field: string, m: unknown): Cause[] {
  const out: Cause[] = [];
  for (const k of Object.keys(asObj(m))) {
    if (k.length > 253 || !CONFIG_KEY.test(k) || k === '.' || k === '..' || k.startsWith('..')) {
      out.push(
        invalid(
          `${field}[${k}]`,
          k,
          "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
        ),
      );
    }
  }
  return out;
}

function immutableData(o: Obj, old: Obj | undefined, fields: string[]): Cause[] {
  if (!old || old.immutable !== true) return [];
  const out: Cause[] = [];
  if (o.immutable !== true) out.push(forbidden('immutable', 'field is immutable when `immutable` is set'));
  for (const f of fields)
    if (!deepEqual(o[f] ?? {}, old[f] ?? {}))
      out.push(forbidden(f, 'field is immutable when `immutable` is set'));
  return out;
}

function secretRules(o: Obj, old: Obj | undefined): Cause[] {
  const out = keyRules('data', o.data);
  const data = asObj(o.data);
  let size = 0;
  for (const v of Object.values(data)) size += Buffer.byteLength(String(v), 'base64');
  if (size > MAX_SIZE)
    out.push({
      reason: 'FieldValueTooLong',
      field: 'data',
      message: `Too long: may not be more than ${MAX_SIZE} bytes`,
    });
  if (o.type === 'kubernetes.io/tls')
    for (const k of ['tls.crt', 'tls.key']) if (!(k in data)) out.push(required(`data[${k}]`));
  if (o.type === 'kubernetes.io/basic-auth' && !('username' in data) && !('password' in data))
    out.push(required('data[username]'));
  if (old && (old.type ?? 'Opaque') !== (o.type ?? 'Opaque'))
    out.push(invalid('type', o.type, 'field is immutable'));
  out.push(...immutableData(o, old, ['data']));
  return out;
}

function configMapRules(o: Obj, old: Obj | undefined): Cause[] {
  const out = [...keyRules('data', o.data), ...keyRules('binaryData', o.binaryData)];
  const bin = asObj(o.binaryData);
  let size = 0;
  for (const [k, v] of Object.entries(asObj(o.data))) {
    if (k in bin) out.push(invalid(`data[${k}]`, k, 'duplicate of key present in binaryData'));
    size += k.length + String(v).length;
  }
  for (const [k, v] of Object.entries(bin)) size += k.length + Buffer.byteLength(String(v), 'base64');
  if (size > MAX_SIZE)
    out.push({
      reason: 'FieldValueTooLong',
      field: '',
      message: `Too long: may not be more than ${MAX_SIZE} bytes`,
    });
  out.push(...immutableData(o, old, ['data', 'binaryData']));
  return out;
}

/** admissionregistration / apiextensions WebhookClientConfig. */
function clientConfigRules(field: string, cc: unknown): Cause[] {
  const c = asObj(cc);
  const hasUrl = typeof c.url === 'string' && c.url !== '';
  const hasService = isObj(c.service);
  if (hasUrl === hasService) return [required(field, 'exactly one of url or service is required')];
  const out: Cause[] = [];
  if (hasUrl) {
    const url = String(c.url);
    let u: URL | undefined;
    try {
      u = new URL(url);
    } catch {
      out.push(invalid(`${field}.url`, url, 'host must be specified'));
    }
    if (u && u.protocol !== 'https:')
      out.push(invalid(`${field}.url`, url, "'https' is the only allowed URL scheme"));
    if (u && (u.search !== '' || u.hash !== ''))
      out.push(invalid(`${field}.url`, url, 'query parameters and fragments are not allowed'));
  } else {
    const s = asObj(c.service);
    if (!set(s.name)) out.push(required(`${field}.service.name`, 'service name is required'));
    if (!set(s.namespace)) out.push(required(`${field}.service.namespace`, 'service namespace is required'));
    if (typeof s.port === 'number' && (s.port < 1 || s.port > 65535))
      out.push(
        invalid(`${field}.service.port`, s.port, 'port is not valid: must be between 1 and 65535, inclusive'),
      );
    if (typeof s.path === 'string' && s.path !== '' && !s.path.startsWith('/'))
      out.push(invalid(`${field}.service.path`, s.path, "must start with a '/'"));
  }
  return out;
}

const REVIEW_VERSIONS = ['v1', 'v1beta1'];

function reviewVersionRules(field: string, v: unknown): Cause[] {
  const list = Array.isArray(v) ? v.map(String) : [];
  if (list.length === 0) return [required(field, `must specify one of ${REVIEW_VERSIONS.join(', ')}`)];
  if (!list.some((x) => REVIEW_VERSIONS.includes(x)))
    return [invalid(field, list, `must include at least one of ${REVIEW_VERSIONS.join(', ')}`)];
  return [];
}

function webhookConfigRules(o: Obj, mutating: boolean): Cause[] {
  const out: Cause[] = [];
  const names = new Set<string>();
  asList(o.webhooks).forEach((w, i) => {
    const f = `webhooks[${i}]`;
    const name = typeof w.name === 'string' ? w.name : '';
    if (name === '') out.push(required(`${f}.name`));
    else if (!isSubdomain(name))
      out.push(
        invalid(
          `${f}.name`,
          name,
          "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.'",
        ),
      );
    else if (name.split('.').length < 3)
      out.push(
        invalid(`${f}.name`, name, 'should be a domain with at least three segments separated by dots'),
      );
    if (names.has(name)) out.push(duplicate(`${f}.name`, name));
    names.add(name);
    asList(w.rules).forEach((rule, j) => {
      for (const k of ['operations', 'apiGroups', 'apiVersions', 'resources']) {
        if (!Array.isArray(rule[k]) || rule[k].length === 0) out.push(required(`${f}.rules[${j}].${k}`));
      }
    });
    if (!set(w.sideEffects)) out.push(required(`${f}.sideEffects`, 'must specify one of None, NoneOnDryRun'));
    else if (w.sideEffects !== 'None' && w.sideEffects !== 'NoneOnDryRun')
      out.push(notSupported(`${f}.sideEffects`, w.sideEffects, ['None', 'NoneOnDryRun']));
    if (typeof w.timeoutSeconds === 'number' && (w.timeoutSeconds < 1 || w.timeoutSeconds > 30))
      out.push(
        invalid(
          `${f}.timeoutSeconds`,
          w.timeoutSeconds,
          'the timeout value must be between 1 and 30 seconds',
        ),
      );
    out.push(...reviewVersionRules(`${f}.admissionReviewVersions`, w.admissionReviewVersions));
    out.push(...clientConfigRules(`${f}.clientConfig`, w.clientConfig));
    if (
      mutating &&
      set(w.reinvocationPolicy) &&
      w.reinvocationPolicy !== 'Never' &&
      w.reinvocationPolicy !== 'IfNeeded'
    )
      out.push(notSupported(`${f}.reinvocationPolicy`, w.reinvocationPolicy, ['IfNeeded', 'Never']));
  });
  return out;
}

function crdConversionRules(o: Obj): Cause[] {
  const conv = asObj(asObj(o.spec).conversion);
  if (conv.strategy !== 'Webhook') return [];
  if (!isObj(conv.webhook))
    return [required('spec.conversion.webhook', 'webhook must be specified when strategy is Webhook')];
  return [
    ...reviewVersionRules(
      'spec.conversion.webhook.conversionReviewVersions',
      conv.webhook.conversionReviewVersions,
    ),
    ...clientConfigRules('spec.conversion.webhook.clientConfig', conv.webhook.clientConfig),
  ];
}

function nodeRules(o: Obj): Cause[] {
  const spec = asObj(o.spec);
  const out: Cause[] = [];
  const cidrs = Array.isArray(spec.podCIDRs) ? spec.podCIDRs : [];
  cidrs.forEach((c, i) => {
    if (typeof c === 'string' && !validCidr(c))
      out.push(
        invalid(`spec.podCIDRs[${i}]`, c, 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)'),
      );
  });
  if (
    typeof spec.podCIDR === 'string' &&
    spec.podCIDR !== '' &&
    cidrs[0] !== undefined &&
    cidrs[0] !== spec.podCIDR
  ) {
    out.push(invalid('spec.podCIDRs', cidrs, 'must match spec.podCIDR'));
  }
  const seen = new Set<string>();
  asList(spec.taints).forEach((t, i) => {
    out.push(...qualifiedName(`spec.taints[${i}].key`, String(t.key ?? '')));
    const k = `${String(t.key)}:${String(t.effect)}`;
    if (seen.has(k)) out.push(duplicate(`spec.taints[${i}]`, { key: t.key, effect: t.effect }));
    seen.add(k);
  });
  return out;
}

function endpointSliceRules(o: Obj): Cause[] {
  const out: Cause[] = [];
  const family = o.addressType;
  asList(o.endpoints).forEach((e, i) => {
    const addrs = Array.isArray(e.addresses) ? e.addresses : [];
    if (addrs.length === 0)
      out.push(required(`endpoints[${i}].addresses`, 'must contain at least 1 address'));
    if (addrs.length > 100)
      out.push({
        reason: 'FieldValueTooMany',
        field: `endpoints[${i}].addresses`,
        message: `Too many: ${addrs.length}: must have at most 100 items`,
      });
    addrs.forEach((a, j) => {
      const s = String(a);
      const f = `endpoints[${i}].addresses[${j}]`;
      if (family === 'IPv4' && !isIPv4(s)) out.push(invalid(f, s, 'must be a valid IPv4 address'));
      if (family === 'IPv6' && !isIPv6(s)) out.push(invalid(f, s, 'must be a valid IPv6 address'));
      if (family === 'FQDN' && !isSubdomain(s)) out.push(invalid(f, s, 'must be a valid DNS subdomain'));
    });
  });
  asList(o.ports).forEach((p, i) => {
    if (typeof p.port === 'number' && (p.port < 1 || p.port > 65535))
      out.push(invalid(`ports[${i}].port`, p.port, 'must be between 1 and 65535, inclusive'));
  });
  return out;
}

function endpointsRules(o: Obj): Cause[] {
  const out: Cause[] = [];
  asList(o.subsets).forEach((s, i) => {
    for (const k of ['addresses', 'notReadyAddresses']) {
      asList(s[k]).forEach((a, j) => {
        if (!isIp(String(a.ip ?? ''))) out.push(invalid(`subsets[${i}].${k}[${j}].ip`, a.ip ?? '', IP_MSG));
      });
    }
    const ports = asList(s.ports);
    ports.forEach((p, j) => {
      if (ports.length > 1 && !set(p.name)) out.push(required(`subsets[${i}].ports[${j}].name`));
      if (typeof p.port === 'number' && (p.port < 1 || p.port > 65535))
        out.push(invalid(`subsets[${i}].ports[${j}].port`, p.port, 'must be between 1 and 65535, inclusive'));
    });
  });
  return out;
}

function rbacRules(o: Obj, kind: string, old: Obj | undefined): Cause[] {
  const out: Cause[] = [];
  if (kind === 'Role' || kind === 'ClusterRole') {
    asList(o.rules).forEach((r, i) => {
      if (!Array.isArray(r.verbs) || r.verbs.length === 0)
        out.push(required(`rules[${i}].verbs`, 'verbs must contain at least one value'));
      const resourceRule = Array.isArray(r.resources) && r.resources.length > 0;
      if (resourceRule && (!Array.isArray(r.apiGroups) || r.apiGroups.length === 0))
        out.push(required(`rules[${i}].apiGroups`, 'resource rules must supply at least one api group'));
      if (Array.isArray(r.nonResourceURLs) && r.nonResourceURLs.length > 0 && kind === 'Role')
        out.push(
          invalid(
            `rules[${i}].nonResourceURLs`,
            r.nonResourceURLs,
            'namespaced rules cannot apply to non-resource URLs',
          ),
        );
    });
    return out;
  }
  const ref = asObj(o.roleRef);
  const kinds = kind === 'RoleBinding' ? ['Role', 'ClusterRole'] : ['ClusterRole'];
  if (!kinds.includes(String(ref.kind))) out.push(notSupported('roleRef.kind', ref.kind ?? '', kinds));
  if (ref.apiGroup !== 'rbac.authorization.k8s.io')
    out.push(notSupported('roleRef.apiGroup', ref.apiGroup ?? '', ['rbac.authorization.k8s.io']));
  if (!set(ref.name)) out.push(required('roleRef.name'));
  if (old && !deepEqual(old.roleRef, o.roleRef))
    out.push(invalid('roleRef', o.roleRef, 'cannot change roleRef'));
  asList(o.subjects).forEach((s, i) => {
    if (!['ServiceAccount', 'User', 'Group'].includes(String(s.kind)))
      out.push(notSupported(`subjects[${i}].kind`, s.kind ?? '', ['ServiceAccount', 'User', 'Group']));
    if (!set(s.name)) out.push(required(`subjects[${i}].name`));
    if (s.kind === 'ServiceAccount' && !set(s.namespace) && kind === 'ClusterRoleBinding')
      out.push(required(`subjects[${i}].namespace`));
  });
  return out;
}

function selectorMatchesTemplate(o: Obj): Cause[] {
  const spec = asObj(o.spec);
  if (!isObj(spec.selector)) return [required('spec.selector')];
  const labels = asObj(asObj(asObj(spec.template).metadata).labels);
  const want = asObj(spec.selector.matchLabels);
  const ok = Object.entries(want).every(([k, v]) => labels[k] === v);
  const out: Cause[] = [];
  if (!ok)
    out.push(invalid('spec.template.metadata.labels', labels, '`selector` does not match template `labels`'));
  if (asList(asObj(asObj(spec.template).spec).containers).length === 0)
    out.push(required('spec.template.spec.containers'));
  return out;
}

/** Go-side rules of built-in kinds other than Service (see rules-service.ts). */
export function kindRules(group: string, kind: string, o: Obj, old: Obj | undefined): Cause[] {
  switch (`${group}/${kind}`) {
    case 'coordination.k8s.io/Lease':
      return leaseRules(o);
    case '/Event':
      return coreEventRules(o);
    case 'events.k8s.io/Event':
      return old ? [] : eventsV1Rules(o);
    case '/Secret':
      return secretRules(o, old);
    case '/ConfigMap':
      return configMapRules(o, old);
    case 'admissionregistration.k8s.io/ValidatingWebhookConfiguration':
      return webhookConfigRules(o, false);
    case 'admissionregistration.k8s.io/MutatingWebhookConfiguration':
      return webhookConfigRules(o, true);
    case 'apiextensions.k8s.io/CustomResourceDefinition':
      return crdConversionRules(o);
    case '/Node':
      return nodeRules(o);
    case 'discovery.k8s.io/EndpointSlice':
      return endpointSliceRules(o);
    case '/Endpoints':
      return endpointsRules(o);
    case 'rbac.authorization.k8s.io/Role':
    case 'rbac.authorization.k8s.io/ClusterRole':
    case 'rbac.authorization.k8s.io/RoleBinding':
    case 'rbac.authorization.k8s.io/ClusterRoleBinding':
      return rbacRules(o, kind, old);
    case 'apps/Deployment':
    case 'apps/DaemonSet':
      return selectorMatchesTemplate(o);
    case '/Pod':
      return asList(asObj(o.spec).containers).length === 0 ? [required('spec.containers')] : [];
    default:
      return [];
  }
}
