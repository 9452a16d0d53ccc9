// Eip spec.bgp (openelb-ts addition): communities, large communities and local-pref of the routes
// of a bgp pool. Parsed with the same functions the BGP sink uses, so what passes here is sendable.
import { BgpValidationError, parseCommunity, parseLargeCommunity } from '../../bgp/validate.ts';
import { Issues, intInRange, isRecord, show } from './issues.ts';

function strings(
  issues: Issues,
  field: string,
  v: unknown,
  parse: (s: string) => unknown,
  what: string,
): void {
  if (v === undefined || v === null) return;
  if (!Array.isArray(v)) {
    issues.error(field, `Invalid value: ${show(v)}: must be a list of ${what}`);
    return;
  }
  v.forEach((item, i) => {
    const f = `${field}[${i}]`;
    if (typeof item !== 'string') {
      issues.error(f, `Invalid value: ${show(item)}: must be a string`);
      return;
    }
    try {
      parse(item);
    } catch (e) {
      if (!(e instanceof BgpValidationError)) throw e;
      issues.error(f, `Invalid value: ${show(item)}: ${e.message.replace(/ \(.*\)$/, '')}`);
    }
  });
}

export function parseBgpAttributes(issues: Issues, spec: Record<string, unknown>, protocol: string): void {
  const bgp = spec['bgp'];
  if (bgp === undefined || bgp === null) return;
  if (!isRecord(bgp)) {
    issues.error('spec.bgp', `Invalid value: ${show(bgp)}: must be an object`);
    return;
  }
  if (protocol !== 'bgp' && Object.keys(bgp).length > 0)
    issues.warn('spec.bgp', `ignored for ${protocol} pools`);
  strings(
    issues,
    'spec.bgp.communities',
    bgp['communities'],
    (s) => parseCommunity(s),
    'communities ("asn:value" or a well-known name)',
  );
  strings(
    issues,
    'spec.bgp.largeCommunities',
    bgp['largeCommunities'],
    (s) => parseLargeCommunity(s),
    'large communities ("a:b:c")',
  );
  intInRange(issues, 'spec.bgp.localPref', bgp['localPref'], 0, 0xffffffff);
}
