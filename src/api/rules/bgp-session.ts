// Whether a BgpPeer's session is iBGP depends on two objects: the peer's conf.localAs when it sets
// one, else the AS BgpConf `default` gives the replica (spec.as, or asPerRack for a node in a listed
// rack). gobgp refuses removePrivateAs and replacePeerAs on an iBGP session ("can't set ... for iBGP
// peer"), so the admission checks look across both objects: a BgpPeer that is iBGP everywhere is
// denied, one that is iBGP on some replicas and a BgpConf edit that makes a peer iBGP get warnings.
import { BGPCONF_DEFAULT_NAME } from '../names.ts';
import type { BgpConfLike } from './objects.ts';
import { isRecord, recordAt, show } from './issues.ts';

/** A BgpPeer field gobgp accepts on eBGP sessions only, set on a session that is iBGP. */
export interface IbgpFinding {
  /** `spec.conf.removePrivateAs` or `spec.conf.replacePeerAs` */
  field: string;
  value: unknown;
  /** true: iBGP on every replica (gobgp refuses the peer everywhere) */
  everywhere: boolean;
  /** why the session is iBGP, naming the AS numbers */
  because: string;
  /** the BgpConf field that makes it iBGP; undefined when the peer's own localAs does */
  confField?: 'spec.as' | 'spec.asPerRack';
}

/** The eBGP-only fields a BgpPeer spec sets. */
export function ebgpOnlyFields(spec: unknown): { field: string; value: unknown }[] {
  const conf = recordAt(spec, 'conf');
  if (!conf) return [];
  const out: { field: string; value: unknown }[] = [];
  const rp = conf['removePrivateAs'];
  if (typeof rp === 'string' && rp !== '' && rp.toUpperCase() !== 'NONE')
    out.push({ field: 'spec.conf.removePrivateAs', value: rp });
  if (conf['replacePeerAs'] === true) out.push({ field: 'spec.conf.replacePeerAs', value: true });
  return out;
}

/** True when checking the spec needs BgpConf `default` (eBGP-only fields and no localAs of its own). */
export function needsBgpConf(spec: unknown): boolean {
  const localAs = recordAt(spec, 'conf')?.['localAs'];
  return ebgpOnlyFields(spec).length > 0 && (typeof localAs !== 'number' || localAs === 0);
}

/**
 * The eBGP-only fields of `peerSpec` whose session is iBGP on some or all replicas, given BgpConf
 * `default` (null or undefined: it does not exist or is unknown, so only conf.localAs can decide).
 */
export function ibgpFindings(peerSpec: unknown, bgpConf: BgpConfLike | null | undefined): IbgpFinding[] {
  const fields = ebgpOnlyFields(peerSpec);
  const conf = recordAt(peerSpec, 'conf');
  const peerAs = conf?.['peerAs'];
  if (fields.length === 0 || typeof peerAs !== 'number') return [];
  const localAs = conf?.['localAs'];
  let everywhere: boolean;
  let because: string;
  let confField: IbgpFinding['confField'];
  if (typeof localAs === 'number' && localAs !== 0) {
    if (localAs !== peerAs) return [];
    everywhere = true;
    because = `peerAs ${peerAs} equals spec.conf.localAs ${localAs}`;
  } else {
    const spec =
      bgpConf && bgpConf.metadata.name === BGPCONF_DEFAULT_NAME && isRecord(bgpConf.spec)
        ? bgpConf.spec
        : undefined;
    if (!spec) return [];
    const globalAs = typeof spec['as'] === 'number' ? spec['as'] : undefined;
    const racks = Object.entries(recordAt(spec, 'asPerRack') ?? {}).filter(
      (e): e is [string, number] => typeof e[1] === 'number',
    );
    const hitRacks = racks
      .filter(([, a]) => a === peerAs)
      .map(([r]) => r)
      .sort();
    const rackList = hitRacks.map((r) => show(r)).join(', ');
    const where = `BgpConf "${BGPCONF_DEFAULT_NAME}"`;
    if (globalAs === peerAs) {
      confField = 'spec.as';
      everywhere = hitRacks.length === racks.length;
      because =
        racks.length === 0
          ? `peerAs ${peerAs} equals spec.as ${globalAs} of ${where}`
          : everywhere
            ? `peerAs ${peerAs} equals spec.as of ${where} and the AS of every rack in its asPerRack`
            : `peerAs ${peerAs} equals spec.as of ${where}, the AS of every replica whose node is in no rack of its asPerRack${hitRacks.length ? ` and of rack(s) ${rackList}` : ''}`;
    } else if (hitRacks.length > 0) {
      confField = 'spec.asPerRack';
      everywhere = false;
      because = `peerAs ${peerAs} equals the AS ${where} gives rack(s) ${rackList} in spec.asPerRack`;
    } else {
      return [];
    }
  }
  return fields.map((f) => ({ ...f, everywhere, because, ...(confField ? { confField } : {}) }));
}

function shortName(field: string): string {
  return field.slice(field.lastIndexOf('.') + 1);
}

/** Admission text for a finding on the BgpPeer itself. */
export function peerMessage(f: IbgpFinding): string {
  const name = shortName(f.field);
  return f.everywhere
    ? `Forbidden: ${show(f.value)}: ${name} applies to eBGP sessions only, and this session is iBGP (${f.because}); gobgp refuses the peer. Remove ${name}, or peer with a different AS`
    : `${name} applies to eBGP sessions only; ${f.because}, so on those replicas the session is iBGP and gobgp refuses the peer there (see status.nodesPeerStatus[node].lastError)`;
}

/** Admission text for a finding caused by a BgpConf edit, naming the peer it breaks. */
export function confMessage(peerName: string, f: IbgpFinding): string {
  return `BgpPeer ${show(peerName)} sets ${f.field} (${show(f.value)}), which gobgp accepts on eBGP sessions only; ${f.because}, so that session becomes iBGP and gobgp refuses the peer ${f.everywhere ? 'on every replica' : 'on those replicas'}`;
}
