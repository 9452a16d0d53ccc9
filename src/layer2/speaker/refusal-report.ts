// Tells people about refused Layer 2 addresses: a Warning Event `Layer2Conflict` on the Service(s) and
// the Eip when a refusal starts (the recorder folds repeats into one Event's count), a Normal Event
// `Layer2ConflictResolved` when the address is answered again, and the Eip condition `Layer2Conflict`
// (refusal-condition.ts), written by a debounced, level-triggered pass over the Eips.
import type { Eip } from '../../api/v1alpha2.ts';
import type { Clock } from '../../core/clock.ts';
import { kubeTime } from '../../core/time.ts';
import { Timer } from '../../core/timer.ts';
import {
  errorMessage,
  type EventRecorder,
  type KubeObject,
  type ObjectWriter,
  Resources,
} from '../../kube/index.ts';
import type { Condition } from '../../kube/types.ts';
import type { Logger } from '../../obs/log.ts';
import { canonicalIp } from '../../net/ip.ts';
import type { Refusal } from '../guard/types.ts';
import type { Layer2Target } from './desired.ts';
import { LAYER2_CONFLICT, nextConflictCondition, refusalEntry } from './refusal-condition.ts';

/** What the reporter reads from the speaker. */
export interface HoldingsView {
  readonly answering: readonly string[];
  readonly targets: ReadonlyMap<string, Layer2Target>;
  refusals(): ReadonlyMap<string, Refusal>;
}

export interface RefusalReporterOptions {
  readonly node: string;
  readonly speaker: HoldingsView;
  readonly eips: () => Iterable<Eip>;
  readonly writer: ObjectWriter;
  readonly events: EventRecorder;
  readonly log: Logger;
  /** Coalescing delay of the condition pass (default 100 ms). */
  readonly debounceMs?: number;
  /** Default: the process clock. */
  readonly clock?: Clock;
}

const EIP_API_VERSION = 'network.kubesphere.io/v1alpha2';

function asEvented(o: KubeObject, apiVersion: string, kind: string): KubeObject {
  return { ...o, apiVersion: o.apiVersion ?? apiVersion, kind: o.kind ?? kind };
}

export class RefusalReporter {
  readonly #opts: RefusalReporterOptions;
  /** The coalesced condition pass poke() asked for. */
  readonly #passTimer: Timer;
  #running: Promise<void> | undefined;
  #passAgain = false;
  #stopped = false;

  constructor(o: RefusalReporterOptions) {
    this.#opts = o;
    this.#passTimer = new Timer(() => this.#runPass(), { clock: o.clock });
  }

  refused(target: Layer2Target | undefined, r: Refusal): void {
    const { node, events } = this.#opts;
    const why =
      r.cause === 'conflict'
        ? `${r.detail}; probing again with backoff, answered only once no other host answers`
        : `${r.detail}; never answered while that holds`;
    const msg = `node ${node} refuses ${r.ip} and does not answer ARP/NDP for it: ${why}`;
    for (const svc of target?.services ?? [])
      events.event(asEvented(svc, 'v1', 'Service'), 'Warning', LAYER2_CONFLICT, msg);
    const eip = this.#eip(target?.eip);
    if (eip !== undefined)
      events.event(asEvented(eip, EIP_API_VERSION, 'Eip'), 'Warning', LAYER2_CONFLICT, msg);
    this.poke();
  }

  resolved(target: Layer2Target | undefined, ip: string): void {
    const msg = `node ${this.#opts.node} answers ${ip} again: no other host answered its probe`;
    for (const svc of target?.services ?? [])
      this.#opts.events.event(asEvented(svc, 'v1', 'Service'), 'Normal', 'Layer2ConflictResolved', msg);
    const eip = this.#eip(target?.eip);
    if (eip !== undefined)
      this.#opts.events.event(
        asEvented(eip, EIP_API_VERSION, 'Eip'),
        'Normal',
        'Layer2ConflictResolved',
        msg,
      );
    this.poke();
  }

  /** Something changed (holdings, Eips): run a condition pass soon. */
  poke(): void {
    if (this.#stopped || this.#passTimer.pending) return;
    this.#passTimer.restart(this.#opts.debounceMs ?? 100);
  }

  /** Runs a condition pass now and waits for it (and for one queued behind it). */
  async flush(): Promise<void> {
    this.#passTimer.cancel();
    this.#runPass();
    while (this.#running !== undefined) await this.#running;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#passTimer.cancel();
    await this.#running;
  }

  #eip(name: string | undefined): Eip | undefined {
    if (name === undefined) return undefined;
    for (const e of this.#opts.eips()) if (e.metadata.name === name) return e;
    return undefined;
  }

  /** A condition pass now, or right after the one under way. */
  #runPass(): void {
    if (this.#stopped) return;
    if (this.#running !== undefined) {
      this.#passAgain = true;
      return;
    }
    this.#running = this.#pass().finally(() => {
      this.#running = undefined;
      if (this.#passAgain) {
        this.#passAgain = false;
        this.#runPass();
      }
    });
  }

  /** Per Eip: entries for the addresses we hold (refused → entry, answered → none; probing → no verdict). */
  #mine(): Map<string, Map<string, string | null>> {
    const { speaker, node } = this.#opts;
    const out = new Map<string, Map<string, string | null>>();
    const put = (ip: string, v: string | null): void => {
      const eip = speaker.targets.get(ip)?.eip;
      if (eip === undefined) return;
      const m = out.get(eip) ?? new Map<string, string | null>();
      m.set(ip, v);
      out.set(eip, m);
    };
    for (const ip of speaker.answering) put(ip, null);
    for (const [ip, r] of speaker.refusals()) put(ip, refusalEntry(r, node));
    return out;
  }

  async #pass(): Promise<void> {
    const mine = this.#mine();
    for (const eip of this.#opts.eips()) {
      if (this.#stopped) return;
      const name = eip.metadata.name;
      const own = mine.get(name) ?? new Map<string, string | null>();
      const current = eip.status?.conditions?.find((c) => c.type === LAYER2_CONFLICT);
      if (current === undefined && own.size === 0) continue;
      if (nextConflictCondition(current, own, allocatedIn(eip)) === undefined) continue;
      try {
        await this.#opts.writer.updateStatus<Eip>(Resources.Eip, { name }, (cur) => {
          const conds = cur.status?.conditions ?? [];
          const have = conds.find((c) => c.type === LAYER2_CONFLICT);
          const want = nextConflictCondition(have, own, allocatedIn(cur));
          if (want === undefined) return undefined;
          const lastTransitionTime =
            have !== undefined && have.status === want.status ? have.lastTransitionTime : kubeTime();
          const next: Condition = { ...want, lastTransitionTime };
          return { conditions: [...conds.filter((c) => c.type !== LAYER2_CONFLICT), next] };
        });
      } catch (e) {
        this.#opts.log.warn(
          'layer2: could not write the Layer2Conflict condition of an Eip; retrying on the next change',
          { eip: name, error: errorMessage(e) },
        );
      }
    }
  }
}

function allocatedIn(eip: Eip): (ip: string) => boolean {
  const used = new Set(Object.keys(eip.status?.used ?? {}).map((ip) => canonicalIp(ip) ?? ip));
  return (ip) => used.has(canonicalIp(ip) ?? ip);
}
