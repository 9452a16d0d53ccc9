// BgpPeer passwords from Secrets in the manager's namespace. There is no watch on Secrets (RBAC:
// get only): a Secret is fetched when a BgpPeer first names it and re-read every refresh interval,
// so a rotated password reaches gobgpd within that interval. `onChange` asks for a recompute.
import { isDeepStrictEqual } from 'node:util';
import type { BgpPeer } from '../../api/v1alpha2.ts';
import { Timer } from '../../core/timer.ts';
import { errorMessage, Resources, type KubeClient, type Secret } from '../../kube/index.ts';
import type { Logger } from '../../obs/log.ts';

/** How often Secrets named by BgpPeers are re-read. */
export const SECRET_REFRESH_MS = 30_000;

export class PeerSecrets {
  readonly #client: KubeClient;
  readonly #namespace: string;
  readonly #onChange: () => void;
  readonly #log: Logger;
  /** Secret name → its data (base64 values); undefined while the first read is under way or failed */
  readonly #data = new Map<string, Record<string, string> | undefined>();
  #peers: () => readonly BgpPeer[] = () => [];
  readonly #timer = new Timer(() => {
    this.#timer.restart(SECRET_REFRESH_MS);
    void this.refresh(this.#peers()).then((changed) => changed && this.#onChange());
  });

  constructor(client: KubeClient, namespace: string, onChange: () => void, log: Logger) {
    this.#client = client;
    this.#namespace = namespace;
    this.#onChange = onChange;
    this.#log = log;
  }

  /** The decoded value, or undefined (not read yet: the first sight starts a read, then onChange). */
  value(name: string, key: string): string | undefined {
    if (!this.#data.has(name)) {
      this.#data.set(name, undefined);
      void this.#fetch(name).then((changed) => changed && this.#onChange());
      return undefined;
    }
    const v = this.#data.get(name)?.[key];
    return v === undefined ? undefined : Buffer.from(v, 'base64').toString('utf8');
  }

  /** Re-reads every Secret the peers name and forgets the others; true when any data changed. */
  async refresh(peers: readonly BgpPeer[]): Promise<boolean> {
    const names = new Set<string>();
    for (const p of peers) {
      const n = p.spec.conf?.authPasswordSecretRef?.name;
      if (n) names.add(n);
    }
    for (const n of this.#data.keys()) if (!names.has(n)) this.#data.delete(n);
    let changed = false;
    for (const n of names) if (await this.#fetch(n)) changed = true;
    return changed;
  }

  /** Refreshes every SECRET_REFRESH_MS from `peers()` until stop(). */
  start(peers: () => readonly BgpPeer[]): void {
    this.#peers = peers;
    this.#timer.restart(SECRET_REFRESH_MS);
  }

  stop(): void {
    this.#timer.cancel();
  }

  async #fetch(name: string): Promise<boolean> {
    try {
      const s = await this.#client.getOrUndefined<Secret>(Resources.Secret, name, this.#namespace);
      const data =
        s?.data ??
        (s?.stringData
          ? Object.fromEntries(
              Object.entries(s.stringData).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
            )
          : undefined);
      const changed = !isDeepStrictEqual(data ?? null, this.#data.get(name) ?? null);
      this.#data.set(name, data);
      return changed;
    } catch (err) {
      this.#log.warn('cannot read Secret', { namespace: this.#namespace, name, error: errorMessage(err) });
      return false;
    }
  }
}
