// `make lab` / `npm run lab`: brings the lab up — routers, node namespaces with gobgpd, the API double
// and a manager replica per node (when those exist in the tree) — prints how to reach everything and
// waits for Ctrl-C. `--once` (make lab ONCE=1) checks the lab is healthy and exits (non-zero if not).
// Options: --router bird|frr (default bird), --nodes N (default 2), --once, --runtime process|podman
// (default $OE_RUNTIME, else process; podman runs each replica as the Deployment's pod, test/pod),
// --prometheus (make lab PROMETHEUS=1): Debian's prometheus in the control namespace scraping every
// replica; after the walkthrough every panel of the shipped Grafana dashboard is evaluated against it.
// $KUBE_SERVER_CMD: a command starting the API server in place of the double.
import { parseArgs } from 'node:util';
import { Lab } from './lab.ts';
import { MANAGER_NS, seedWalkthrough, StepFailed } from './walkthrough.ts';
import { reapOrphans } from './orphans.ts';
import { exists, KUBE_DOUBLE_CLI, MANAGER_MAIN } from './roles.ts';
import { kubeServerCmdFromEnv, runtimeFromEnv, type LabRuntime, type RouterKind } from './topology.ts';
import { printPodAudit } from '../pod/transcript.ts';
import { evaluatePanels, emptyPanels } from './dashboard-panels.ts';
import { LabPrometheus } from './prometheus.ts';
import { BGP_POOL4, BGP_POOL6, L2_POOL4, L2_POOL6 } from './topology.ts';

const { values } = parseArgs({
  options: {
    once: { type: 'boolean', default: false },
    router: { type: 'string', default: 'bird' },
    nodes: { type: 'string', default: '2' },
    runtime: { type: 'string' },
    prometheus: { type: 'boolean', default: false },
  },
  strict: true,
});
if (values.router !== 'bird' && values.router !== 'frr')
  throw new Error(`--router must be bird or frr, got ${values.router}`);
const kind: RouterKind = values.router;
const nodes = Number(values.nodes);
const runtime: LabRuntime = runtimeFromEnv(
  values.runtime === undefined ? process.env : { OE_RUNTIME: values.runtime },
);
const say = (s = ''): void => void process.stdout.write(s + '\n');

const reaped = await reapOrphans();
if (reaped.length > 0)
  process.stderr.write(`removed labs left behind by killed processes: ${reaped.join(', ')}\n`);
// KUBE_SERVER_CMD: the API server is the one that command starts (contract in test/lab/README.md)
const serverCmd = kubeServerCmdFromEnv();
const haveDouble = serverCmd !== undefined || (await exists(KUBE_DOUBLE_CLI));
const haveManager = haveDouble && (await exists(MANAGER_MAIN));
let interrupted = false;
const held: { lab?: Lab } = {};
const onSignal = (): void => {
  if (interrupted) return;
  interrupted = true;
  process.stderr.write('\nstopping the lab …\n');
  // a lab still coming up is removed by the library's exit handler
  void (held.lab?.down() ?? Promise.resolve()).finally(() => process.exit(130));
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

const lab = await Lab.up({
  nodes,
  routers: [{ kind }],
  kubeDouble: haveDouble,
  // the walkthrough installs deploy/openelb.yaml itself (CRDs included), as the seed does
  kubeCrds: !haveManager,
  // managers start below, once their namespace exists (as `kubectl apply -f deploy/openelb.yaml` would have it)
  managers: false,
  // the managers configure gobgpd themselves (BgpConf/BgpPeer); without them the lab peers gobgpd
  gobgp: haveManager ? 'bare' : 'peered',
  runtime,
  // the pod runner's events (sidecar first, token substitution …) belong in the transcript
  podLog: (line) => say(`  ${line}`),
});
held.lab = lab;
const prom = values.prometheus ? await LabPrometheus.start(lab) : undefined;
const promStartS = Date.now() / 1000;

const ex = (ns: string, cmd: string): string => `ip netns exec ${ns} ${cmd}`;
const r1 = lab.router();
say(`openelb-ts lab ${lab.id} up in ${lab.timings.upMs.toFixed(0)} ms (run dir ${lab.dir})`);
say();
say(`LAN 10.99.0.0/24, fd99::/64 on bridge ${lab.plan.bridge} in ${lab.plan.swNs}`);
say(
  `router   ${r1.plan.ns}  ${kind} AS ${r1.plan.asn}  ${r1.plan.ipv4} ${r1.plan.ipv6}  (dials nodes on port ${r1.plan.dialPort}, listens on 179)`,
);
for (const n of lab.nodes) {
  say(`${n.name.padEnd(8)} ${n.ns}  ${n.ipv4} ${n.ipv6}  if ${n.ifname}  gobgpd unix://${n.gobgpSocket}`);
}
say(`client   ${lab.client.ns}  ${lab.client.ipv4} ${lab.client.ipv6}  default route via ${r1.plan.ipv4}`);
const apiServer =
  serverCmd === undefined
    ? 'API double'
    : `API server of KUBE_SERVER_CMD '${serverCmd}' (log ${lab.dir}/kube-server.log)`;
if (lab.plan.control)
  say(`control  ${lab.plan.control.ns}  ${apiServer} ${lab.kube?.url ?? '(not running)'}`);
say();
say(
  `Service IPs: BGP pool ${BGP_POOL4} / ${BGP_POOL6} (routed by the router), Layer 2 pool ${L2_POOL4} / ${L2_POOL6} (on the LAN)`,
);
say(
  `node AS ${lab.plan.nodeAsn}; a BgpConf for the lab: as ${lab.plan.nodeAsn}, listenPort ${r1.plan.dialPort}; BgpPeer: address ${r1.plan.ipv4}, as ${r1.plan.asn}`,
);
if (prom)
  say(
    `prometheus ${prom.ns}  ${prom.url} scraping ${lab.nodes.map((n) => `${n.ipv4}:8080`).join(', ')} every ${prom.scrapeIntervalS}s (data ${prom.dir})`,
  );
say();
say('Try:');
if (lab.kube) {
  say(`  kubeconfig: ${lab.kubeconfig}  (reachable from the control and node namespaces)`);
  say(`  ${ex(lab.plan.control?.ns ?? '', `kubectl --kubeconfig ${lab.kubeconfig} get nodes`)}`);
}
say(
  `  ${kind === 'bird' ? `birdc -s ${r1.plan.dir}/bird.ctl show protocols` : `vtysh -N ${r1.plan.ns} -c 'show bgp summary'`}`,
);
say(`  ip -n ${r1.plan.ns} route`);
say(`  gobgp --target unix://${lab.node(1).gobgpSocket} neighbor`);
say(`  ${ex(lab.client.ns, 'curl http://198.51.100.10/')}`);
if (haveManager)
  say(
    `  ${ex(lab.node(1).ns, 'curl -s http://127.0.0.1:8080/readyz')}   (logs in ${runtime === 'podman' ? `${lab.dir}/n1/pods/*/logs/` : `${lab.dir}/n1/manager-1.log`})`,
  );
if (prom)
  say(
    `  ${ex(prom.ns, `curl -s '${prom.url}/api/v1/query?query=openelb_bgp_session_state'`)}   (Prometheus' HTTP API)`,
  );
if (runtime === 'podman')
  say(
    `  podman ps --filter label=io.openelb-ts.pod-runner.owner=oelab-${lab.id}   (the replica pods' containers)`,
  );
say();

async function healthy(l: Lab): Promise<string[]> {
  const problems: string[] = [];
  const dead = [...l.routers.flatMap((r) => r.procs()), ...l.nodes.map((n) => l.gobgpdProc(n.name))].filter(
    (p) => p && !p.running,
  );
  for (const p of dead) problems.push(`${p?.name} is not running`);
  if (l.kube) {
    const r = await l.kubectl(['get', 'nodes', '-o', 'name']);
    if (r.code !== 0) problems.push(`${apiServer}: kubectl get nodes failed: ${r.stderr.trim()}`);
  }
  if (haveManager) await l.waitManagersReady(60_000).catch((e: unknown) => problems.push(String(e)));
  else await l.waitEstablished(30_000).catch((e: unknown) => problems.push(String(e)));
  const web = await l.httpGet(`http://${l.node(1).ipv4}/`);
  if (web.node !== l.node(1).name)
    problems.push(`HTTP stand-in on node1 did not answer: ${web.error ?? web.body}`);
  return problems;
}

/**
 * Every panel query of the shipped dashboard over the walkthrough, one line each. Informational: the
 * walkthrough has no allocation failure, so that query has nothing to draw yet (the e2e test
 * dashboard-prometheus provokes one and requires every panel to draw).
 */
async function dashboardPanels(p: LabPrometheus): Promise<void> {
  say('== The Grafana dashboard against Prometheus ==');
  await p.waitTargetsUp();
  // a few more scrapes, so that the walkthrough's last changes are in every rate window
  await new Promise((r) => setTimeout(r, 4_000 * p.scrapeIntervalS));
  const range = { startS: promStartS, endS: Date.now() / 1000, stepS: p.scrapeIntervalS, rateIntervalS: 60 };
  const answers = await evaluatePanels(p, range);
  for (const a of answers) say(`  ${a.panel} [${a.refId}]: ${a.error ?? (a.last.join(', ') || 'no data')}`);
  const empty = emptyPanels(answers);
  say(empty.length === 0 ? '  every panel draws' : `  nothing to draw yet:\n  ${empty.join('\n  ')}`);
}

async function walkthrough(l: Lab): Promise<string[]> {
  if (!haveManager) return [];
  say('== The seed walkthrough ==');
  try {
    await seedWalkthrough(l, say, async () => {
      if (l.runtime === 'podman') {
        for (const n of l.nodes) await l.startManagerPod(n.name);
        await l.waitManagersReady(180_000);
        const differs = await printPodAudit(
          l.nodes.map((n) => l.managerPods(n.name).at(-1)).filter((p) => p !== undefined),
          say,
        );
        if (differs.length > 0)
          throw new StepFailed(`the replica pods do not run as the manifest says: ${differs.join('; ')}`);
        return;
      }
      for (const n of l.nodes) l.startManager(n.name, ['--namespace', MANAGER_NS]);
      await l.waitManagersReady(60_000);
    });
    return [];
  } catch (e) {
    const msg = e instanceof StepFailed ? e.message : e instanceof Error ? (e.stack ?? e.message) : String(e);
    const logs = l.runtime === 'podman' ? `${l.dir}/n*/pods/*/logs/` : `${l.dir}/n*/manager-1.log`;
    const pods =
      l.runtime === 'podman'
        ? `\n${l.nodes
            .flatMap((n) => l.managerPods(n.name))
            .map((p) => p.describe())
            .join('\n')}`
        : '';
    return [`walkthrough step failed: ${msg} (manager logs in ${logs})${pods}`];
  }
}

if (values.once) {
  const problems = await walkthrough(lab);
  if (problems.length === 0) problems.push(...(await healthy(lab)));
  if (problems.length === 0 && prom && haveManager) await dashboardPanels(prom);
  for (const p of problems) say(`UNHEALTHY: ${p}`);
  if (problems.length === 0)
    say(
      `healthy${haveManager ? ` (managers ready${runtime === 'podman' ? ', as pods on podman' : ''})` : ' (BGP sessions Established)'}`,
    );
  await lab.down();
  process.exit(problems.length === 0 ? 0 : 1);
} else {
  const problems = await walkthrough(lab);
  if (problems.length === 0) problems.push(...(await healthy(lab)));
  if (problems.length === 0 && prom && haveManager) await dashboardPanels(prom);
  for (const p of problems) say(`UNHEALTHY: ${p}`);
  say('Ctrl-C stops the lab and removes every namespace.');
  setInterval(() => undefined, 1 << 30);
}
