// Service validation the apiserver does in Go (beyond what the OpenAPI schema says): ports,
// type-dependent fields, immutable clusterIP and loadBalancerClass, and the load-balancer status.
import {
  asList,
  asObj,
  conditionRules,
  forbidden,
  invalid,
  IP_MSG,
  isIp,
  isSubdomain,
  notSupported,
  qualifiedName,
  required,
  duplicate,
} from './rules-meta.ts';
import type { Obj } from './json.ts';
import type { Cause } from './status.ts';

const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const IANA_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const IP_MODES = ['VIP', 'Proxy'];

function externallyAccessible(spec: Obj): boolean {
  return (
    spec.type === 'LoadBalancer' ||
    spec.type === 'NodePort' ||
    (spec.type === 'ClusterIP' && Array.isArray(spec.externalIPs) && spec.externalIPs.length > 0)
  );
}

function portRange(field: string, v: unknown): Cause[] {
  return typeof v === 'number' && (v < 1 || v > 65535)
    ? [invalid(field, v, 'must be between 1 and 65535, inclusive')]
    : [];
}

function portRules(spec: Obj): Cause[] {
  const out: Cause[] = [];
  const ports = asList(spec.ports);
  const headless = spec.clusterIP === 'None';
  if (ports.length === 0 && spec.type !== 'ExternalName' && !headless) out.push(required('spec.ports'));
  const names = new Set<string>();
  const keys = new Set<string>();
  ports.forEach((p, i) => {
    const f = `spec.ports[${i}]`;
    const name = typeof p.name === 'string' ? p.name : '';
    if (ports.length > 1 && name === '') out.push(required(`${f}.name`));
    if (name !== '') {
      if (!LABEL.test(name) || name.length > 63)
        out.push(
          invalid(
            `${f}.name`,
            name,
            "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
          ),
        );
      if (names.has(name)) out.push(duplicate(`${f}.name`, name));
      names.add(name);
    }
    out.push(...portRange(`${f}.port`, p.port ?? 0));
    if (typeof p.targetPort === 'number') {
      if (p.targetPort !== 0) out.push(...portRange(`${f}.targetPort`, p.targetPort));
    } else if (
      typeof p.targetPort === 'string' &&
      !(p.targetPort.length <= 15 && IANA_NAME.test(p.targetPort) && /[a-z]/.test(p.targetPort))
    ) {
      out.push(
        invalid(
          `${f}.targetPort`,
          p.targetPort,
          'must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)',
        ),
      );
    }
    if (p.nodePort !== undefined && p.nodePort !== 0) {
      if (spec.type === 'ClusterIP' || spec.type === 'ExternalName')
        out.push(forbidden(`${f}.nodePort`, `may not be used when \`type\` is '${String(spec.type)}'`));
      else out.push(...portRange(`${f}.nodePort`, p.nodePort));
    }
    const key = `${String(p.port)}/${String(p.protocol ?? 'TCP')}`;
    if (keys.has(key)) out.push(duplicate(f, { port: p.port, protocol: p.protocol ?? 'TCP' }));
    keys.add(key);
  });
  return out;
}

function specRules(spec: Obj): Cause[] {
  const out = portRules(spec);
  const type = spec.type;
  if (type === 'ExternalName') {
    if (spec.clusterIP !== undefined && spec.clusterIP !== '')
      out.push(forbidden('spec.clusterIPs', 'may not be set for ExternalName services'));
    const en = typeof spec.externalName === 'string' ? spec.externalName.replace(/\.$/, '') : '';
    if (en === '') out.push(required('spec.externalName'));
    else if (!isSubdomain(en))
      out.push(invalid('spec.externalName', spec.externalName, 'must be a valid DNS subdomain'));
  } else if (
    typeof spec.clusterIP === 'string' &&
    spec.clusterIP !== '' &&
    spec.clusterIP !== 'None' &&
    !isIp(spec.clusterIP)
  ) {
    out.push(invalid('spec.clusterIPs[0]', spec.clusterIP, IP_MSG));
  }
  if (spec.loadBalancerClass !== undefined && spec.loadBalancerClass !== null) {
    if (type !== 'LoadBalancer')
      out.push(forbidden('spec.loadBalancerClass', "may only be used when `type` is 'LoadBalancer'"));
    else out.push(...qualifiedName('spec.loadBalancerClass', String(spec.loadBalancerClass)));
  }
  if (
    spec.allocateLoadBalancerNodePorts !== undefined &&
    spec.allocateLoadBalancerNodePorts !== null &&
    type !== 'LoadBalancer'
  ) {
    out.push(
      forbidden('spec.allocateLoadBalancerNodePorts', "may only be used when `type` is 'LoadBalancer'"),
    );
  }
  if (
    typeof spec.externalTrafficPolicy === 'string' &&
    spec.externalTrafficPolicy !== '' &&
    !externallyAccessible(spec)
  ) {
    out.push(
      invalid(
        'spec.externalTrafficPolicy',
        spec.externalTrafficPolicy,
        'may only be set for externally-accessible services',
      ),
    );
  }
  for (const [i, ip] of (Array.isArray(spec.externalIPs) ? spec.externalIPs : []).entries()) {
    if (typeof ip === 'string' && !isIp(ip)) out.push(invalid(`spec.externalIPs[${i}]`, ip, IP_MSG));
  }
  return out;
}

function updateRules(spec: Obj, oldSpec: Obj): Cause[] {
  const out: Cause[] = [];
  const bothHaveIps = spec.type !== 'ExternalName' && oldSpec.type !== 'ExternalName';
  if (
    bothHaveIps &&
    typeof oldSpec.clusterIP === 'string' &&
    oldSpec.clusterIP !== '' &&
    spec.clusterIP !== oldSpec.clusterIP
  ) {
    out.push(invalid('spec.clusterIPs[0]', spec.clusterIP ?? '', 'may not change once set'));
  }
  if (
    spec.type === 'LoadBalancer' &&
    oldSpec.type === 'LoadBalancer' &&
    (spec.loadBalancerClass ?? null) !== (oldSpec.loadBalancerClass ?? null)
  ) {
    out.push(invalid('spec.loadBalancerClass', spec.loadBalancerClass ?? null, 'may not change once set'));
  }
  return out;
}

/** status.loadBalancer as ValidateLoadBalancerStatus sees it (ipMode already defaulted to VIP). */
export function loadBalancerStatusRules(svc: Obj): Cause[] {
  const out: Cause[] = [];
  const ingress = asList(asObj(asObj(svc.status).loadBalancer).ingress);
  if (ingress.length > 0 && asObj(svc.spec).type !== 'LoadBalancer') {
    return [forbidden('status.loadBalancer.ingress', "may only be used when `spec.type` is 'LoadBalancer'")];
  }
  ingress.forEach((ing, i) => {
    const f = `status.loadBalancer.ingress[${i}]`;
    const ip = typeof ing.ip === 'string' ? ing.ip : '';
    if (ip !== '' && !isIp(ip)) out.push(invalid(`${f}.ip`, ip, IP_MSG));
    if (ing.ipMode !== undefined && ing.ipMode !== null) {
      if (ip === '') out.push(forbidden(`${f}.ipMode`, 'may not be specified when `ip` is not set'));
      else if (!IP_MODES.includes(String(ing.ipMode)))
        out.push(notSupported(`${f}.ipMode`, ing.ipMode, IP_MODES));
    } else if (ip !== '') out.push(required(`${f}.ipMode`, 'must be specified when `ip` is set'));
    if (typeof ing.hostname === 'string' && ing.hostname !== '') {
      if (!isSubdomain(ing.hostname))
        out.push(invalid(`${f}.hostname`, ing.hostname, 'must be a valid DNS subdomain'));
      if (isIp(ing.hostname))
        out.push(invalid(`${f}.hostname`, ing.hostname, 'must be a DNS name, not an IP address'));
    }
  });
  return out;
}

export function serviceRules(svc: Obj, old: Obj | undefined, statusWrite: boolean): Cause[] {
  if (statusWrite)
    return [
      ...loadBalancerStatusRules(svc),
      ...conditionRules('status.conditions', asObj(svc.status).conditions),
    ];
  const spec = asObj(svc.spec);
  const out = specRules(spec);
  if (old) out.push(...updateRules(spec, asObj(old.spec)));
  return out;
}
