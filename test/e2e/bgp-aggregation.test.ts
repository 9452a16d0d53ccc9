import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { waitFor, type Lab } from '../lab/index.ts';
import { kernelRoutes } from '../lab/fib.ts';
import { apply, eip, getJson, kubectlOk, POOL4, routeCount, service, upBgpLab } from './bgp-lab.ts';

// Route aggregation per Eip against BIRD (issue 15 item 2): 200 Services in the /24 pool with
// spec.bgp.aggregationLength 24 → the router holds ONE /24 with both replicas as next hops; taking the
// field away gives the 200 /32s back, putting it back withdraws them; the /24 stays while one
// Service is left and is withdrawn with the last one.

const COUNT = 200;
const AGGREGATE = '198.51.100.0/24';
const names = Array.from({ length: COUNT }, (_, i) => `agg${i + 1}`);
const ipOf = (i: number): string => `198.51.100.${i + 1}`;

/** BGP routes in the router's kernel inside the pool's /24: [dst, next hops]. */
async function poolRoutes(lab: Lab): Promise<{ dst: string; nextHops: string[] }[]> {
  const r = lab.router(1).plan;
  return (await kernelRoutes(r.ns, 4, ['proto', 'bird']))
    .filter((x) => x.dst.startsWith('198.51.100.'))
    .map((x) => ({ dst: x.dst, nextHops: x.nextHops }));
}

/** Networks BIRD's own table holds inside the pool (`birdc show route`), one line per network. */
async function birdNetworks(lab: Lab): Promise<string[]> {
  const out = await lab.router(1).cli('show route table master4');
  return out
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0] ?? '')
    .filter((n) => n.startsWith('198.51.100.'));
}

async function waitPool(
  lab: Lab,
  want: (routes: { dst: string; nextHops: string[] }[]) => boolean,
  what: string,
) {
  let last: { dst: string; nextHops: string[] }[] = [];
  try {
    await waitFor(
      async () => {
        last = await poolRoutes(lab);
        return want(last);
      },
      60_000,
      { what, intervalMs: 100 },
    );
  } catch (err) {
    throw new Error(
      `${(err as Error).message}; router has ${last.length} pool routes: ${JSON.stringify(last.slice(0, 5))}`,
    );
  }
  return last;
}

async function setAggregation(lab: Lab, length: number | null): Promise<void> {
  await kubectlOk(lab, [
    'patch',
    'eip',
    POOL4.name,
    '--type=merge',
    '-p',
    JSON.stringify({ spec: { bgp: { aggregationLength: length } } }),
  ]);
}

describe('bgp route aggregation per Eip (BIRD)', { timeout: 600_000 }, () => {
  let lab: Lab;
  let both: string[];
  before(async () => {
    lab = await upBgpLab();
    both = lab.nodes.map((n) => n.ipv4).sort();
    await apply(lab, eip(POOL4, { bgp: { aggregationLength: 24 } }));
  });
  after(async () => {
    await lab?.down();
  });

  it(`${COUNT} Services in the /24 pool with aggregationLength 24 → one /24 with every replica as next hop`, async (t) => {
    await apply(lab, ...names.map((name, i) => service({ name, ip: ipOf(i) })));
    await waitFor(
      async () => {
        type E = { status?: { used?: Record<string, string> } };
        const used = (await getJson<E>(lab, 'eip', POOL4.name)).status?.used ?? {};
        return Object.keys(used).length === COUNT;
      },
      120_000,
      { what: `${COUNT} allocations in ${POOL4.name}`, intervalMs: 500 },
    );
    const routes = await waitPool(
      lab,
      (r) => r.length === 1 && r[0]?.dst === AGGREGATE && r[0].nextHops.join() === both.join(),
      `one ${AGGREGATE} route with next hops ${both.join(',')}`,
    );
    assert.deepEqual(routes, [{ dst: AGGREGATE, nextHops: both }]);
    assert.deepEqual(await birdNetworks(lab), [AGGREGATE]);
    assert.equal(await routeCount(lab), 1);
    t.diagnostic(`router kernel: ${JSON.stringify(routes)}; BIRD networks in the pool: 1; BGP routes: 1`);
  });

  it('removing the field gives one /32 per Service back; setting it again withdraws them', async (t) => {
    await setAggregation(lab, null);
    const hosts = await waitPool(
      lab,
      (r) => r.length === COUNT && r.every((x) => x.dst !== AGGREGATE && x.nextHops.join() === both.join()),
      `${COUNT} host routes`,
    );
    t.diagnostic(`without aggregationLength: ${hosts.length} routes in the router kernel`);
    await setAggregation(lab, 24);
    await waitPool(lab, (r) => r.length === 1 && r[0]?.dst === AGGREGATE, `back to one ${AGGREGATE}`);
    assert.equal(await routeCount(lab), 1);
  });

  it('the /24 stays while one Service is left and is withdrawn with the last one', async () => {
    // in batches: one kubectl call per Service name stays under the lab's command deadline
    const rest = names.slice(1);
    for (let i = 0; i < rest.length; i += 40)
      await kubectlOk(lab, ['delete', 'service', '-n', 'demo', '--wait=false', ...rest.slice(i, i + 40)]);
    await waitFor(
      async () => {
        const out = await kubectlOk(lab, ['get', 'services', '-n', 'demo', '-o', 'name']);
        return out.trim().split('\n').filter(Boolean).length === 1;
      },
      60_000,
      { what: 'one Service left', intervalMs: 200 },
    );
    const routes = await poolRoutes(lab);
    assert.deepEqual(routes, [{ dst: AGGREGATE, nextHops: both }]);
    await kubectlOk(lab, ['delete', 'service', '-n', 'demo', names[0] ?? '']);
    await waitPool(lab, (r) => r.length === 0, `${AGGREGATE} withdrawn`);
    assert.deepEqual(await birdNetworks(lab), []);
    assert.equal(await routeCount(lab), 0);
  });
});
