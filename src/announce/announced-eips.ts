// The Eip versions the speakers announce from. Without the webhook an Eip can be stored with a
// protocol, interface or spec.bgp the admission rules refuse; announcing from it would withdraw or
// change the routes of every Service on the pool ("vip" is never announced, a community the BGP
// sink refuses drops the path). As for BgpConf and BgpPeer, the last version whose fields passed
// stays in force for those fields; status.used (what is allocated) is always the newest. A pool
// that never passed in this process is not announced until it is fixed. The Eip's Valid condition
// (the Eip controller) says what is wrong.
import type { Eip, EipSpec } from '../api/v1alpha2.ts';
import { logger } from '../obs/log.ts';
import { formatIssue, validateEip } from '../api/rules/index.ts';

const log = logger('announce');

type SpeakerFields = Pick<EipSpec, 'protocol' | 'interface' | 'bgp'>;

const SPEAKER_FIELDS = ['spec.protocol', 'spec.interface', 'spec.bgp'];

/** Errors of the admission rules on the fields the speakers read ('' when there are none). */
export function speakerFieldErrors(eip: Eip): string {
  const r = validateEip({ metadata: { name: eip.metadata.name }, spec: eip.spec }, { others: [] });
  return r.errors
    .filter((e) =>
      SPEAKER_FIELDS.some((f) => e.field === f || e.field.startsWith(`${f}.`) || e.field.startsWith(`${f}[`)),
    )
    .map(formatIssue)
    .join('; ');
}

function speakerFields(spec: EipSpec): SpeakerFields {
  const out: SpeakerFields = {};
  if (spec.protocol !== undefined) out.protocol = spec.protocol;
  if (spec.interface !== undefined) out.interface = spec.interface;
  if (spec.bgp !== undefined) out.bgp = spec.bgp;
  return out;
}

export class AnnouncedEips {
  /** by uid: the speaker fields of the newest version that passed */
  readonly #lastGood = new Map<string, SpeakerFields>();
  /** per cached object (replaced, never mutated, on change): what to announce from, null = nothing */
  readonly #chosen = new WeakMap<Eip, Eip | null>();

  /** The Eips to announce from, in the order given. */
  select(eips: readonly Eip[]): Eip[] {
    const live = new Set<string>();
    const out: Eip[] = [];
    for (const eip of eips) {
      const uid = eip.metadata.uid ?? eip.metadata.name;
      live.add(uid);
      let chosen = this.#chosen.get(eip);
      if (chosen === undefined) {
        chosen = this.#choose(eip, uid);
        this.#chosen.set(eip, chosen);
      }
      if (chosen) out.push(chosen);
    }
    for (const uid of this.#lastGood.keys()) if (!live.has(uid)) this.#lastGood.delete(uid);
    return out;
  }

  #choose(eip: Eip, uid: string): Eip | null {
    const errors = speakerFieldErrors(eip);
    if (errors === '') {
      this.#lastGood.set(uid, speakerFields(eip.spec));
      return eip;
    }
    const good = this.#lastGood.get(uid);
    const name = eip.metadata.name;
    if (!good) {
      log.warn('Eip not announced: invalid and no earlier valid version is known', {
        object: `Eip/${name}`,
        reason: errors,
      });
      return null;
    }
    log.warn('Eip change not announced: the last valid protocol, interface and spec.bgp stay in force', {
      object: `Eip/${name}`,
      reason: errors,
    });
    const spec: EipSpec = { ...eip.spec };
    delete spec.protocol;
    delete spec.interface;
    delete spec.bgp;
    return { ...eip, spec: { ...spec, ...good } };
  }
}
