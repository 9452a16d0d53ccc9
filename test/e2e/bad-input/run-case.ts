// One bad-input case against the running lab: apply the invalid value (an edit of a baseline object or
// a new object), judge what the API server, the webhook and the manager did with it, check that
// nothing else changed, then revert or delete and check again.
import { readFileSync, statSync } from 'node:fs';
import { ANNOTATION_EIP_IP } from '../../../src/api/names.ts';
import { sleep, waitFor, type Lab } from '../../lab/index.ts';
import { getJson, kubectlOk } from '../bgp-lab.ts';
import { BASE, type CaseDraft, type Kind, type Obj } from './cases.ts';
import { checkUndisturbed, type Baseline } from './invariants.ts';
import type { WebhookSwitch } from './webhook-switch.ts';

export type Verdict =
  /** the API server's schema refused it (nothing stored) */
  | 'refused-by-api'
  /** the admission webhook denied it naming the field (nothing stored) */
  | 'denied-by-webhook'
  /** stored; the manager reports it invalid and applies nothing */
  | 'stored-invalid'
  /** stored while the webhook was off, then an unrelated edit let through by the ratchet with a warning */
  | 'ratchet'
  /** Service: a Warning Event, no address */
  | 'service-warned'
  /** Service: not ours, no address */
  | 'service-ignored'
  /** Service edit: kept its address */
  | 'service-kept';

export interface PhaseContext {
  lab: Lab;
  phase: 'off' | 'on';
  base: Baseline;
  /** baseline manifests by `Kind/name` */
  manifests: Map<string, Obj>;
  /** the address each baseline Service holds (for "an address another Service holds") */
  takenFor: { newService: string; editService: string };
  webhook: WebhookSwitch;
  /** Events already seen (`name/count`), so each case finds its own */
  seenEvents: Set<string>;
  /** Phase "on": what phase "off" did with the same draw (same seed), by case number */
  offVerdicts?: readonly Verdict[];
}

const API_VERSION = 'network.kubesphere.io/v1alpha2';
const FAIL_REASONS = new Set([
  'InvalidRequest',
  'NoMatchingPool',
  'RequestedIPUnavailable',
  'PoolUnusable',
  'PoolExhausted',
]);
const RESOURCE: Record<Kind, string> = {
  Eip: 'eip',
  BgpConf: 'bgpconf',
  BgpPeer: 'bgppeer',
  Service: 'service',
};

function template(kind: Kind, target: string, name: string): Obj {
  switch (kind) {
    case 'Eip':
      return target === 'eip-l2'
        ? {
            apiVersion: API_VERSION,
            kind,
            metadata: { name },
            spec: { address: '10.99.0.240-10.99.0.245', protocol: 'layer2' },
          }
        : {
            apiVersion: API_VERSION,
            kind,
            metadata: { name },
            spec: { address: '203.0.113.0/28', protocol: 'bgp' },
          };
    case 'BgpPeer':
      return {
        apiVersion: API_VERSION,
        kind,
        metadata: { name },
        spec: {
          conf: { neighborAddress: '192.0.2.77', peerAs: 65077 },
          timers: { config: { holdTime: '9', keepaliveInterval: '3' } },
        },
      };
    case 'Service':
      return {
        apiVersion: 'v1',
        kind,
        metadata: {
          name,
          namespace: BASE.svcNs,
          annotations: {
            'lb.kubesphere.io/v1alpha1': 'openelb',
            'eip.openelb.kubesphere.io/v1alpha2': BASE.pool4,
          },
        },
        spec: {
          type: 'LoadBalancer',
          ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 80 }],
          selector: { app: name },
          ipFamilies: ['IPv4'],
        },
      };
    case 'BgpConf':
      throw new Error('BgpConf cases are edits of "default"');
  }
}

export interface Built {
  manifest: Obj;
  name: string;
  namespace: string | undefined;
}

export function build(ctx: PhaseContext, d: CaseDraft, index: number): Built {
  const name = d.how === 'edit' ? d.target : `bad-${ctx.phase}-${index}-${d.target}`;
  const base =
    d.how === 'edit' ? ctx.manifests.get(`${d.kind}/${d.target}`) : template(d.kind, d.target, name);
  if (!base) throw new Error(`no baseline ${d.kind}/${d.target}`);
  const manifest = structuredClone(base);
  d.set(manifest);
  const ann = (manifest['metadata'] as { annotations?: Record<string, string> }).annotations;
  if (ann?.[ANNOTATION_EIP_IP] === '<taken>')
    ann[ANNOTATION_EIP_IP] = d.how === 'edit' ? ctx.takenFor.editService : ctx.takenFor.newService;
  return { manifest, name, namespace: d.kind === 'Service' ? BASE.svcNs : undefined };
}

function describeCase(ctx: PhaseContext, d: CaseDraft, b: Built): string {
  return `[webhook ${ctx.phase}] ${d.how === 'edit' ? 'edit of' : 'new'} ${d.kind} ${b.name}: ${d.field} = ${d.shown}`;
}

async function apply(lab: Lab, manifest: Obj): Promise<{ code: number; stderr: string; stdout: string }> {
  return lab.kubectl(['apply', '--validate=false', '-f', '-'], JSON.stringify(manifest));
}

interface Cond {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  observedGeneration?: number;
}
interface Judged {
  metadata: { generation?: number };
  status?: {
    conditions?: Cond[];
    nodesConfStatus?: Record<string, { lastError?: string }>;
    nodesPeerStatus?: Record<string, { lastError?: string }>;
  };
}

/** Waits until the object's Valid condition speaks of its newest generation with `status`; answers it. */
async function validCondition(
  lab: Lab,
  kind: Kind,
  name: string,
  status: 'True' | 'False',
  field?: string,
  nodesToo = false,
): Promise<Cond> {
  let last = '';
  try {
    return await waitFor(
      async () => {
        const o = await getJson<Judged>(lab, RESOURCE[kind], name);
        const c = o.status?.conditions?.find((x) => x.type === 'Valid');
        last = JSON.stringify(c ?? o.status ?? null);
        if (!c || c.status !== status || c.observedGeneration !== o.metadata.generation) return undefined;
        if (field !== undefined && !(c.message ?? '').includes(field)) return undefined;
        if (nodesToo) {
          const nodes = kind === 'BgpConf' ? o.status?.nodesConfStatus : o.status?.nodesPeerStatus;
          if (!lab.nodes.every((n) => (nodes?.[n.name]?.lastError ?? '').includes(field ?? '')))
            return undefined;
        }
        return c;
      },
      15_000,
      {
        what: `${kind} ${name} Valid=${status}${field ? ` naming ${field}` : ''}${nodesToo ? ' and lastError on every node' : ''}`,
        intervalMs: 150,
      },
    );
  } catch (e) {
    throw new Error(`${(e as Error).message}; last seen: ${last.slice(0, 600)}`);
  }
}

type EventList = {
  items: {
    type?: string;
    reason?: string;
    message?: string;
    count?: number;
    metadata: { name: string };
    involvedObject?: { name?: string };
  }[];
};

/** Waits for an Event about `name` (not seen before) that matches; marks it seen. */
async function newEvent(
  ctx: PhaseContext,
  ns: string,
  name: string,
  match: (e: EventList['items'][number]) => boolean,
  what: string,
): Promise<string> {
  return waitFor(
    async () => {
      const list = JSON.parse(
        await kubectlOk(ctx.lab, ['get', 'events', '-n', ns, '-o', 'json']),
      ) as EventList;
      for (const e of list.items) {
        const key = `${e.metadata.name}/${e.count ?? 1}`;
        if (ctx.seenEvents.has(key) || e.involvedObject?.name !== name || !match(e)) continue;
        ctx.seenEvents.add(key);
        return `${e.reason ?? ''}: ${e.message ?? ''}`;
      }
      return undefined;
    },
    15_000,
    { what, intervalMs: 200 },
  );
}

export async function markEventsSeen(ctx: PhaseContext): Promise<void> {
  for (const ns of ['default', BASE.svcNs]) {
    const list = JSON.parse(await kubectlOk(ctx.lab, ['get', 'events', '-n', ns, '-o', 'json'])) as EventList;
    for (const e of list.items) ctx.seenEvents.add(`${e.metadata.name}/${e.count ?? 1}`);
  }
}

function managerLogs(lab: Lab): string[] {
  return lab.nodes.map((n) => `${lab.dir}/${n.role}/manager-1.log`);
}

function logOffsets(lab: Lab): number[] {
  return managerLogs(lab).map((f) => statSync(f).size);
}

/** Every replica logged that the entry check refused this object, naming the field. */
async function refusalLogged(
  lab: Lab,
  from: number[],
  kind: Kind,
  name: string,
  field: string,
): Promise<void> {
  const files = managerLogs(lab);
  await waitFor(
    () =>
      files.every((f, i) => {
        const added = readFileSync(f)
          .subarray(from[i] ?? 0)
          .toString('utf8');
        return added
          .split('\n')
          .some((l) => l.includes('refused by the entry check') && l.includes(name) && l.includes(field));
      }),
    10_000,
    {
      what: `a log line on every replica: ${kind} ${name} refused by the entry check naming ${field}`,
      intervalMs: 200,
    },
  );
}

/**
 * A stored invalid Eip/BgpConf/BgpPeer: Valid=False naming the field; BGP kinds also an Event and a
 * log line, and lastError on every node where the object runs (BgpConf default, an edited BgpPeer; a
 * new peer that never passed runs nowhere, so it has no per-node entries).
 */
async function judgedInvalid(
  ctx: PhaseContext,
  d: CaseDraft,
  name: string,
  logsFrom: number[],
): Promise<void> {
  await validCondition(
    ctx.lab,
    d.kind,
    name,
    'False',
    d.field,
    d.kind === 'BgpConf' || (d.kind === 'BgpPeer' && d.how === 'edit'),
  );
  if (d.kind === 'BgpConf' || d.kind === 'BgpPeer') {
    await newEvent(
      ctx,
      'default',
      name,
      (e) => e.reason === 'InvalidSpec' && (e.message ?? '').includes(d.field),
      `an InvalidSpec Event about ${d.kind} ${name} naming ${d.field}`,
    );
    await refusalLogged(ctx.lab, logsFrom, d.kind, name, d.field);
  }
}

async function serviceJudged(ctx: PhaseContext, d: CaseDraft, b: Built): Promise<Verdict> {
  const ingress = async (): Promise<string[]> => {
    const s = await getJson<{ status?: { loadBalancer?: { ingress?: { ip?: string }[] } } }>(
      ctx.lab,
      'service',
      b.name,
      BASE.svcNs,
    );
    return (s.status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? '');
  };
  if (d.service === 'warning') {
    const ev = await newEvent(
      ctx,
      BASE.svcNs,
      b.name,
      (e) => e.type === 'Warning' && FAIL_REASONS.has(e.reason ?? ''),
      `a Warning Event on Service ${b.name} saying why it gets no address`,
    );
    const ips = await ingress();
    if (ips.length > 0)
      throw new Error(`Service ${b.name} got ${ips.join(',')} although the allocator said "${ev}"`);
    return 'service-warned';
  }
  // no event to wait for: give the allocator a moment, then look
  await sleep(700);
  if (d.service === 'ignored') {
    const ips = await ingress();
    if (ips.length > 0) throw new Error(`Service ${b.name} is not ours, but got ${ips.join(',')}`);
    return 'service-ignored';
  }
  return 'service-kept';
}

async function revert(ctx: PhaseContext, d: CaseDraft, b: Built, stored: boolean): Promise<void> {
  if (!stored) return;
  if (d.how === 'new') {
    const ns = b.namespace ? ['-n', b.namespace] : [];
    await kubectlOk(ctx.lab, [
      'delete',
      RESOURCE[d.kind],
      b.name,
      ...ns,
      '--ignore-not-found',
      '--wait=true',
      '--timeout=20s',
    ]);
    return;
  }
  const baseline = ctx.manifests.get(`${d.kind}/${d.target}`);
  if (!baseline) throw new Error(`no baseline ${d.kind}/${d.target}`);
  const r = await apply(ctx.lab, baseline);
  if (r.code !== 0) throw new Error(`restoring ${d.kind} ${b.name} failed: ${r.stderr}`);
  if (d.kind !== 'Service') await validCondition(ctx.lab, d.kind, b.name, 'True');
}

/**
 * Stores the invalid edit with the webhook off, turns it back on, and makes an unrelated edit (an
 * annotation): the ratchet must let it through with a warning naming the stored field.
 */
async function ratchetEdit(
  ctx: PhaseContext,
  d: CaseDraft,
  b: Built,
  logsFrom: number[],
): Promise<Verdict | undefined> {
  await ctx.webhook.off(ctx.lab);
  let stored = false;
  try {
    const r = await apply(ctx.lab, b.manifest);
    stored = r.code === 0;
    if (!stored) return undefined;
    await judgedInvalid(ctx, d, b.name, logsFrom);
  } finally {
    await ctx.webhook.on(ctx.lab);
  }
  const r = await ctx.lab.kubectl([
    'annotate',
    '--overwrite',
    RESOURCE[d.kind],
    b.name,
    `bad-input.test/ratchet=${Date.now()}`,
  ]);
  if (r.code !== 0)
    throw new Error(
      `an unrelated edit of ${d.kind} ${b.name} was refused while ${d.field} is stored invalid: ${r.stderr}`,
    );
  if (d.ratchetWarns !== false && (!r.stderr.includes('Warning') || !r.stderr.includes(d.field)))
    throw new Error(`the ratchet let the edit through without a warning naming ${d.field}: ${r.stderr}`);
  await validCondition(ctx.lab, d.kind, b.name, 'False', d.field, d.kind !== 'Eip');
  return 'ratchet';
}

/** Runs one case; answers what happened to the invalid value. Throws naming the case and every broken rule. */
export async function runCase(
  ctx: PhaseContext,
  d: CaseDraft,
  index: number,
  ratchet: boolean,
): Promise<Verdict> {
  const b = build(ctx, d, index);
  const what = describeCase(ctx, d, b);
  let verdict: Verdict | undefined;
  let stored = false;
  try {
    const logsFrom = logOffsets(ctx.lab);
    if (ctx.phase === 'on' && ratchet && d.how === 'edit' && d.kind !== 'Service') {
      verdict = await ratchetEdit(ctx, d, b, logsFrom);
      stored = verdict !== undefined;
    }
    if (verdict === undefined) {
      const r = await apply(ctx.lab, b.manifest);
      stored = r.code === 0;
      if (!stored) {
        if (/failed calling webhook/.test(r.stderr) || !/ is invalid: /.test(r.stderr))
          throw new Error(`kubectl apply failed for another reason: ${r.stderr.trim()}`);
        // with the webhook off only the API server's schema refuses; with it on, what the schema let
        // through while off must now be denied by the webhook — and either way the field is named
        if (!r.stderr.includes(d.field.replace(/\[.*$/, '')))
          throw new Error(`refused without naming ${d.field}: ${r.stderr.trim()}`);
        const off = ctx.offVerdicts?.[index];
        verdict = ctx.phase === 'off' || off === 'refused-by-api' ? 'refused-by-api' : 'denied-by-webhook';
      } else if (d.kind === 'Service') {
        verdict = await serviceJudged(ctx, d, b);
      } else {
        if (ctx.phase === 'on')
          throw new Error(
            `the webhook let an invalid ${d.field} through: ${r.stderr.trim() || '(no warning)'}`,
          );
        await judgedInvalid(ctx, d, b.name, logsFrom);
        verdict = 'stored-invalid';
      }
    }
    // a wrong reaction (a withdrawn route, a reset) takes a moment to reach the router
    if (stored) await sleep(400);
    await checkUndisturbed(ctx.lab, ctx.base);
  } catch (e) {
    // leave the lab as the next case expects it, then report this one
    await revert(ctx, d, b, true).catch(() => undefined);
    throw new Error(`${what}\n${(e as Error).message}`);
  }
  try {
    await revert(ctx, d, b, stored);
    if (stored) await checkUndisturbed(ctx.lab, ctx.base);
  } catch (e) {
    throw new Error(`${what} (after restoring it)\n${(e as Error).message}`);
  }
  return verdict;
}
