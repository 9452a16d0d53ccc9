import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Eip } from '../../../src/api/v1alpha2.ts';
import { EventRecorder, KubeClient, ObjectWriter, Resources } from '../../../src/kube/index.ts';
import type { CoreEvent, KubeObject } from '../../../src/kube/types.ts';
import { logger } from '../../../src/obs/log.ts';
import type { Refusal } from '../../../src/layer2/guard/types.ts';
import { type HoldingsView, RefusalReporter } from '../../../src/layer2/speaker/refusal-report.ts';
import { startKubeDouble, type KubeDouble } from '../../kube/double.ts';

// Two replicas' reporters writing the Eip condition Layer2Conflict through the API double: each edits
// only the entries of the addresses it holds, neither loses the other's nor the allocator's conditions,
// and the Events name the other host's MAC.

/** An EventRecorder whose fire-and-forget writes the test can wait for. */
class AwaitedEvents extends EventRecorder {
  readonly writes: Promise<CoreEvent | undefined>[] = [];

  override event(obj: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.writes.push(this.record(obj, type, reason, message));
  }
}

function view(answering: string[], refusals: Refusal[], eip = 'lan'): HoldingsView {
  const targets = new Map(
    [...answering, ...refusals.map((r) => r.ip)].map((ip) => [
      ip,
      { ip, family: 4 as const, eip, eligible: [], ifname: 'eth0', problem: undefined, services: [] },
    ]),
  );
  return { answering, targets, refusals: () => new Map(refusals.map((r) => [r.ip, r])) };
}

const conflict = (ip: string, mac: string): Refusal => ({
  ip,
  cause: 'conflict',
  mac,
  kind: 'arp-reply',
  detail: `MAC ${mac} answers for it (arp-reply)`,
  since: 0,
  attempts: 1,
});

describe('RefusalReporter', () => {
  let api: KubeDouble;
  let client: KubeClient;
  before(async () => {
    api = await startKubeDouble();
    client = new KubeClient(api.kubeConfig(), { requestTimeoutMs: 2000 });
    await client.create(Resources.Eip, {
      apiVersion: 'network.kubesphere.io/v1alpha2',
      kind: 'Eip',
      metadata: { name: 'lan' },
      spec: { address: '10.99.0.1-10.99.0.3', protocol: 'layer2' },
    });
    await client.patch(
      Resources.Eip,
      'lan',
      undefined,
      {
        status: {
          used: { '10.99.0.1': 'demo/a', '10.99.0.2': 'demo/b', '10.99.0.3': 'demo/c' },
          conditions: [
            {
              type: 'Ready',
              status: 'True',
              reason: 'Ready',
              message: 'allocating',
              lastTransitionTime: '2026-01-01T00:00:00Z',
            },
          ],
        },
      },
      'merge',
      { subresource: 'status' },
    );
  });
  after(async () => {
    await api?.close();
  });

  let events: AwaitedEvents | undefined;

  async function passOf(node: string, v: HoldingsView): Promise<RefusalReporter> {
    const eips = [await client.get<Eip>(Resources.Eip, 'lan')];
    const recorder = new AwaitedEvents(client, { component: 'test', host: node });
    events = recorder;
    const r = new RefusalReporter({
      node,
      speaker: v,
      eips: () => eips,
      writer: new ObjectWriter(client),
      events: recorder,
      log: logger('test'),
      debounceMs: 0,
    });
    return r;
  }

  async function condition(): Promise<{ status: string; message: string } | undefined> {
    return (await client.get<Eip>(Resources.Eip, 'lan')).status?.conditions?.find(
      (c) => c.type === 'Layer2Conflict',
    );
  }

  async function settle(r: RefusalReporter): Promise<void> {
    await r.flush();
    await r.stop();
  }

  it("each replica sets its own entries; the other's and the allocator's conditions stay", async () => {
    const a = await passOf('node1', view(['10.99.0.3'], [conflict('10.99.0.1', '52:54:00:00:00:01')]));
    await settle(a);
    const b = await passOf('node2', view([], [conflict('10.99.0.2', '52:54:00:00:00:02')]));
    await settle(b);
    const c = await condition();
    assert.equal(c?.status, 'True');
    assert.equal(
      c?.message,
      '10.99.0.1 refused by node node1: MAC 52:54:00:00:00:01 answers for it (arp-reply); 10.99.0.2 refused by node node2: MAC 52:54:00:00:00:02 answers for it (arp-reply)',
    );
    assert.ok(
      (await client.get<Eip>(Resources.Eip, 'lan')).status?.conditions?.some((x) => x.type === 'Ready'),
      'allocator condition kept',
    );
    // node1 now answers 10.99.0.1: only its entry goes
    const a2 = await passOf('node1', view(['10.99.0.1'], []));
    await settle(a2);
    assert.equal(
      (await condition())?.message,
      '10.99.0.2 refused by node node2: MAC 52:54:00:00:00:02 answers for it (arp-reply)',
    );
    const b2 = await passOf('node2', view(['10.99.0.2'], []));
    await settle(b2);
    assert.equal((await condition())?.status, 'False');
  });

  it('Events on the Eip name the MAC', async () => {
    const r = await passOf('node1', view([], []));
    r.refused(
      {
        ip: '10.99.0.1',
        family: 4,
        eip: 'lan',
        eligible: [],
        ifname: 'eth0',
        problem: undefined,
        services: [],
      },
      conflict('10.99.0.1', '52:54:00:00:00:09'),
    );
    await settle(r);
    await Promise.all(events?.writes ?? []);
    const evs = (await client.list<CoreEvent>(Resources.Event, { namespace: 'default' })).items;
    const ev = evs.find((e) => e.reason === 'Layer2Conflict' && e.involvedObject.name === 'lan');
    assert.match(
      ev?.message ?? '',
      /^node node1 refuses 10\.99\.0\.1 and does not answer ARP\/NDP for it: MAC 52:54:00:00:00:09 answers for it/,
    );
    assert.equal(ev?.involvedObject.kind, 'Eip');
  });
});
