// BgpPeer spec.afiSafis: IPv4 and IPv6 unicast only, each at most once; add-path is not needed.
import { Issues, isRecord, recordAt, show } from './issues.ts';

const SUPPORTED_FAMILIES = new Set(['AFI_IP/SAFI_UNICAST', 'AFI_IP6/SAFI_UNICAST']);

export function checkAfiSafis(issues: Issues, spec: Record<string, unknown>): void {
  const list = spec['afiSafis'];
  if (list === undefined || list === null) return;
  if (!Array.isArray(list)) {
    issues.error('spec.afiSafis', `Invalid value: ${show(list)}: must be a list`);
    return;
  }
  const seen = new Map<string, number>();
  list.forEach((item, i) => {
    const f = `spec.afiSafis[${i}]`;
    const family = recordAt(recordAt(item, 'config'), 'family');
    if (isRecord(item) && item['addPaths'] !== undefined)
      issues.warn(
        `${f}.addPaths`,
        'ignored: each replica announces one path with itself as next hop, so no add-path is needed',
      );
    if (!family) return; // the family of neighborAddress
    const key = `${String(family['afi'])}/${String(family['safi'])}`;
    if (!SUPPORTED_FAMILIES.has(key)) {
      issues.error(
        `${f}.config.family`,
        `Unsupported value: {afi: ${show(family['afi'])}, safi: ${show(family['safi'])}}: supported: AFI_IP or AFI_IP6 with SAFI_UNICAST`,
      );
      return;
    }
    const prev = seen.get(key);
    if (prev !== undefined)
      issues.error(
        `${f}.config.family`,
        `Duplicate value: ${key} is already listed at spec.afiSafis[${prev}]`,
      );
    else seen.set(key, i);
  });
}
