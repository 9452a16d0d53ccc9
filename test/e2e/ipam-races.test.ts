// Races and restarts (issue 4 item 6): two real manager processes (src/main.ts started through
// fixtures/manager-paused.ts, which adds the freeze; allocator only) against the API double; 1,000
// Services created and deleted in random order against pools smaller than 1,000 addresses; managers
// SIGKILLed and restarted at random; one manager frozen
// (SIGSTOP) between its Eip write and its Service write. A watcher checks the invariants on every
// watch event (ipam-invariants.ts) and at quiescent points. The seed is fixed (IPAM_RACE_SEED
// overrides it) and printed for replay. deploy/openelb.yaml is installed and each manager serves its
// webhook (listed in the webhook Service's endpoints while its process runs), as on a cluster.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeDouble } from '../kube/double.ts';
import { Informer, KubeClient } from '../../src/kube/index.ts';
import { Resources } from '../../src/kube/resources.ts';
import type { Lease, Service } from '../../src/kube/types.ts';
import type { Eip } from '../../src/api/v1alpha2.ts';
import { InvariantWatcher, keyOf, mayShare } from './ipam-invariants.ts';
import type { WebhookEndpoints } from '../lab/webhook-endpoints.ts';
import {
  endpointsSettled,
  listManager,
  loopbackAddrs,
  startDoubleWithOpenelb,
  waitWebhookServing,
  webhookEndpoints,
} from './local-webhooks.ts';

const ROOT = join(import.meta.dirname, '../..');
const SEED = Number(process.env['IPAM_RACE_SEED'] ?? 20261125);
const TOTAL = Number(process.env['IPAM_RACE_SERVICES'] ?? 1000);
const tmp = mkdtempSync(join(tmpdir(), 'ipam-race-'));
const children = new Set<ChildProcess>();
let dbl: KubeDouble | undefined;

after(async () => {
  endpoints?.close();
  for (const c of children)
    if (c.exitCode === null && c.signalCode === null) {
      c.kill('SIGCONT');
      c.kill('SIGKILL');
    }
  await dbl?.close();
  rmSync(tmp, { recursive: true, force: true });
});

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Manager {
  id: string;
  child: ChildProcess;
  pauseFile: string;
  log: string[];
  healthPort: number;
}
const managers = new Map<string, Manager>();
let endpoints: WebhookEndpoints | undefined;

async function startManager(id: string, kubeconfig: string): Promise<Manager> {
  const pauseFile = join(tmp, `pause-${id}`);
  const addrs = await loopbackAddrs();
  const child = spawn(
    process.execPath,
    [
      join(ROOT, 'test/e2e/fixtures/manager-paused.ts'),
      pauseFile,
      '--kubeconfig',
      kubeconfig,
      '--node-name',
      id,
      '--pod-name',
      id,
      ...addrs.args,
      '--enable-bgp',
      'false',
      '--enable-layer2',
      'false',
      '--lease-duration',
      '3s',
      '--lease-renew-deadline',
      '2s',
      '--lease-retry-period',
      '500ms',
      '--backoff-max',
      '1s',
      '--log-level',
      'warn',
    ],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, KUBECONFIG: '' },
    },
  );
  children.add(child);
  if (endpoints) listManager(endpoints, id, child, addrs.webhook);
  const m: Manager = { id, child, pauseFile, log: [], healthPort: addrs.health };
  child.stderr?.on('data', (d: Buffer) => {
    if (m.log.length < 200) m.log.push(d.toString());
  });
  managers.set(id, m);
  return m;
}

function procState(pid: number | undefined): string {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] ?? '?';
  } catch {
    return '?';
  }
}

test(
  `IPAM races: ${TOTAL} Services, two managers, kills and a freeze (IPAM_RACE_SEED=${SEED})`,
  { timeout: 240_000 },
  async (t) => {
    process.stdout.write(`IPAM_RACE_SEED=${SEED} (set it to replay this run)\n`);
    const rand = rng(SEED);
    dbl = await startDoubleWithOpenelb({ bookmarkIntervalMs: 200 });
    endpoints = webhookEndpoints(dbl);
    const client = new KubeClient(dbl.kubeConfig(), { fieldManager: 'race-test' });
    for (const ns of ['race-a', 'race-b'])
      await dbl.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    // the webhooks fail closed: the replicas serve them before the pools go in
    for (const id of ['m1', 'm2']) await startManager(id, dbl.kubeconfigPath);
    for (const m of managers.values()) await waitWebhookServing(m.healthPort);
    await endpointsSettled(endpoints);
    const eip = (
      name: string,
      spec: Record<string, unknown>,
      ann: Record<string, string> = {},
    ): Record<string, unknown> => ({
      apiVersion: 'network.kubesphere.io/v1alpha2',
      kind: 'Eip',
      metadata: { name, annotations: ann },
      spec,
    });
    await dbl.create([
      eip(
        'race-default',
        { address: '10.50.0.1-10.50.0.150' },
        { 'eip.openelb.kubesphere.io/is-default-eip': 'true' },
      ),
      eip('race-bound', { address: '10.60.0.0/26', namespaces: ['race-b'] }),
      eip('race-pick', { address: '10.70.0.1-10.70.0.40', autoAssign: false }),
      // only the freeze's trigger Services use it, so the frozen write never waits for room elsewhere
      eip('race-freeze', { address: '10.80.0.1-10.80.0.250', autoAssign: false }),
    ]);
    const capacity: Record<string, number> = {
      'race-default': 150,
      'race-bound': 62,
      'race-pick': 40,
      'race-freeze': 250,
    };

    const watcher = new InvariantWatcher();
    const svcInf = new Informer<Service>(client, Resources.Service, { name: 'race-services' });
    const eipInf = new Informer<Eip>(client, Resources.Eip, { name: 'race-eips' });
    svcInf.onEvent((ev) => watcher.service(ev.type, ev.obj));
    eipInf.onEvent((ev) => watcher.eip(ev.type, ev.obj));
    svcInf.start();
    eipInf.start();
    await Promise.all([svcInf.synced(), eipInf.synced()]);
    const progress = setInterval(() => watcher.advanceEips(Number(eipInf.resourceVersion || '0')), 50);
    t.after(async () => {
      clearInterval(progress);
      await svcInf.stop();
      await eipInf.stop();
    });

    // ---- the workload ----
    const names: string[] = [];
    const live = new Set<string>();
    let created = 0;
    const newService = (): Record<string, unknown> => {
      const i = created++;
      const name = `svc-${String(i).padStart(4, '0')}`;
      const r = rand();
      const ns = r < 0.25 ? 'race-b' : 'race-a';
      const annotations: Record<string, string> = { 'lb.kubesphere.io/v1alpha1': 'openelb' };
      let port = 80;
      if (r >= 0.85) {
        annotations['eip.openelb.kubesphere.io/v1alpha1'] = `10.70.0.${1 + Math.floor(rand() * 40)}`;
        if (rand() < 0.5) {
          annotations['openelb.kubesphere.io/sharing-key'] = 'shared';
          port = 1000 + Math.floor(rand() * 8);
        }
      }
      names.push(`${ns}/${name}`);
      return {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name, namespace: ns, annotations },
        spec: { type: 'LoadBalancer', selector: { app: name }, ports: [{ port, protocol: 'TCP' }] },
      };
    };

    const leaderId = async (): Promise<string | undefined> =>
      (await client.getOrUndefined<Lease>(Resources.Lease, 'openelb-manager', 'openelb-system'))?.spec
        .holderIdentity ?? undefined;

    let chaos: Promise<void> = Promise.resolve();
    let froze = false;
    let takeover = false;
    const kills: string[] = [];
    const killAndRestart = async (): Promise<void> => {
      const id = rand() < 0.5 ? 'm1' : 'm2';
      const m = managers.get(id);
      if (!m) return;
      m.child.kill('SIGKILL');
      await new Promise((r) => m.child.once('exit', r));
      kills.push(id);
      await sleep(200 + Math.floor(rand() * 1500));
      await startManager(id, dbl!.kubeconfigPath);
    };
    // The Lease may still name a manager that was just killed (its successor has not taken over yet):
    // freeze only a holder that is alive and actually writing, retrying with whoever holds it next.
    const freezeLeader = async (): Promise<void> => {
      const deadline = performance.now() + 60_000;
      for (let attempt = 0; !froze && performance.now() < deadline; attempt++) {
        const id = await leaderId();
        const m = id ? managers.get(id) : undefined;
        if (!m || m.child.exitCode !== null || m.child.signalCode !== null) {
          await sleep(250);
          continue;
        }
        writeFileSync(m.pauseFile, 'pause');
        // The main loop may be parked at a checkpoint waiting for this chaos step, leaving the leader
        // with nothing to write (and the shared pools may be full): give it an allocation of its own,
        // in a pool kept for this, so the freeze always happens.
        const end = performance.now() + 6_000;
        for (let n = 0; existsSync(m.pauseFile) && performance.now() < end; n++) {
          await client
            .create(Resources.Service, {
              apiVersion: 'v1',
              kind: 'Service',
              metadata: {
                name: `freeze-trigger-${attempt}-${n}`,
                namespace: 'race-a',
                annotations: {
                  'lb.kubesphere.io/v1alpha1': 'openelb',
                  'eip.openelb.kubesphere.io/v1alpha2': 'race-freeze',
                },
              },
              spec: { type: 'LoadBalancer', ports: [{ port: 80, protocol: 'TCP' }] },
            })
            .catch(() => undefined);
          const wait = performance.now() + 1500;
          while (existsSync(m.pauseFile) && performance.now() < wait) await sleep(20);
        }
        if (existsSync(m.pauseFile)) {
          rmSync(m.pauseFile, { force: true });
          continue;
        }
        while (procState(m.child.pid) !== 'T' && performance.now() < end + 2000) await sleep(10);
        froze = procState(m.child.pid) === 'T';
        if (!froze) continue;
        // Frozen between its Eip write and its Service write: the other manager takes over meanwhile.
        const takeoverBy = performance.now() + 15_000;
        while (performance.now() < takeoverBy && (await leaderId()) === m.id) await sleep(200);
        takeover = (await leaderId()) !== m.id;
        m.child.kill('SIGCONT');
      }
    };

    const quiescent = async (label: string): Promise<void> => {
      await chaos;
      const end = performance.now() + 45_000;
      let problems: string[] = [];
      while (performance.now() < end) {
        problems = checkQuiescent(watcher, capacity);
        if (problems.length === 0 && watcher.backlog === 0) return;
        await sleep(250);
      }
      assert.fail(`${label}: not converged after 45 s: ${problems.slice(0, 10).join('; ')}`);
    };

    const conc = 8;
    const ops: (() => Promise<void>)[] = [];
    const killAt = new Set(Array.from({ length: 4 }, () => 150 + Math.floor(rand() * 1300)));
    const freezeAt = 600 + Math.floor(rand() * 200);
    let step = 0;
    const checkpoints = new Set([700, 1300]);
    while (created < TOTAL || live.size > 150) {
      step++;
      const burst = created < 320;
      const create = created < TOTAL && (burst || rand() < 0.62 || live.size === 0);
      if (create) {
        const obj = newService();
        const key = names[names.length - 1] as string;
        live.add(key);
        ops.push(async () => {
          await client.create(Resources.Service, obj);
        });
      } else {
        const arr = [...live];
        const key = arr[Math.floor(rand() * arr.length)] as string;
        live.delete(key);
        const [ns, name] = key.split('/') as [string, string];
        ops.push(async () => {
          await client.delete(Resources.Service, name, ns).catch(() => undefined);
        });
      }
      if (killAt.has(step)) chaos = chaos.then(killAndRestart);
      if (step === freezeAt) chaos = chaos.then(freezeLeader);
      if (ops.length >= conc || checkpoints.has(step)) {
        await Promise.all(ops.splice(0).map((f) => f()));
        await sleep(5);
      }
      if (checkpoints.has(step)) await quiescent(`checkpoint at step ${step}`);
    }
    await Promise.all(ops.splice(0).map((f) => f()));
    await quiescent('end of run');
    assert.deepEqual(watcher.violations, [], `invariant violations (replay with IPAM_RACE_SEED=${SEED})`);
    process.stdout.write(
      `race: ${created} Services created, ${step} steps, ${watcher.events} watch events checked, kills ${kills.join(',') || 'none'}, froze ${froze}, takeover ${takeover}\n`,
    );
    assert.ok(froze, 'a manager was frozen between its Eip write and its Service write');
    assert.ok(takeover, 'the other manager took the Lease while it was frozen');
    assert.ok(kills.length >= 2, 'managers were killed and restarted');
  },
);

function checkQuiescent(w: InvariantWatcher, capacity: Record<string, number>): string[] {
  const problems: string[] = [...w.violations];
  const used = w.usedRecords();
  const recorded = new Map<string, string>();
  const count = new Map<string, number>();
  for (const [eip, u] of used) {
    count.set(eip, Object.keys(u).length);
    for (const [ip, v] of Object.entries(u)) for (const k of v.split(';')) recorded.set(k, ip);
  }
  const svcs = new Map(w.services().map((s) => [keyOf(s), s]));
  for (const [k, ip] of recorded) {
    const s = svcs.get(k);
    if (!s) problems.push(`${k} recorded at ${ip} but gone (leak)`);
    else if (!(s.status?.loadBalancer?.ingress ?? []).some((i) => i.ip === ip))
      problems.push(
        `${k} recorded at ${ip} but shows ${JSON.stringify(s.status?.loadBalancer?.ingress ?? [])}`,
      );
  }
  for (const s of svcs.values()) {
    const k = keyOf(s);
    if (s.spec.type !== 'LoadBalancer' || s.metadata.annotations?.['lb.kubesphere.io/v1alpha1'] !== 'openelb')
      continue;
    if ((s.status?.loadBalancer?.ingress ?? []).length > 0) continue;
    const want = s.metadata.annotations?.['eip.openelb.kubesphere.io/v1alpha1'];
    if (want) {
      const holders = w.holdersOf(want);
      if (holders.length === 0 || mayShare([...holders, s]))
        problems.push(`${k} waits for ${want}, which it could have`);
      continue;
    }
    const pool = s.metadata.namespace === 'race-b' ? 'race-bound' : 'race-default';
    if ((count.get(pool) ?? 0) < (capacity[pool] ?? 0))
      problems.push(`${k} has no address while ${pool} has room (${count.get(pool) ?? 0}/${capacity[pool]})`);
  }
  return problems;
}
