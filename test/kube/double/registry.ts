// Served resources by group/version/plural; CRDs add and remove entries at run time.
import { builtinDefs } from './builtins.ts';
import { resourceKey, type ResourceDef, type VersionDef } from './resource.ts';

export interface Resolved {
  def: ResourceDef;
  version: VersionDef;
}

export class Registry {
  private readonly defs = new Map<string, ResourceDef>();

  constructor() {
    for (const d of builtinDefs()) this.defs.set(this.keyOf(d), d);
  }

  private keyOf(d: ResourceDef): string {
    // core v1 Events and events.k8s.io Events are distinct entries
    return resourceKey(d);
  }

  /** Goes up on every change of what is served (caches of derived documents key on it). */
  revision = 0;

  put(def: ResourceDef): void {
    this.defs.set(this.keyOf(def), def);
    this.revision++;
  }

  remove(group: string, plural: string): void {
    const d = this.defs.get(`${group}/${plural}`);
    if (d && !d.builtin) this.defs.delete(`${group}/${plural}`);
    this.revision++;
  }

  byKey(key: string): ResourceDef | undefined {
    return this.defs.get(key);
  }

  resolve(group: string, version: string, plural: string): Resolved | undefined {
    const def = this.defs.get(`${group}/${plural}`);
    const v = def?.versions.find((x) => x.name === version && x.served);
    return def && v ? { def, version: v } : undefined;
  }

  /** Resolve by kind (admission and CRD bookkeeping use this). */
  byKind(group: string, kind: string): ResourceDef | undefined {
    for (const d of this.defs.values()) if (d.group === group && d.kind === kind) return d;
    return undefined;
  }

  all(): ResourceDef[] {
    return [...this.defs.values()];
  }

  /** group → served versions, with the preferred one first (storage version for CRDs). */
  groups(): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const d of this.defs.values()) {
      const vs = out.get(d.group) ?? [];
      const served = d.versions.filter((v) => v.served);
      served.sort((a, b) => compareVersions(b.name, a.name));
      for (const v of served) if (!vs.includes(v.name)) vs.push(v.name);
      out.set(d.group, vs);
    }
    for (const [g, vs] of out)
      out.set(
        g,
        vs.sort((a, b) => compareVersions(b, a)),
      );
    return out;
  }

  inGroupVersion(group: string, version: string): Resolved[] {
    const out: Resolved[] = [];
    for (const def of this.defs.values()) {
      if (def.group !== group) continue;
      const v = def.versions.find((x) => x.name === version && x.served);
      if (v) out.push({ def, version: v });
    }
    return out;
  }
}

/** Kubernetes version priority: GA > beta > alpha, higher numbers first. */
export function compareVersions(a: string, b: string): number {
  const rank = (v: string): [number, number, number] => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return [-1, 0, 0];
    const level = m[2] === undefined ? 3 : m[2] === 'beta' ? 2 : 1;
    return [level, Number(m[1]), Number(m[3] ?? 0)];
  };
  const ra = rank(a);
  const rb = rank(b);
  for (let i = 0; i < 3; i++) if (ra[i] !== rb[i]) return (ra[i] ?? 0) - (rb[i] ?? 0);
  return a < b ? 1 : a > b ? -1 : 0;
}
