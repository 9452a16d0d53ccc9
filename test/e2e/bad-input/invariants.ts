// What must hold after every bad-input case: the baseline taken once the lab settled, and the checks
// that compare the lab against it. Each check reads the lab once (or waits a few seconds at most for
// a route that is being re-read); failures are collected, so one report names every broken rule.
import type { Lab } from '../../lab/index.ts';
import { kubectlOk, sessionsOf } from '../bgp-lab.ts';

type Obj = Record<string, unknown>;

export interface Baseline {
  /** every node's gobgpd sessions: address, state, since, flops */
  sessions: string;
  /** router next hops of each baseline BGP Service address */
  routes: Map<string, string[]>;
  /** ingress addresses of each baseline Service (ns/name) */
  ingress: Map<string, string[]>;
  /** status.used of each baseline Eip, as JSON */
  used: Map<string, string>;
  /** a Layer 2 Service address and the nodes' MACs, one of which must answer ARP for it */
  l2?: { ip: string; macs: string[] };
}

export interface ClusterState {
  ingress: Map<string, string[]>;
  used: Map<string, Record<string, string>>;
}

export async function sessionsText(lab: Lab): Promise<string> {
  const all = await Promise.all(
    lab.nodes.map(async (n) =>
      [...(await sessionsOf(lab, n.name))].map(
        ([a, s]) => `${n.name} ${a} ${s.state} since=${s.since} flops=${s.flops}`,
      ),
    ),
  );
  return all.flat().sort().join('\n');
}

/** Services' ingress addresses and Eips' status.used, in one read. */
export async function clusterState(lab: Lab): Promise<ClusterState> {
  const list = JSON.parse(await kubectlOk(lab, ['get', 'services,eips', '-A', '-o', 'json'])) as {
    items: Obj[];
  };
  const ingress = new Map<string, string[]>();
  const used = new Map<string, Record<string, string>>();
  for (const o of list.items) {
    const md = o['metadata'] as { name: string; namespace?: string };
    if (o['kind'] === 'Service') {
      const ing = (
        (o['status'] as { loadBalancer?: { ingress?: { ip?: string }[] } } | undefined)?.loadBalancer
          ?.ingress ?? []
      )
        .map((i) => i.ip ?? '')
        .filter((x) => x !== '');
      ingress.set(`${md.namespace ?? ''}/${md.name}`, ing.sort());
    } else if (o['kind'] === 'Eip') {
      used.set(md.name, (o['status'] as { used?: Record<string, string> } | undefined)?.used ?? {});
    }
  }
  return { ingress, used };
}

export async function takeBaseline(
  lab: Lab,
  services: string[],
  pools: string[],
  bgpIps: string[],
  l2?: Baseline['l2'],
): Promise<Baseline> {
  const s = await clusterState(lab);
  const ingress = new Map<string, string[]>();
  for (const k of services) {
    const ips = s.ingress.get(k) ?? [];
    if (ips.length === 0) throw new Error(`baseline Service ${k} has no address`);
    ingress.set(k, ips);
  }
  const used = new Map<string, string>();
  for (const p of pools) used.set(p, JSON.stringify(s.used.get(p) ?? {}));
  const routes = new Map<string, string[]>();
  for (const ip of bgpIps) routes.set(ip, await lab.routerNextHops(ip));
  return { sessions: await sessionsText(lab), routes, ingress, used, ...(l2 ? { l2 } : {}) };
}

/** Every address held by more than one Service (keys are pool/ip and ns/name). */
function duplicates(s: ClusterState): string[] {
  const out: string[] = [];
  const bySvc = new Map<string, string[]>();
  for (const [svc, ips] of s.ingress) for (const ip of ips) bySvc.set(ip, [...(bySvc.get(ip) ?? []), svc]);
  for (const [ip, svcs] of bySvc)
    if (svcs.length > 1) out.push(`${ip} is the ingress of ${svcs.join(' and ')}`);
  const byPool = new Map<string, string[]>();
  for (const [pool, used] of s.used)
    for (const ip of Object.keys(used)) byPool.set(ip, [...(byPool.get(ip) ?? []), pool]);
  for (const [ip, pools] of byPool)
    if (pools.length > 1) out.push(`${ip} is recorded in Eips ${pools.join(' and ')}`);
  return out;
}

/**
 * Both replicas alive and ready, no session reset, the router's next hops as at the baseline, every
 * baseline Service on its address, baseline pools' records unchanged, no address given twice.
 * Throws one error listing everything that broke.
 */
export async function checkUndisturbed(lab: Lab, base: Baseline): Promise<void> {
  const broken: string[] = [];
  const replicas = Promise.all(
    lab.nodes.map(async (n) => {
      for (const p of lab.managerProcs(n.name))
        if (!p.running) broken.push(`manager on ${n.name} exited: ${JSON.stringify(p.exitInfo)}`);
      const r = await lab.managerHealth(n.name, '/readyz');
      if (!r.ok) broken.push(`manager on ${n.name} not ready: ${r.status} ${r.body.trim().slice(0, 300)}`);
    }),
  );
  const sessions = sessionsText(lab).then((now) => {
    if (now !== base.sessions)
      broken.push(
        `BGP sessions changed:\n  was ${base.sessions.replaceAll('\n', '\n      ')}\n  now ${now.replaceAll('\n', '\n      ')}`,
      );
  });
  const routes = Promise.all(
    [...base.routes].map(([ip, hops]) =>
      lab.waitNextHops(ip, hops, 3000).catch((e: unknown) => {
        broken.push(`router route to ${ip}: ${(e as Error).message}`);
      }),
    ),
  );
  const records = clusterState(lab).then((s) => {
    for (const [k, ips] of base.ingress) {
      const now = s.ingress.get(k) ?? [];
      if (JSON.stringify(now) !== JSON.stringify(ips))
        broken.push(`Service ${k} had ${ips.join(',')}, now ${now.join(',') || 'nothing'}`);
    }
    for (const [p, used] of base.used) {
      const now = JSON.stringify(s.used.get(p) ?? {});
      if (now !== used) broken.push(`Eip ${p} status.used was ${used}, now ${now}`);
    }
    broken.push(...duplicates(s));
  });
  // exactly one replica answers; which one may change (Lease hand-overs under load are not bad input)
  const l2 = base.l2;
  const answer = l2
    ? lab.arping(l2.ip, { count: 1, deadlineS: 2 }).then((r) => {
        if (r.macs.length !== 1 || !l2.macs.includes(r.macs[0] ?? ''))
          broken.push(
            `ARP for ${l2.ip}: answered by ${r.macs.join(', ') || 'nobody'}, not by exactly one node`,
          );
      })
    : Promise.resolve();
  await Promise.all([replicas, sessions, routes, records, answer]);
  if (broken.length > 0) throw new Error(broken.join('\n'));
}
