// kubectl openelb: parse the command line, read the cluster, print. Exit codes: 0 done, 1 the cluster
// could not answer what was asked (the message names what is missing), 2 bad command line.
import yaml from 'js-yaml';
import { environment } from '../config.ts';
import { errorMessage, OpenelbError } from '../core/errors.ts';
import { VERSION } from '../version.ts';
import { parseArgs, USAGE, type CliArgs } from './args.ts';
import {
  connect,
  listBgpPeers,
  listEips,
  listManagerNodes,
  listReplicaLeases,
  readServices,
  type Connection,
} from './fetch.ts';
import { poolRows, poolsTable } from './pools.ts';
import { statusTables } from './status-table.ts';
import { serviceStatuses } from './status.ts';
import { renderTable, renderTables } from './table.ts';

export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** Colours allowed: stdout is a terminal and NO_COLOR is not set. */
  colour: boolean;
}

function structured(kind: string, items: unknown[], format: 'json' | 'yaml'): string {
  const doc = { apiVersion: 'openelb.kubesphere.io/cli', kind, items };
  return format === 'json' ? `${JSON.stringify(doc, null, 4)}\n` : yaml.dump(doc, { noRefs: true });
}

async function pools(c: Connection, a: CliArgs, io: Io): Promise<void> {
  const rows = poolRows(await listEips(c));
  if (a.output === 'json' || a.output === 'yaml') return io.out(structured('PoolList', rows, a.output));
  if (rows.length === 0) return io.err('No resources found: no Eip exists.\n');
  io.out(renderTable(poolsTable(rows, a.output === 'wide'), io.colour));
}

async function status(c: Connection, a: CliArgs, io: Io): Promise<void> {
  const namespace = a.allNamespaces ? undefined : (a.namespace ?? c.namespace);
  const services = await readServices(c, namespace, a.service);
  const [eips, peers] = await Promise.all([listEips(c), listBgpPeers(c)]);
  let leases: Awaited<ReturnType<typeof listReplicaLeases>> = [];
  try {
    leases = await listReplicaLeases(c);
  } catch (e) {
    io.err(`warning: Layer 2 owners unknown: ${errorMessage(e)}\n`);
  }
  let managers: Set<string> | undefined;
  try {
    managers = await listManagerNodes(c);
  } catch (e) {
    io.err(`warning: which replicas run is unknown: ${errorMessage(e)}\n`);
  }
  const items = serviceStatuses(
    { services, eips, peers, leases, now: Date.now(), ...(managers ? { managers } : {}) },
    a.service !== undefined,
  );
  for (const s of items)
    for (const w of s.warnings ?? []) io.err(`warning: Service ${s.namespace}/${s.name}: ${w}\n`);
  if (a.output === 'json' || a.output === 'yaml')
    return io.out(structured('ServiceStatusList', items, a.output));
  if (items.length === 0)
    return io.err(
      `No LoadBalancer Services found${namespace === undefined ? '' : ` in ${namespace} namespace`}.\n`,
    );
  const o = { allNamespaces: a.allNamespaces, wide: a.output === 'wide' };
  io.out(renderTables(statusTables(items, o), io.colour));
}

export async function run(argv: readonly string[], io: Io): Promise<number> {
  const parsed = parseArgs(argv);
  if (!parsed.ok) {
    io.err(`error: ${parsed.error}\n`);
    return 2;
  }
  const a = parsed.value;
  if (a.command === 'help') {
    io.out(USAGE);
    return 0;
  }
  if (a.command === 'version') {
    io.out(`kubectl-openelb ${VERSION}\n`);
    return 0;
  }
  let c: Connection | undefined;
  try {
    const kubeconfig = a.kubeconfig ?? environment.kubeconfig();
    c = connect({
      ...(kubeconfig !== undefined ? { kubeconfig } : {}),
      ...(a.context !== undefined ? { context: a.context } : {}),
      inCluster: environment.inCluster(),
    });
    if (a.command === 'pools') await pools(c, a, io);
    else await status(c, a, io);
    return 0;
  } catch (e) {
    // our errors already carry their cause's message; anything else prints as thrown
    io.err(`error: ${e instanceof OpenelbError ? e.message : errorMessage(e)}\n`);
    return 1;
  } finally {
    c?.client.close();
  }
}
