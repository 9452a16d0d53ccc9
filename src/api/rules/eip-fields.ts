// Eip fields checked on their own: protocol (no keepalived "vip" mode) and the namespaces a pool serves.
import { Issues, isDnsLabel, isRecord, show } from './issues.ts';

export function checkProtocol(issues: Issues, spec: Record<string, unknown>): string {
  const p = spec['protocol'];
  if (p === undefined || p === null || p === '') return 'bgp';
  if (p === 'bgp' || p === 'layer2') return p;
  if (p === 'vip') {
    issues.error(
      'spec.protocol',
      'Unsupported value: "vip": openelb-ts has no keepalived VIP mode; use "layer2" (one replica answers ARP/NDP per address, with failover) or "bgp"',
    );
    return 'vip';
  }
  issues.error('spec.protocol', `Unsupported value: ${show(p)}: supported values: "bgp", "layer2"`);
  return String(p);
}

export function checkNamespaces(issues: Issues, spec: Record<string, unknown>): void {
  const ns = spec['namespaces'];
  if (Array.isArray(ns)) {
    ns.forEach((n, i) => {
      if (typeof n !== 'string' || !isDnsLabel(n))
        issues.error(`spec.namespaces[${i}]`, `Invalid value: ${show(n)}: not a namespace name`);
    });
  }
  const sel = spec['namespaceSelector'];
  if (isRecord(sel)) {
    for (const [k, v] of Object.entries(sel)) {
      if (typeof v !== 'string')
        issues.error(`spec.namespaceSelector[${k}]`, `Invalid value: ${show(v)}: must be a string`);
    }
  }
}
