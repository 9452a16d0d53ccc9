// Follows the Eip cache into the allocator's pools: new pools, spec edits, writes by others, pools
// that are gone. The Services whose holdings rest on what changed are queued to be decided again.
import { isDeepStrictEqual } from 'node:util';
import type { Eip } from '../../api/v1alpha2.ts';
import type { Informer } from '../../kube/index.ts';
import { AllocState, PoolEntry, rvNewer, type ClaimSource } from './pools.ts';
import type { KeyQueue } from './queue.ts';
import { revalidate } from './rebuild.ts';

/** What a pool's holders rest on besides its ledger (cached objects are replaced, never mutated). */
function specSignature(e: Eip): readonly unknown[] {
  return [e.spec, e.metadata.annotations ?? {}, e.metadata.deletionTimestamp ?? ''];
}

export class PoolSync {
  readonly #eips: Informer<Eip>;
  readonly #claims: ClaimSource;
  readonly #queue: KeyQueue;
  /** pool name → the signature its holders were last decided on */
  readonly #sigs = new Map<string, readonly unknown[]>();

  constructor(eips: Informer<Eip>, claims: ClaimSource, queue: KeyQueue) {
    this.#eips = eips;
    this.#claims = claims;
    this.#queue = queue;
  }

  /** A state rebuilt from a fresh LIST: its pools are what the holders rest on now. */
  rebuilt(state: AllocState): void {
    this.#sigs.clear();
    for (const p of state.pools.values()) this.#sigs.set(p.name, specSignature(p.eip));
  }

  /** Follows the Eip cache: new pools, spec edits, writes by others, pools that are gone. */
  sync(state: AllocState, pending: ReadonlySet<string>): void {
    const eips = this.#eips;
    let specChanged = false;
    for (const eip of eips.list()) {
      const name = eip.metadata.name;
      const p = state.pools.get(name);
      const sig = specSignature(eip);
      if (!p) {
        state.pools.set(name, new PoolEntry(eip, this.#claims));
        this.#sigs.set(name, sig);
        specChanged = true;
        continue;
      }
      if (!rvNewer(eip.metadata.resourceVersion, p.eip.metadata.resourceVersion)) continue;
      // the holders are decided again only when what their holdings rest on changed
      if (!p.adoptIfLedgerUnchanged(eip)) {
        p.reset(eip, this.#claims);
        this.#queue.addAll(p.ledger?.keys() ?? []);
      }
      if (!isDeepStrictEqual(this.#sigs.get(name), sig)) {
        this.#sigs.set(name, sig);
        specChanged = true;
      }
    }
    for (const p of [...state.pools.values()]) {
      if (eips.get(p.name) || !rvNewer(eips.resourceVersion, p.eip.metadata.resourceVersion)) continue;
      state.pools.delete(p.name);
      this.#sigs.delete(p.name);
      this.#queue.addAll(p.ledger?.keys() ?? []);
      specChanged = true;
    }
    if (specChanged) {
      revalidate(state);
      for (const p of state.pools.values()) p.dirty = true;
      this.#queue.addAll(pending);
    }
  }
}
