// Invariant watcher for the IPAM race test: fed every Service and Eip watch event, it checks
//   - no address is shown by two Services unless they share it legitimately (same sharing key,
//     disjoint ports), and the same for status.used records;
//   - a Service's address never changes or disappears while the Service lives (sticky, never lost);
//   - every address a Service shows is recorded for it in some Eip's status.used at that moment
//     (checked once the Eip stream has caught up with the Service event's resourceVersion);
//   - no Service is recorded at two addresses.
// Quiescent checks (no Service waits while its pool has room; used == shown) are in quiescent().
import type { Eip } from '../../src/api/v1alpha2.ts';
import type { Service } from '../../src/kube/types.ts';

const SHARING = 'openelb.kubesphere.io/sharing-key';

export function keyOf(s: Service): string {
  return `${s.metadata.namespace}/${s.metadata.name}`;
}
function shown(s: Service | undefined): string[] {
  return (s?.status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? '').filter((x) => x !== '');
}
function rvNum(o: { metadata: { resourceVersion?: string } }): number {
  return Number(o.metadata.resourceVersion ?? '0');
}
function ports(s: Service): string[] {
  return (s.spec.ports ?? []).map((p) => `${p.protocol ?? 'TCP'}/${p.port}`);
}

/** May these Services show one address together? */
export function mayShare(svcs: readonly Service[]): boolean {
  const keys = new Set(svcs.map((s) => s.metadata.annotations?.[SHARING] ?? ''));
  if (keys.size !== 1 || keys.has('')) return false;
  const seen = new Set<string>();
  for (const s of svcs) {
    for (const p of ports(s)) {
      if (seen.has(p)) return false;
      seen.add(p);
    }
  }
  return true;
}

export class InvariantWatcher {
  readonly violations: string[] = [];
  events = 0;
  readonly #svcs = new Map<string, Service>();
  readonly #firstIp = new Map<string, string>(); // uid -> address
  readonly #shownBy = new Map<string, Set<string>>(); // ip -> keys
  /** "key|ip" -> [from, to) resourceVersion intervals during which status.used recorded it. */
  readonly #recorded = new Map<string, [number, number][]>();
  readonly #used = new Map<string, Record<string, string>>(); // eip -> used
  #eipRv = 0;
  readonly #deferred: { key: string; ip: string; rv: number }[] = [];

  private fail(msg: string): void {
    if (this.violations.length < 50) this.violations.push(msg);
  }

  service(type: 'add' | 'update' | 'delete', s: Service): void {
    this.events++;
    const key = keyOf(s);
    const old = this.#svcs.get(key);
    for (const ip of shown(old)) this.#shownBy.get(ip)?.delete(key);
    if (type === 'delete') {
      this.#svcs.delete(key);
      return;
    }
    this.#svcs.set(key, s);
    const now = shown(s);
    const uid = s.metadata.uid ?? '';
    const first = this.#firstIp.get(uid);
    if (first !== undefined && now[0] !== first)
      this.fail(
        `${key}: address ${first} ${now[0] ? `moved to ${now[0]}` : 'was lost'} (rv ${s.metadata.resourceVersion})`,
      );
    if (first === undefined && now[0]) this.#firstIp.set(uid, now[0]);
    for (const ip of now) {
      let set = this.#shownBy.get(ip);
      if (!set) this.#shownBy.set(ip, (set = new Set()));
      set.add(key);
      if (set.size > 1) {
        const holders = [...set].map((k) => this.#svcs.get(k)).filter((x): x is Service => x !== undefined);
        if (!mayShare(holders))
          this.fail(`${ip} shown by ${[...set].join(', ')} (rv ${s.metadata.resourceVersion})`);
      }
      this.#deferred.push({ key, ip, rv: rvNum(s) });
    }
    this.flush();
  }

  eip(type: 'add' | 'update' | 'delete', e: Eip): void {
    this.events++;
    const rv = rvNum(e);
    const before = this.#used.get(e.metadata.name) ?? {};
    const after = type === 'delete' ? {} : (e.status?.used ?? {});
    this.#used.set(e.metadata.name, after);
    const pairs = (u: Record<string, string>): Set<string> =>
      new Set(Object.entries(u).flatMap(([ip, v]) => v.split(';').map((k) => `${k}|${ip}`)));
    const a = pairs(before);
    const b = pairs(after);
    for (const p of b) {
      if (a.has(p)) continue;
      const list = this.#recorded.get(p) ?? [];
      list.push([rv, Infinity]);
      this.#recorded.set(p, list);
    }
    for (const p of a) {
      if (b.has(p)) continue;
      const last = this.#recorded.get(p)?.at(-1);
      if (last && last[1] === Infinity) last[1] = rv;
    }
    // One Service recorded twice, or one address recorded for Services that may not share it.
    const byKey = new Map<string, string[]>();
    for (const used of this.#used.values()) {
      for (const [ip, v] of Object.entries(used)) {
        const keys = v.split(';');
        for (const k of keys) byKey.set(k, [...(byKey.get(k) ?? []), ip]);
        if (keys.length > 1) {
          const svcs = keys.map((k) => this.#svcs.get(k)).filter((x): x is Service => x !== undefined);
          if (svcs.length === keys.length && !mayShare(svcs))
            this.fail(`status.used ${ip} records ${v}, which may not share (rv ${rv})`);
        }
      }
    }
    for (const [k, ips] of byKey)
      if (ips.length > 1) this.fail(`status.used records ${k} at ${ips.join(' and ')} (rv ${rv})`);
    this.advanceEips(rv);
  }

  /** The Eip stream has seen everything up to `rv` (events or bookmarks). */
  advanceEips(rv: number): void {
    if (rv > this.#eipRv) this.#eipRv = rv;
    this.flush();
  }

  private flush(): void {
    let keep = 0;
    for (const d of this.#deferred) {
      if (d.rv > this.#eipRv) {
        this.#deferred[keep++] = d;
        continue;
      }
      const ok = (this.#recorded.get(`${d.key}|${d.ip}`) ?? []).some(
        ([from, to]) => from <= d.rv && d.rv < to,
      );
      if (!ok)
        this.fail(
          `${d.key} shows ${d.ip} at rv ${d.rv}, but no Eip recorded it then (allocation lost or not yet written)`,
        );
    }
    this.#deferred.length = keep;
  }

  get backlog(): number {
    return this.#deferred.length;
  }

  services(): Service[] {
    return [...this.#svcs.values()];
  }
  usedRecords(): Map<string, Record<string, string>> {
    return this.#used;
  }
  holdersOf(ip: string): Service[] {
    return [...(this.#shownBy.get(ip) ?? [])]
      .map((k) => this.#svcs.get(k))
      .filter((x): x is Service => x !== undefined);
  }
}
