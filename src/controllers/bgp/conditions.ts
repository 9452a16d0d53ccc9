// status.conditions of BgpConf and BgpPeer: whether the spec is usable (the webhook's own rules, so
// the answer is there even when the webhook is not) and, for BgpConf, that spec.policy is ignored.
// A BgpPeer whose neighbour an earlier BgpPeer already has on nodes both can select is Valid=False,
// reason Conflict (the webhook refuses it; this covers objects stored without it).
//
// Every replica may write them. They are a list, so a merge patch replaces them whole; the content
// is therefore a pure function of the object and the other BgpPeers (spec, generation and the
// conditions already stored: lastTransitionTime is kept while a condition's status stays the same)
// and holds nothing per node.
// Replicas compute the same list, write only when it differs from what the object holds, and
// converge after at most one extra write when two of them race on a transition.
import { isDeepStrictEqual } from 'node:util';
import { BGPCONF_DEFAULT_NAME } from '../../api/names.ts';
import type { BgpConf, BgpPeer } from '../../api/v1alpha2.ts';
import { kubeTime } from '../../core/time.ts';
import { errorMessage, Resources, type ObjectWriter } from '../../kube/index.ts';
import type { Condition } from '../../kube/types.ts';
import type { Logger } from '../../obs/log.ts';
import {
  conflictMessage,
  conflictOf,
  formatIssue,
  validateBgpConf,
  validateBgpPeer,
  type ValidationResult,
} from '../../api/rules/index.ts';

export const CONDITION_VALID = 'Valid';
export const CONDITION_POLICY_IGNORED = 'PolicyIgnored';

/** A condition before its lastTransitionTime is decided. */
export type ConditionContent = Omit<Condition, 'lastTransitionTime' | 'observedGeneration'>;

function validCondition(
  r: ValidationResult,
  ignore: (field: string) => boolean = () => false,
): ConditionContent {
  if (r.errors.length)
    return {
      type: CONDITION_VALID,
      status: 'False',
      reason: 'Invalid',
      message: r.errors.map(formatIssue).join('; '),
    };
  const warnings = r.warnings.filter((w) => !ignore(w.field));
  return {
    type: CONDITION_VALID,
    status: 'True',
    reason: 'Accepted',
    message: warnings.length
      ? `accepted with warnings: ${warnings.map(formatIssue).join('; ')}`
      : 'spec accepted',
  };
}

/** What BgpConf's conditions say, from the object alone. */
export function bgpConfConditionContent(obj: BgpConf): ConditionContent[] {
  const out: ConditionContent[] = [];
  if (obj.metadata.name !== BGPCONF_DEFAULT_NAME) {
    out.push({
      type: CONDITION_VALID,
      status: 'False',
      reason: 'NotDefault',
      message: `only the BgpConf named "${BGPCONF_DEFAULT_NAME}" is used; this object is ignored`,
    });
  } else {
    // the policy warning has its own condition
    out.push(validCondition(validateBgpConf(obj), (f) => f === 'spec.policy'));
  }
  const policy = obj.spec?.policy;
  out.push(
    policy
      ? {
          type: CONDITION_POLICY_IGNORED,
          status: 'True',
          reason: 'PolicyIgnored',
          message: `spec.policy (${policy}) is not applied: openelb-ts installs its own export policy; set communities and local-pref per pool in Eip spec.bgp`,
        }
      : {
          type: CONDITION_POLICY_IGNORED,
          status: 'False',
          reason: 'NoPolicy',
          message: 'spec.policy is not set',
        },
  );
  return out;
}

export const REASON_CONFLICT = 'Conflict';

/** What BgpPeer's conditions say, from the object and (for the neighbour rule) every BgpPeer. */
export function bgpPeerConditionContent(obj: BgpPeer, peers: Iterable<BgpPeer> = []): ConditionContent[] {
  const valid = validCondition(validateBgpPeer(obj));
  const clash = conflictOf(obj, peers);
  if (!clash) return [valid];
  const also = valid.status === 'False' ? `; also ${valid.message}` : '';
  return [
    {
      type: CONDITION_VALID,
      status: 'False',
      reason: REASON_CONFLICT,
      message: `${conflictMessage(clash)}${also}`,
    },
  ];
}

/**
 * The list to store: ours in the given order with lastTransitionTime kept while the status is
 * unchanged (else `now`), followed by conditions of other types as they are.
 */
export function mergeConditions(
  cur: readonly Condition[] | undefined,
  want: readonly ConditionContent[],
  now: string,
  generation?: number,
): Condition[] {
  const old = new Map((cur ?? []).map((c) => [c.type, c]));
  const ours = new Set(want.map((c) => c.type));
  const out: Condition[] = want.map((w) => {
    const prev = old.get(w.type);
    const c: Condition = {
      type: w.type,
      status: w.status,
      reason: w.reason,
      message: w.message,
      lastTransitionTime: prev && prev.status === w.status ? prev.lastTransitionTime : now,
    };
    if (generation !== undefined) c.observedGeneration = generation;
    return c;
  });
  for (const c of cur ?? []) if (!ours.has(c.type)) out.push(c);
  return out;
}

/** Same list, field by field (key order of stored objects may differ from ours). */
export function sameConditions(
  a: readonly Condition[] | undefined,
  b: readonly Condition[] | undefined,
): boolean {
  const norm = (l: readonly Condition[] | undefined) =>
    (l ?? []).map((c) => [
      c.type,
      c.status,
      c.reason,
      c.message,
      c.lastTransitionTime,
      c.observedGeneration ?? null,
    ]);
  return isDeepStrictEqual(norm(a), norm(b));
}

/** The list without times: what two replicas must agree on. */
function contentKey(l: readonly Condition[]): unknown[] {
  return l.map((c) => [c.type, c.status, c.reason, c.message, c.observedGeneration ?? null]);
}

function rfc3339(d: Date): string {
  return kubeTime(d);
}

export type ConditionPatcher = Pick<ObjectWriter, 'mergePatch'>;

const MEMO_MS = 10_000;

/** Writes status.conditions of BgpConf / BgpPeer objects when (and only when) they differ. */
export class BgpConditionsWriter {
  private readonly writer: ConditionPatcher;
  private readonly log: Logger;
  private readonly now: () => Date;
  /**
   * `${kind}/${name}` → content we last wrote and when: the cache may lag our own write for a
   * moment, so the same content is not written again within MEMO_MS (after that the object wins,
   * e.g. when someone cleared the conditions by hand)
   */
  private readonly written = new Map<string, { content: unknown[]; at: number }>();
  writes = 0;

  /** every BgpPeer (the neighbour rule); none = the rule is not applied */
  private readonly peers: () => Iterable<BgpPeer>;

  constructor(
    writer: ConditionPatcher,
    log: Logger,
    now: () => Date = () => new Date(),
    peers: () => Iterable<BgpPeer> = () => [],
  ) {
    this.writer = writer;
    this.log = log;
    this.now = now;
    this.peers = peers;
  }

  async conf(obj: BgpConf): Promise<boolean> {
    return this.sync('BgpConf', obj, bgpConfConditionContent(obj));
  }

  async peer(obj: BgpPeer): Promise<boolean> {
    return this.sync('BgpPeer', obj, bgpPeerConditionContent(obj, this.peers()));
  }

  private async sync(
    kind: 'BgpConf' | 'BgpPeer',
    obj: BgpConf | BgpPeer,
    want: readonly ConditionContent[],
  ): Promise<boolean> {
    if (obj.metadata.deletionTimestamp) return false;
    const key = `${kind}/${obj.metadata.name}`;
    const cur = obj.status?.conditions;
    const next = mergeConditions(cur, want, rfc3339(this.now()), obj.metadata.generation);
    if (sameConditions(cur, next)) {
      this.written.delete(key);
      return false;
    }
    const content = contentKey(next);
    const memo = this.written.get(key);
    if (memo && isDeepStrictEqual(memo.content, content) && this.now().getTime() - memo.at < MEMO_MS)
      return false;
    try {
      await this.writer.mergePatch(
        kind === 'BgpPeer' ? Resources.BgpPeer : Resources.BgpConf,
        { name: obj.metadata.name },
        { status: { conditions: next } },
        { subresource: 'status' },
      );
      this.written.set(key, { content, at: this.now().getTime() });
      this.writes++;
      return true;
    } catch (err) {
      this.written.delete(key);
      this.log.warn('conditions write failed', { object: key, error: errorMessage(err) });
      return false;
    }
  }

  forget(kind: 'BgpConf' | 'BgpPeer', name: string): void {
    this.written.delete(`${kind}/${name}`);
  }
}
