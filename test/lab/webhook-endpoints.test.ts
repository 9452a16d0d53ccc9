import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RunResult } from './exec.ts';
import type { WebhookServiceRef } from './manifest.ts';
import { WebhookEndpoints } from './webhook-endpoints.ts';

// What the lab writes for the webhook Service as manager processes come and go (no API needed: the
// kubectl call is recorded instead).

const SVC: WebhookServiceRef = {
  namespace: 'openelb-system',
  name: 'openelb-webhook',
  port: 443,
  portName: 'https',
  targetPort: 'webhook',
  publishNotReadyAddresses: true,
};

interface Slice {
  metadata: { name: string; labels: Record<string, string> };
  endpoints: { addresses: string[]; nodeName: string }[];
  ports: { name: string; port: number }[];
}

function recorder(fail = (): boolean => false): {
  writes: Slice[][];
  apply: (json: string) => Promise<RunResult>;
} {
  const writes: Slice[][] = [];
  return {
    writes,
    apply: async (json) => {
      if (fail()) return { code: 1, stdout: '', stderr: 'namespaces "openelb-system" not found' };
      writes.push((JSON.parse(json) as { items: Slice[] }).items);
      return { code: 0, stdout: '', stderr: '' };
    },
  };
}

function proc(): { exited: Promise<void>; exit: () => void } {
  let exit = (): void => undefined;
  const exited = new Promise<void>((r) => {
    exit = r;
  });
  return { exited, exit };
}

const view = (items: Slice[] | undefined): Record<string, string[]> =>
  Object.fromEntries(
    (items ?? []).map((s) => [
      `${s.metadata.name} ${s.ports.map((p) => `${p.name}:${p.port}`).join(',')}`,
      s.endpoints.map((e) => `${e.nodeName}=${e.addresses.join(',')}`),
    ]),
  );

describe('webhook Service endpoints of the lab', () => {
  it('lists a replica from start to exit; one slice per port, labelled for the Service', async () => {
    const r = recorder();
    const eps = new WebhookEndpoints(SVC, r.apply);
    const a = proc();
    const b = proc();
    const c = proc();
    eps.add(a, { node: 'node1', address: '10.99.0.11', port: 9443 });
    eps.add(b, { node: 'node2', address: '10.99.0.12', port: 9443 });
    eps.add(c, { node: 'node1', address: '10.99.0.11', port: 9444 });
    assert.equal(await eps.settled(), undefined);
    assert.deepEqual(view(r.writes.at(-1)), {
      'openelb-webhook-oelab-9443 https:9443': ['node1=10.99.0.11', 'node2=10.99.0.12'],
      'openelb-webhook-oelab-9444 https:9444': ['node1=10.99.0.11'],
    });
    assert.equal(r.writes.at(-1)?.[0]?.metadata.labels['kubernetes.io/service-name'], 'openelb-webhook');
    a.exit();
    c.exit();
    await a.exited;
    assert.equal(await eps.settled(), undefined);
    // a port whose replicas all exited keeps an empty slice: nothing to call there
    assert.deepEqual(view(r.writes.at(-1)), {
      'openelb-webhook-oelab-9443 https:9443': ['node2=10.99.0.12'],
      'openelb-webhook-oelab-9444 https:9444': [],
    });
    // changes while a write is in flight are coalesced into the next one
    assert.ok(r.writes.length <= 4, `${r.writes.length} writes`);
  });

  it('a failed write is reported and retried when asked to settle; nothing is written after close()', async () => {
    let failing = true;
    const r = recorder(() => failing);
    const eps = new WebhookEndpoints(SVC, r.apply);
    eps.add(proc(), { node: 'node1', address: '10.99.0.11', port: 9443 });
    assert.match((await eps.settled()) ?? '', /not found/);
    failing = false;
    assert.equal(await eps.settled(), undefined);
    assert.deepEqual(view(r.writes.at(-1)), {
      'openelb-webhook-oelab-9443 https:9443': ['node1=10.99.0.11'],
    });
    eps.close();
    eps.add(proc(), { node: 'node2', address: '10.99.0.12', port: 9443 });
    await eps.settled();
    assert.equal(r.writes.length, 1);
  });

  it('refuses a Service that would need readiness (publishNotReadyAddresses false)', () => {
    assert.throws(
      () => new WebhookEndpoints({ ...SVC, publishNotReadyAddresses: false }, recorder().apply),
      /publishNotReadyAddresses/,
    );
  });
});
