import { mkdir, writeFile, access } from 'node:fs/promises';
import { runOk } from '../exec.ts';
import { Proc } from '../proc.ts';
import type { RouterPlan, NodePlan, SessionFamily } from '../topology.ts';
import { waitFor } from '../wait.ts';
import { asPrefix, isV6, type RibPath, type Router, type SessionState } from './router.ts';

// BIRD 2 in the router namespace, in the foreground (-f) so the PID we hold is BIRD's own.
// Sessions: the router dials each node's gobgpd (fast establishment, gobgp.md §6.2) unless passive;
// it also accepts sessions the nodes open to its port 179. Kernel export with `merge paths` = ECMP.

export interface BirdOptions {
  /** prefixes the router originates and sends to the nodes (for no-transit tests). */
  announce?: string[];
}

function protoName(n: NodePlan, fam: SessionFamily): string {
  return fam === 'v4' ? n.role : `${n.role}v6`;
}

export function birdConfig(p: RouterPlan, nodeAsn: number, opts: BirdOptions = {}): string {
  const ibgp = p.asn === nodeAsn;
  const ann4 = (opts.announce ?? []).filter((x) => !isV6(x));
  const ann6 = (opts.announce ?? []).filter(isV6);
  const gw = ibgp ? ' gateway direct;' : '';
  const lines = [
    `log "${p.dir}/bird.log" all;`,
    `router id ${p.routerId};`,
    'protocol device { scan time 10; }',
    'protocol kernel k4 { ipv4 { export all; import none; }; merge paths on limit 16; }',
    'protocol kernel k6 { ipv6 { export all; import none; }; merge paths on limit 16; }',
    `protocol static ann4 { ipv4; ${ann4.map((x) => `route ${x} blackhole;`).join(' ')} }`,
    `protocol static ann6 { ipv6; ${ann6.map((x) => `route ${x} blackhole;`).join(' ')} }`,
    'template bgp lab_node {',
    `  hold time ${p.holdTime}; keepalive time ${p.keepalive};`,
    '  connect delay time 1; connect retry time 2; error wait time 1, 5;',
    ibgp ? '  direct;' : '',
    p.passive ? '  passive on;' : '',
    `  ipv4 { import all; export where source = RTS_STATIC;${gw} };`,
    `  ipv6 { import all; export where source = RTS_STATIC;${gw} };`,
    '}',
  ];
  for (const n of p.peers) {
    for (const fam of p.sessions) {
      const local = fam === 'v4' ? p.ipv4 : p.ipv6;
      const remote = fam === 'v4' ? n.ipv4 : n.ipv6;
      const port = p.passive ? '' : ` port ${p.dialPort}`;
      lines.push(
        `protocol bgp ${protoName(n, fam)} from lab_node { local ${local} as ${p.asn}; neighbor ${remote}${port} as ${nodeAsn}; }`,
      );
    }
  }
  return lines.filter((l) => l !== '').join('\n') + '\n';
}

export class BirdRouter implements Router {
  readonly plan: RouterPlan;
  private readonly nodeAsn: number;
  private readonly opts: BirdOptions;
  private proc: Proc | undefined;

  constructor(plan: RouterPlan, nodeAsn: number, opts: BirdOptions = {}) {
    this.plan = plan;
    this.nodeAsn = nodeAsn;
    this.opts = opts;
  }

  get ctl(): string {
    return `${this.plan.dir}/bird.ctl`;
  }

  async start(): Promise<void> {
    const p = this.plan;
    await mkdir(p.dir, { recursive: true });
    await writeFile(`${p.dir}/bird.conf`, birdConfig(p, this.nodeAsn, this.opts));
    this.proc = new Proc(p.ns, ['bird', '-f', '-c', `${p.dir}/bird.conf`, '-s', this.ctl], {
      name: `bird@${p.role}`,
      logFile: `${p.dir}/bird.out`,
    });
    const proc = this.proc;
    await waitFor(
      async () => {
        if (!proc.running) throw new Error(`bird exited: ${proc.output().slice(-1000)}`);
        await access(this.ctl);
        return true;
      },
      10_000,
      { what: `BIRD control socket ${this.ctl}`, intervalMs: 10 },
    );
  }

  async stop(): Promise<void> {
    await this.proc?.stop('SIGTERM', 2000);
  }

  procs(): Proc[] {
    return this.proc ? [this.proc] : [];
  }

  cli(command: string): Promise<string> {
    return runOk(['birdc', '-s', this.ctl, ...command.split(/\s+/)]);
  }

  async sessions(): Promise<SessionState[]> {
    const out = await this.cli('show protocols');
    const byName = new Map<string, { peer: string; node: string }>();
    for (const n of this.plan.peers) {
      for (const fam of this.plan.sessions)
        byName.set(protoName(n, fam), { peer: fam === 'v4' ? n.ipv4 : n.ipv6, node: n.name });
    }
    const res: SessionState[] = [];
    for (const line of out.split('\n')) {
      const f = line.trim().split(/\s+/);
      const [name, proto, , state] = f;
      if (name === undefined || proto !== 'BGP') continue;
      const info = f.slice(5).join(' ');
      const known = byName.get(name);
      const st = info.split(' ')[0] || state || '';
      res.push({
        session: name,
        peer: known?.peer ?? '',
        node: known?.node,
        state: st,
        established: state === 'up' && info.startsWith('Established'),
      });
    }
    return res;
  }

  async rib(prefix: string): Promise<RibPath[]> {
    const pfx = asPrefix(prefix);
    const out = await this.cli(`show route ${pfx}`);
    const peerOf = new Map<string, string>();
    for (const n of this.plan.peers) {
      for (const fam of this.plan.sessions) peerOf.set(protoName(n, fam), fam === 'v4' ? n.ipv4 : n.ipv6);
    }
    const res: RibPath[] = [];
    let cur: { best: boolean; from: string } | undefined;
    for (const line of out.split('\n')) {
      // "198.51.100.10/32     unicast [n1 12:00:00.000] * (100) [AS64600i]" then "\tvia 10.99.0.11 on <if>"
      const head = line.match(/unicast \[(\S+)[^\]]*\]\s*(\*)?/);
      if (head?.[1]) {
        cur = { best: head[2] === '*', from: peerOf.get(head[1]) ?? head[1] };
        continue;
      }
      const via = line.match(/^\s+via (\S+) on (\S+)/);
      if (via?.[1] && cur) res.push({ prefix: pfx, nextHop: via[1], from: cur.from, best: cur.best });
    }
    return res;
  }
}
