// How the claims travel in a replica's Lease: one annotation with a comma-separated, sorted list of
// canonical IPs. The Lease I/O (src/kube) reads and writes it; this file only defines the format.
import { canonicalIp } from '../../net/ip.ts';

export const CLAIMS_ANNOTATION = 'layer2.openelb.kubesphere.io/claims';
/** Suggested Lease name for a replica: one per node, in the manager's namespace. */
export function replicaLeaseName(node: string): string {
  return `openelb-layer2-${node}`;
}

export function encodeClaims(ips: Iterable<string>): string {
  return [...new Set(ips)].sort().join(',');
}

/** Parses the annotation; entries that are not IPs are skipped (reported in `invalid`). */
export function decodeClaims(value: string | undefined): { claims: string[]; invalid: string[] } {
  const claims: string[] = [];
  const invalid: string[] = [];
  for (const part of (value ?? '').split(',')) {
    const t = part.trim();
    if (t === '') continue;
    const c = canonicalIp(t);
    if (c === undefined) invalid.push(t);
    else claims.push(c);
  }
  return { claims: [...new Set(claims)].sort(), invalid };
}
