// One allocator tick over a batch of Service keys, Cilium-style: first compute (what each Service
// gives back, keeps or gets, on the in-memory ledgers), then act (one conditional Eip status write
// per changed pool, then the Services' status, finalizer and Events). A 409 on an Eip: the pool is
// re-read and its Services decided again.
import { isDeepStrictEqual } from 'node:util';
import { FINALIZER_LB } from '../../api/names.ts';
import { Resources } from '../../kube/resources.ts';
import type { Service } from '../../kube/types.ts';
import { counter, gauge } from '../../obs/metrics.ts';
import type { Logger } from '../../obs/log.ts';
import { allocateFor } from './allocate.ts';
import type { DecideContext, Outcome, Release } from './decide.ts';
import type { EngineDeps } from './engine-deps.ts';
import type { OutcomeReporter } from './events.ts';
import { mapLimit } from './limit.ts';
import { rvNewer, type AllocState } from './pools.ts';
import type { KeyQueue } from './queue.ts';
import { revalidate } from './rebuild.ts';
import { planReleases } from './release.ts';
import { serviceRequest, wantsAddresses } from './request.ts';
import { commitPool, dropFinalizer, shownIps, writeIngress, type WriteDeps } from './writes.ts';

const pendingGauge = gauge('allocator_pending_services', 'Services that want an address and have none');
const allocationsTotal = counter('allocator_allocations_total', 'Addresses assigned and released', [
  'action',
]);

/** What a tick works with: the engine's dependencies and its bookkeeping across ticks. */
export interface TickEnv {
  deps: EngineDeps;
  writeDeps: WriteDeps;
  queue: KeyQueue;
  /** Services that want an address and have none */
  pending: Set<string>;
  report: OutcomeReporter;
  /** our own last Service writes (newer than the cache until its watch event arrives) */
  written: Map<string, Service>;
  log: Logger;
}

export function splitKey(key: string): [string, string] {
  const i = key.indexOf('/');
  return [key.slice(0, i), key.slice(i + 1)];
}

/** The newest view of each Service; records the cache cannot confirm are checked with a GET. */
export async function resolveServices(
  env: TickEnv,
  state: AllocState,
  keys: readonly string[],
): Promise<Map<string, Service | undefined>> {
  const out = new Map<string, Service | undefined>();
  const confirm: string[] = [];
  for (const key of keys) {
    const [ns, name] = splitKey(key);
    const cached = env.deps.services.get(name, ns);
    const written = env.written.get(key);
    let svc = cached;
    if (written && cached && rvNewer(written.metadata.resourceVersion, cached.metadata.resourceVersion))
      svc = written;
    else env.written.delete(key);
    out.set(key, svc);
    const held = state.heldBy(key);
    if (
      held.length > 0 &&
      (!svc ||
        held.some((h) => {
          const uid = h.pool.ledger?.uidOf(key);
          return uid !== undefined && uid !== svc.metadata.uid;
        }))
    ) {
      confirm.push(key);
    }
  }
  await mapLimit(confirm, env.deps.concurrency ?? 16, async (key) => {
    const [ns, name] = splitKey(key);
    out.set(key, await env.deps.client.getOrUndefined<Service>(Resources.Service, name, ns));
  });
  return out;
}

export async function runTick(env: TickEnv, state: AllocState): Promise<void> {
  const keys = env.queue.drain(env.deps.batch ?? 2000);
  const conc = env.deps.concurrency ?? 16;
  const resolved = await resolveServices(env, state, keys);
  const touched = new Map<string, Set<string>>();
  const touch = (pool: string, key: string): void => {
    let s = touched.get(pool);
    if (!s) touched.set(pool, (s = new Set()));
    s.add(key);
  };

  const ctx: DecideContext = {
    cfg: env.deps.cfg,
    namespaceLabels: (ns) => env.deps.namespaces.get(ns)?.metadata.labels,
  };

  // 1. Releases: Service status first, then the ledger.
  const released: { key: string; r: Release }[] = [];
  await mapLimit(keys, conc, async (key) => {
    let svc = resolved.get(key);
    const rel = planReleases(state, key, svc, ctx);
    if (rel.length === 0) return;
    if (svc && !svc.metadata.deletionTimestamp) {
      const gone = new Set(rel.map((r) => r.ip));
      const cur = shownIps(svc);
      if (cur.some((ip) => gone.has(ip))) {
        const w = await writeIngress(
          env.writeDeps,
          svc,
          cur.filter((ip) => !gone.has(ip)),
        );
        if (!w.ok && w.error === 'conflict') {
          env.queue.addAfter(key, 100);
          return;
        }
        if (w.ok) {
          svc = w.value;
          resolved.set(key, svc);
          env.written.set(key, svc);
        }
      }
    }
    for (const r of rel) {
      r.pool.ledger?.release(key);
      r.pool.dirty = true;
      touch(r.pool.name, key);
      released.push({ key, r });
    }
  });

  // 2. Keep or allocate (Services that hold something first, so their claims are fresh).
  const results = new Map<string, Outcome[]>();
  const ordered = [...keys].sort(
    (a, b) => Number(state.heldBy(b).length > 0) - Number(state.heldBy(a).length > 0),
  );
  for (const key of ordered) {
    const svc = resolved.get(key);
    if (!wantsAddresses(svc, env.deps.cfg)) {
      env.pending.delete(key);
      env.report.forget(key);
      continue;
    }
    const outcomes = allocateFor(state, svc, ctx);
    for (const o of outcomes) {
      if (o.kind !== 'allocated') continue;
      const p = state.pools.get(o.pool);
      if (p) p.dirty = true;
      touch(o.pool, key);
    }
    results.set(key, outcomes);
  }

  // 3. One conditional status write per changed pool.
  const failedPools = new Set<string>();
  await mapLimit(
    [...state.pools.values()].filter((p) => p.dirty),
    4,
    async (pool) => {
      const r = await commitPool(env.writeDeps, pool);
      if (r === 'conflict' || r === 'gone') {
        failedPools.add(pool.name);
        if (r === 'gone') state.pools.delete(pool.name);
        env.queue.addAll(touched.get(pool.name) ?? []);
        env.queue.addAll(pool.ledger?.keys() ?? []);
        env.queue.addAll(env.pending);
        env.log.info('Eip changed under us; re-read and deciding again', { eip: pool.name, result: r });
      }
    },
  );
  if (failedPools.size > 0) revalidate(state);
  // Let this replica's speakers act on the new allocations (their recompute is queued by the Eip
  // write) before the Service status writes and Events take the event loop.
  await new Promise((r) => setImmediate(r));

  // 4. Service status, OpenELB's finalizer, Events.
  await mapLimit(keys, conc, async (key) => {
    const svc: Service | undefined = resolved.get(key);
    if (!svc) return;
    const wants: boolean = wantsAddresses(svc, env.deps.cfg);
    if (wants) {
      const fams = serviceRequest(svc).families;
      const want = state
        .heldBy(key)
        .filter((h) => fams.includes(h.family))
        .sort((a, b) => fams.indexOf(a.family) - fams.indexOf(b.family))
        .map((h) => h.ip);
      if (isDeepStrictEqual(want, shownIps(svc))) return;
      const w = await writeIngress(env.writeDeps, svc, want);
      if (w.ok) env.written.set(key, w.value);
      else if (w.error === 'conflict') env.queue.addAfter(key, 100);
    } else if (svc.metadata.finalizers?.includes(FINALIZER_LB) && state.heldBy(key).length === 0) {
      const w = await dropFinalizer(env.writeDeps, svc);
      if (!w.ok && w.error === 'conflict') env.queue.addAfter(key, 100);
    }
  });
  const committed = (pool: string): boolean => !failedPools.has(pool);
  for (const { key, r } of released) {
    if (!committed(r.pool.name)) continue;
    allocationsTotal.inc({ action: 'released' });
    env.report.released(resolved.get(key), r);
  }
  for (const [key, outcomes] of results) {
    const svc = resolved.get(key);
    if (!svc) continue;
    for (const o of outcomes)
      if (o.kind === 'allocated' && committed(o.pool)) allocationsTotal.inc({ action: 'assigned' });
    if (env.report.outcomes(key, svc, outcomes, committed)) env.pending.add(key);
    else env.pending.delete(key);
  }
  // Room was freed: Services still waiting that were not decided after the release get another go.
  if (released.some(({ r }) => committed(r.pool.name)))
    env.queue.addAll([...env.pending].filter((k) => !results.has(k)));
  pendingGauge.set(env.pending.size);
}
