import { access, chmod, chown, mkdir, rm, writeFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { runOk, runSyncQuiet } from '../exec.ts';
import { Proc } from '../proc.ts';
import type { RouterPlan } from '../topology.ts';
import { waitFor } from '../wait.ts';
import { asPrefix, isV6, nodeForPeer, type RibPath, type Router, type SessionState } from './router.ts';

// FRR 8.4 (zebra + bgpd) in the router namespace, both in the foreground as direct children.
// `-N <instance>` keeps sockets in /var/run/frr/<instance>/ (named with our prefix, removed on stop).
// maximum-paths gives ECMP; a route-map keeps the router from passing one node's routes to another.

export interface FrrOptions {
  announce?: string[];
}

const FRR_RUN = '/var/run/frr';
const FRR_LIB = '/usr/lib/frr';

export function frrConfig(p: RouterPlan, nodeAsn: number, opts: FrrOptions = {}): string {
  const ann4 = (opts.announce ?? []).filter((x) => !isV6(x));
  const ann6 = (opts.announce ?? []).filter(isV6);
  const neighbors = p.peers.flatMap((n) => p.sessions.map((f) => (f === 'v4' ? n.ipv4 : n.ipv6)));
  const l: string[] = [
    'frr defaults traditional',
    `hostname ${p.name}`,
    `log file ${p.dir}/bgpd.log`,
    ...ann4.map((x) => `ip route ${x} blackhole`),
    ...ann6.map((x) => `ipv6 route ${x} blackhole`),
    ...ann4.map((x, i) => `ip prefix-list ANN4 seq ${(i + 1) * 5} permit ${x}`),
    'ip prefix-list ANN4 seq 10000 deny any',
    ...ann6.map((x, i) => `ipv6 prefix-list ANN6 seq ${(i + 1) * 5} permit ${x}`),
    'ipv6 prefix-list ANN6 seq 10000 deny any',
    'route-map OUT4 permit 10',
    ' match ip address prefix-list ANN4',
    'route-map OUT6 permit 10',
    ' match ipv6 address prefix-list ANN6',
    `router bgp ${p.asn}`,
    ` bgp router-id ${p.routerId}`,
    ' no bgp ebgp-requires-policy',
    ' no bgp network import-check',
    ' no bgp default ipv4-unicast',
    ` timers bgp ${p.keepalive} ${p.holdTime}`,
  ];
  for (const a of neighbors) {
    l.push(` neighbor ${a} remote-as ${nodeAsn}`);
    l.push(` neighbor ${a} update-source ${isV6(a) ? p.ipv6 : p.ipv4}`);
    l.push(` neighbor ${a} timers connect 1`);
    if (p.passive) l.push(` neighbor ${a} passive`);
    else l.push(` neighbor ${a} port ${p.dialPort}`);
  }
  for (const [af, anns, rm] of [
    ['ipv4', ann4, 'OUT4'],
    ['ipv6', ann6, 'OUT6'],
  ] as const) {
    l.push(` address-family ${af} unicast`);
    for (const x of anns) l.push(`  network ${x}`);
    l.push('  maximum-paths 16', '  maximum-paths ibgp 16');
    for (const a of neighbors) l.push(`  neighbor ${a} activate`, `  neighbor ${a} route-map ${rm} out`);
    l.push(' exit-address-family');
  }
  return l.join('\n') + '\n';
}

function frrIds(): { uid: number; gid: number } {
  const uid = Number(execFileSync('id', ['-u', 'frr'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'frr'], { encoding: 'utf8' }).trim());
  return { uid, gid };
}

export class FrrRouter implements Router {
  readonly plan: RouterPlan;
  private readonly nodeAsn: number;
  private readonly opts: FrrOptions;
  private zebra: Proc | undefined;
  private bgpd: Proc | undefined;

  constructor(plan: RouterPlan, nodeAsn: number, opts: FrrOptions = {}) {
    this.plan = plan;
    this.nodeAsn = nodeAsn;
    this.opts = opts;
  }

  /** FRR instance name = the router's namespace name (carries our prefix and run id). */
  get instance(): string {
    return this.plan.ns;
  }

  get runDir(): string {
    return `${FRR_RUN}/${this.instance}`;
  }

  async start(): Promise<void> {
    const p = this.plan;
    const { uid, gid } = frrIds();
    await mkdir(p.dir, { recursive: true });
    await chmod(p.dir, 0o777);
    await mkdir(this.runDir, { recursive: true });
    await chown(this.runDir, uid, gid);
    await writeFile(`${p.dir}/zebra.conf`, `hostname ${p.name}\nlog file ${p.dir}/zebra.log\n`, {
      mode: 0o644,
    });
    await writeFile(`${p.dir}/bgpd.conf`, frrConfig(p, this.nodeAsn, this.opts), { mode: 0o644 });
    const common = ['-N', this.instance, '-u', 'frr', '-g', 'frr'];
    this.zebra = new Proc(
      p.ns,
      [`${FRR_LIB}/zebra`, ...common, '-f', `${p.dir}/zebra.conf`, '-i', `${this.runDir}/zebra.pid`],
      {
        name: `zebra@${p.role}`,
        logFile: `${p.dir}/zebra.out`,
      },
    );
    const zebra = this.zebra;
    await waitFor(
      async () => {
        if (!zebra.running) throw new Error(`zebra exited: ${zebra.output().slice(-1000)}`);
        await access(`${this.runDir}/zserv.api`);
        return true;
      },
      10_000,
      { what: 'zebra socket', intervalMs: 10 },
    );
    this.bgpd = new Proc(
      p.ns,
      [`${FRR_LIB}/bgpd`, ...common, '-f', `${p.dir}/bgpd.conf`, '-i', `${this.runDir}/bgpd.pid`],
      {
        name: `bgpd@${p.role}`,
        logFile: `${p.dir}/bgpd.out`,
      },
    );
    const bgpd = this.bgpd;
    await waitFor(
      async () => {
        if (!bgpd.running) throw new Error(`bgpd exited: ${bgpd.output().slice(-1000)}`);
        await access(`${this.runDir}/bgpd.vty`);
        return true;
      },
      10_000,
      { what: 'bgpd vty socket', intervalMs: 10 },
    );
  }

  async stop(): Promise<void> {
    await this.bgpd?.stop('SIGTERM', 2000);
    await this.zebra?.stop('SIGTERM', 2000);
    await rm(this.runDir, { recursive: true, force: true });
  }

  /** for exit handlers: the run dir is ours (named after our namespace). */
  removeRunDirSync(): void {
    runSyncQuiet(['rm', '-rf', this.runDir]);
  }

  procs(): Proc[] {
    return [this.zebra, this.bgpd].filter((x): x is Proc => x !== undefined);
  }

  cli(command: string): Promise<string> {
    return runOk(['vtysh', '-N', this.instance, '-c', command]);
  }

  async sessions(): Promise<SessionState[]> {
    const j = JSON.parse(await this.cli('show bgp neighbors json')) as Record<string, { bgpState?: string }>;
    return Object.entries(j).map(([peer, v]) => ({
      session: peer,
      peer,
      node: nodeForPeer(this.plan, peer),
      state: v.bgpState ?? 'unknown',
      established: v.bgpState === 'Established',
    }));
  }

  async rib(prefix: string): Promise<RibPath[]> {
    const pfx = asPrefix(prefix);
    const af = isV6(pfx) ? 'ipv6' : 'ipv4';
    const j = JSON.parse(await this.cli(`show bgp ${af} unicast ${pfx} json`)) as {
      paths?: {
        nexthops?: { ip?: string; scope?: string }[];
        bestpath?: { overall?: boolean };
        peer?: { peerId?: string };
      }[];
    };
    const res: RibPath[] = [];
    for (const path of j.paths ?? []) {
      const nh = (path.nexthops ?? []).find((h) => h.scope !== 'link-local') ?? path.nexthops?.[0];
      if (nh?.ip)
        res.push({
          prefix: pfx,
          nextHop: nh.ip,
          from: path.peer?.peerId ?? '',
          best: path.bestpath?.overall === true,
        });
    }
    return res;
  }
}
