// After winning the Lease: a fresh LIST of Eips and Services (never the cache, which may be stale or
// still filling), and the pools rebuilt from it before anything is allocated:
//   1. every Eip's status.used restored into its ledger (claims and UIDs from the listed Services);
//   2. records of Services that no longer exist, or exist under a new UID, dropped (issue #271);
//   3. addresses that Services show in their status but no Eip records (a lost or restored-from-backup
//      Eip status, a re-created pool) re-recorded when they lie in a pool and are free, so pending
//      Services cannot take them first (issue #391).
// The result is written by the first tick (one status write per changed Eip).
import { isDeepStrictEqual } from 'node:util';
import type { Eip } from '../../api/v1alpha2.ts';
import type { KubeClient } from '../../kube/index.ts';
import { Resources } from '../../kube/resources.ts';
import type { Service } from '../../kube/types.ts';
import { validateAll } from '../eip/validity.ts';
import { adoptFromStatus } from './allocate.ts';
import { AllocState, PoolEntry, type ClaimSource } from './pools.ts';
import { serviceKey, serviceRequest, wantsAddresses, type ClassConfig } from './request.ts';

export function revalidate(state: AllocState): void {
  const validity = validateAll([...state.pools.values()].map((p) => p.eip));
  for (const p of state.pools.values()) {
    const v = validity.get(p.name);
    if (!isDeepStrictEqual(v, p.validity)) p.dirty = true;
    p.validity = v;
  }
}

export interface Rebuilt {
  state: AllocState;
  services: Service[];
  adopted: number;
  dropped: number;
}

export function rebuildFrom(
  eips: readonly Eip[],
  services: readonly Service[],
  cfg: ClassConfig,
  maxAllocations: number,
): Rebuilt {
  const byKey = new Map(services.map((s) => [serviceKey(s), s]));
  const claims: ClaimSource = (key) => {
    const svc = byKey.get(key);
    if (!wantsAddresses(svc, cfg)) return undefined;
    const req = serviceRequest(svc);
    return {
      claim: { key, ports: req.ports, ...(req.sharingKey ? { sharingKey: req.sharingKey } : {}) },
      uid: req.uid,
    };
  };
  const state = new AllocState(maxAllocations);
  for (const eip of eips) state.pools.set(eip.metadata.name, new PoolEntry(eip, claims));
  revalidate(state);
  let dropped = 0;
  for (const pool of state.pools.values()) {
    const ledger = pool.ledger;
    if (!ledger) continue;
    for (const key of [...ledger.keys()]) {
      const svc = byKey.get(key);
      const uid = ledger.uidOf(key);
      if (!svc || (uid && svc.metadata.uid && uid !== svc.metadata.uid)) {
        ledger.release(key);
        pool.dirty = true;
        dropped++;
      }
    }
  }
  let adopted = 0;
  for (const svc of services) {
    if (!wantsAddresses(svc, cfg)) continue;
    const req = serviceRequest(svc);
    if (req.problems.length > 0) continue;
    const held = new Set(state.heldBy(req.key).map((h) => h.family));
    for (const f of req.families) {
      if (held.has(f)) continue;
      const o = adoptFromStatus(state, svc, req, f);
      if (o?.kind === 'allocated') {
        const pool = state.pools.get(o.pool);
        if (pool) pool.dirty = true;
        adopted++;
      }
    }
  }
  return { state, services: [...services], adopted, dropped };
}

export async function rebuild(
  client: KubeClient,
  cfg: ClassConfig,
  maxAllocations: number,
): Promise<Rebuilt> {
  const eips = await client.list<Eip>(Resources.Eip);
  const services = await client.list<Service>(Resources.Service);
  return rebuildFrom(eips.items, services.items, cfg, maxAllocations);
}
